"""Evidence files: checked on the way in, stored under a content-derived name, verified on every way out.

- `validate_upload` enforces the size limit, sniffs the type from the bytes (never from the name or the
  browser's Content-Type), checks it against the caller's allow-list and the name's extension, guards zip-based
  formats against bombs, path traversal and macros, runs the optional malware scanner, and returns the SHA-256
  to store with the record. It is the one upload check: every upload field calls it with its own allow-list.
- `store_protected_file` writes under MEDIA_ROOT (outside the web root; nothing serves MEDIA_URL) at
  `<folder>/<sha[:2]>/<sha>`: no path ever comes from user input.
- `serve_protected_file` is what a permission-checked view returns: it re-hashes the file and refuses to
  serve it when the digest differs from the one recorded at upload (chain of custody).
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from coopcases.core.exceptions import DomainError, FieldProblem, NotVisible, ValidationFailed

log = logging.getLogger("coopcases.security")
CHUNK = 64 * 1024
HEAD = 8 * 1024

PDF, PNG, JPEG, TIFF = "application/pdf", "image/png", "image/jpeg", "image/tiff"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT, ODS, ODP = (f"application/vnd.oasis.opendocument.{kind}" for kind in ("text", "spreadsheet", "presentation"))
TEXT, CSV = "text/plain", "text/csv"

# Leading bytes of each binary type we accept. Legacy OLE2 Office files (.doc/.xls, macros) are not among them.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"PK\x03\x04", ZIP),
    (b"PK\x05\x06", ZIP),  # an empty archive
]
# The part that makes a zip an office document (OOXML); ODF names its type in a first member called "mimetype".
OOXML_MARKERS = [("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX)]
ODF_TYPES = {ODT, ODS, ODP}
EXTENSIONS = {
    PDF: {".pdf"}, PNG: {".png"}, JPEG: {".jpg", ".jpeg"}, TIFF: {".tif", ".tiff"}, ZIP: {".zip"},
    DOCX: {".docx"}, XLSX: {".xlsx"}, PPTX: {".pptx"}, ODT: {".odt"}, ODS: {".ods"}, ODP: {".odp"},
    TEXT: {".txt", ".text", ".log", ".md"}, CSV: {".csv"},
}
LABELS = {
    PDF: "PDF", PNG: "PNG", JPEG: "JPEG", TIFF: "TIFF", ZIP: "zip", DOCX: "Word (docx)", XLSX: "Excel (xlsx)",
    PPTX: "PowerPoint (pptx)", ODT: "OpenDocument text", ODS: "OpenDocument spreadsheet", ODP: "OpenDocument presentation",
    TEXT: "text", CSV: "CSV",
}


@dataclass(frozen=True)
class UploadCheck:
    sha256: str
    size: int
    mime: str


class FileIntegrityError(DomainError):
    """The stored file no longer matches the digest recorded at upload: it is not served."""

    def __init__(self, detail: str = "This file failed its integrity check and cannot be served."):
        super().__init__(detail=detail, code="integrity_failure", status=409)


class _Refused(Exception):
    """Why a file is refused; `validate_upload` turns it into ValidationFailed naming the allow-list."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.reason, self.code = reason, code


def _refuse(reason: str, code: str) -> _Refused:
    return _Refused(reason, code)


def _too_large(max_bytes: int) -> _Refused:
    return _refuse(_("larger than %(limit)s bytes") % {"limit": max_bytes}, "too_large")


def _digest_and_size(file, max_bytes: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    file.seek(0)
    while chunk := file.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        digest.update(chunk)
    return digest.hexdigest(), size


def _is_utf8_text(file) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        while chunk := file.read(CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _unsafe_member_name(name: str) -> bool:
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    return (
        not name or name.startswith(("/", "\\")) or windows.drive != "" or ".." in posix.parts or ".." in windows.parts
        or any(ord(ch) < 32 for ch in name)
    )


def _zip_kind(file, compressed_size: int) -> str:
    """Check a zip-based file against bombs and traversal, decompressing for real (headers can lie)."""
    max_total = settings.UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES
    max_ratio = settings.UPLOAD_ARCHIVE_MAX_RATIO
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
        members = archive.infolist()
        if len(members) > settings.UPLOAD_ARCHIVE_MAX_MEMBERS:
            raise _refuse(_("more than %(count)s files in the archive") % {"count": settings.UPLOAD_ARCHIVE_MAX_MEMBERS}, "archive_members")
        declared = 0
        for member in members:
            if _unsafe_member_name(member.filename):
                raise _refuse(_("unsafe path in the archive: %(name)r") % {"name": member.filename}, "archive_path")
            if member.flag_bits & 0x1:
                raise _refuse(_("encrypted archive members cannot be checked"), "archive_encrypted")
            if member.file_size > max_ratio * max(member.compress_size, 1) and member.file_size > CHUNK:
                raise _refuse(_("compression ratio above %(ratio)s:1") % {"ratio": max_ratio}, "archive_ratio")
            declared += member.file_size
        if declared > max_total or (declared > max_ratio * max(compressed_size, 1) and declared > CHUNK):
            raise _refuse(_("expands beyond the allowed size"), "archive_too_large")
        actual = 0
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(CHUNK):
                    actual += len(chunk)
                    if actual > max_total:
                        raise _refuse(_("expands beyond the allowed size"), "archive_too_large")
        names = {m.filename for m in members}
        if members and members[0].filename == "mimetype":
            odf = archive.read("mimetype").decode("ascii", "replace").strip()
            if odf in ODF_TYPES:
                return odf
        if "[Content_Types].xml" in names:
            manifest = archive.read("[Content_Types].xml").decode("utf-8", "replace")  # bounded by the loop above
            if "macroEnabled" in manifest or any(n.lower().endswith("vbaproject.bin") for n in names):
                raise _refuse(_("Office files with macros are refused"), "macros")
            for marker, mime in OOXML_MARKERS:
                if marker in names:
                    return mime
        return ZIP
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as exc:
        raise _refuse(_("a damaged or unsupported archive"), "archive_invalid") from exc


def sniff_type(file, size: int) -> str | None:
    """The type of the bytes of `file` (None when none we know), after the archive checks for zip-based ones."""
    file.seek(0)
    head = file.read(HEAD)
    if head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):  # readers allow a little before the header
        return PDF
    for signature, mime in SIGNATURES:
        if head.startswith(signature):
            return _zip_kind(file, size) if mime == ZIP else mime
    if _is_utf8_text(file):
        return TEXT
    return None


def _scan(file) -> None:
    """The malware-scanner hook (ASVS 5.4.3): UPLOAD_SCANNER is a callable(file) -> finding or None."""
    if not settings.UPLOAD_SCANNER:
        return
    file.seek(0)
    finding = import_string(settings.UPLOAD_SCANNER)(file)
    if finding:
        log.warning("upload refused by the scanner: %s", finding)
        raise _refuse(_("refused by the malware scanner: %(finding)s") % {"finding": finding}, "malware")


def validate_upload(file, allowed_mime_types, max_bytes: int, *, name: str | None = None) -> UploadCheck:
    """Accept `file` (an UploadedFile or any binary file object) or raise ValidationFailed naming the field `file`.

    `name` is the client's file name whose extension must agree with the bytes (default: `file.name`).
    """
    try:
        return _check(file, allowed_mime_types, max_bytes, getattr(file, "name", "") if name is None else name)
    except _Refused as refused:
        accepted = ", ".join(sorted({LABELS[mime] for mime in allowed_mime_types}))
        raise ValidationFailed(
            _("The file was not accepted: %(reason)s. Accepted: %(allowed)s.") % {"reason": refused.reason, "allowed": accepted},
            [FieldProblem("file", refused.reason, refused.code)],
            code="upload_refused",
        ) from refused


def _check(file, allowed_mime_types, max_bytes: int, name: str) -> UploadCheck:
    size_hint = getattr(file, "size", None)
    if size_hint is not None and size_hint > max_bytes:
        raise _too_large(max_bytes)
    sha256, size = _digest_and_size(file, max_bytes)
    if size == 0:
        raise _refuse(_("the file is empty"), "empty")
    mime = sniff_type(file, size)
    if mime is None:
        raise _refuse(_("the content is not a recognised document or image"), "type_unknown")
    extension = Path(name or "").suffix.lower()
    if mime == TEXT and extension == ".csv":
        mime = CSV
    if mime not in allowed_mime_types:
        raise _refuse(_("%(type)s files are not accepted here") % {"type": LABELS[mime]}, "type_not_allowed")
    if extension and extension not in EXTENSIONS[mime]:
        raise _refuse(_("the name ends in %(extension)s but the content is %(type)s") % {"extension": extension, "type": LABELS[mime]}, "type_mismatch")
    declared = (getattr(file, "content_type", None) or "").split(";")[0].strip().lower()
    if not extension and not _may_describe(declared, mime):  # without an extension, the declared type is the claim
        raise _refuse(_("it was sent as %(declared)s but the content is %(type)s") % {"declared": declared, "type": LABELS[mime]}, "type_mismatch")
    _scan(file)
    file.seek(0)
    return UploadCheck(sha256=sha256, size=size, mime=mime)


def _may_describe(declared: str, mime: str) -> bool:
    """Whether a client's declared Content-Type fits the sniffed type (no declaration, or a generic one, fits all)."""
    if declared in ("", "application/octet-stream") or declared == mime:
        return True
    return declared.startswith("text/") and mime.startswith("text/")


_FOLDER = re.compile(r"^[a-z0-9_-]+$")


def _storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.MEDIA_ROOT, base_url=None)


def store_protected_file(file, check: UploadCheck, *, folder: str) -> str:
    """Write a validated file at `<folder>/<sha[:2]>/<sha>` under MEDIA_ROOT; return that relative path.

    Identical content is stored once. The original file name is kept by the caller's record, never on disk.
    """
    if not _FOLDER.match(folder):
        raise ValueError(f"folder must be a simple slug, got {folder!r}")
    name = f"{folder}/{check.sha256[:2]}/{check.sha256}"
    storage = _storage()
    if not storage.exists(name):
        file.seek(0)
        saved = storage.save(name, file)
        if saved != name:  # a concurrent writer won the race; both wrote the same bytes
            storage.delete(saved)
    return name


def _safe_download_name(filename: str) -> str:
    name = PureWindowsPath(PurePosixPath(filename).name).name
    return "".join(ch for ch in name if ch.isprintable() and ch not in '"\\') or "download"


def serve_protected_file(request, path: str, filename: str, mime: str, sha256: str, *, obj=None, purpose: str = ""):
    """Stream a stored file as an attachment after re-checking its SHA-256. Call only after the permission check.

    `path` is the relative path returned by `store_protected_file`. With `obj`, the download is recorded in the
    audit log against that record (chain of custody), with `purpose` when the file is confidential.
    """
    from coopcases.audit.services import audit_record

    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / path).resolve()
    if root not in full.parents or not full.is_file():
        raise NotVisible()
    actor = request.user if request.user.is_authenticated else None
    handle = full.open("rb")
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    found = digest.hexdigest()
    if not hmac.compare_digest(found, sha256):
        handle.close()
        log.error("integrity failure on %s: expected %s, found %s", path, sha256, found)
        audit_record(actor=actor, action="integrity_failure", obj=obj, object_type="file", object_id=sha256[:64],
                     after={"path": path, "expected": sha256, "found": found}, outcome="failure")
        raise FileIntegrityError()
    if obj is not None:
        audit_record(actor=actor, action="download", obj=obj, after={"sha256": sha256, "filename": filename}, purpose=purpose)
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=_safe_download_name(filename), content_type=mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
