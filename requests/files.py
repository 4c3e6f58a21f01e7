"""What an uploaded file really is, read from its bytes (the client's name and Content-Type are never trusted).

Allowed: PDF, PNG, JPEG, TIFF, Word (docx), Excel (xlsx), OpenDocument text (odt) and UTF-8 plain text.
Archives are refused, and so are macro-enabled Office files: an evidence file must be readable as it is.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _

from coopcases.core.exceptions import FieldProblem, ValidationFailed
from coopcases.core.files import CSV, EXTENSIONS

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"

ALLOWED_TYPES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", TIFF: "TIFF", DOCX: "Word (docx)", XLSX: "Excel (xlsx)", ODT: "OpenDocument text", TEXT: "text"}

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_ZIP_MAGIC = b"PK\x03\x04"
_SMALL_MEMBER_LIMIT = 1024 * 1024  # manifests are small; never inflate more than this


@dataclass(frozen=True)
class Sniffed:
    mime_type: str
    label: str


def _refuse(reason: str) -> ValidationFailed:
    allowed = ", ".join(ALLOWED_TYPES.values())
    return ValidationFailed(
        _("This file type is not accepted: %(reason)s. Accepted: %(allowed)s.") % {"reason": reason, "allowed": allowed},
        [FieldProblem("file", reason, "file_type")],
        code="file_type_not_allowed",
    )


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        data = member.read(_SMALL_MEMBER_LIMIT + 1)
    if len(data) > _SMALL_MEMBER_LIMIT:
        raise _refuse(_("an Office manifest is implausibly large"))
    return data


def _sniff_zip(content: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
        if "mimetype" in names and _read_member(archive, "mimetype").strip() == ODT.encode():
            return ODT
        if "[Content_Types].xml" in names:
            manifest = _read_member(archive, "[Content_Types].xml").decode("utf-8", "replace")
            if "macroEnabled" in manifest or any(n.lower().endswith("vbaproject.bin") for n in names):
                raise _refuse(_("Office files with macros are refused"))
            for content_type, mime in _OOXML_MAIN.items():
                if content_type in manifest:
                    return mime
    except (zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError) as exc:
        raise _refuse(_("a damaged or encrypted archive")) from exc
    raise _refuse(_("archives are refused"))


def _is_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\t\n\r\f" for ch in text)


def sniff(content: bytes, name: str = "") -> Sniffed:
    """The type of `content`, or ValidationFailed naming the field `file` when it is not on the allow-list or when
    `name`'s extension claims another type (a PNG called report.pdf would open in the wrong program)."""
    if not content:
        raise _refuse(_("the file is empty"))
    if content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        mime = PDF
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = PNG
    elif content.startswith(b"\xff\xd8\xff"):
        mime = JPEG
    elif content.startswith((b"II*\x00", b"MM\x00*")):
        mime = TIFF
    elif content.startswith(_ZIP_MAGIC):
        mime = _sniff_zip(content)
    elif _is_text(content):
        mime = TEXT
    else:
        raise _refuse(_("the content is not a recognised document or image"))
    extension = PurePath(name).suffix.lower()
    if extension and extension not in EXTENSIONS[mime] | (EXTENSIONS[CSV] if mime == TEXT else set()):
        raise _refuse(_("the name ends in %(extension)s but the content is %(type)s") % {"extension": extension, "type": ALLOWED_TYPES[mime]})
    return Sniffed(mime, ALLOWED_TYPES[mime])
