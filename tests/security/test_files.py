"""Uploads: size, type from the bytes, extension agreement, zip bombs and traversal; downloads re-verify SHA-256."""

import hashlib
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from coopcases.audit.models import AuditEntry
from coopcases.core import files
from coopcases.core.exceptions import NotVisible, ValidationFailed
from coopcases.core.files import FileIntegrityError, serve_protected_file, store_protected_file, validate_upload
from tests.factories import magistrate

PDF, PNG, JPEG, TIFF, ZIP, TEXT, CSV = files.PDF, files.PNG, files.JPEG, files.TIFF, files.ZIP, files.TEXT, files.CSV
DOCX, XLSX, ODT = files.DOCX, files.XLSX, files.ODT
EVERYTHING = {PDF, PNG, JPEG, TIFF, ZIP, DOCX, XLSX, ODT, TEXT, CSV}
MB = 1024 * 1024
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")  # the browser's claim is ignored


def zipped(members, first_stored=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first_stored:
            archive.writestr(zipfile.ZipInfo(first_stored[0]), first_stored[1])  # stored, uncompressed
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_bytes():
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "asset"
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(file, allowed=EVERYTHING, max_bytes=25 * MB) -> str:
    with pytest.raises(ValidationFailed) as exc:
        validate_upload(file, allowed, max_bytes)
    assert exc.value.problems[0].name == "file"
    return exc.value.problems[0].code


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("request.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n", PDF),
        ("seal.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, PNG),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 40, JPEG),
        ("scan.tif", b"II*\x00" + b"\x00" * 40, TIFF),
        ("scan.tiff", b"MM\x00*" + b"\x00" * 40, TIFF),
        ("letter.docx", zipped([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")]), DOCX),
        ("accounts.xlsx", xlsx_bytes(), XLSX),
        ("minutes.odt", zipped([("content.xml", "<office/>")], first_stored=("mimetype", "application/vnd.oasis.opendocument.text")), ODT),
        ("bundle.zip", zipped([("a.txt", "hello")]), ZIP),
        ("notes.txt", "Declaración del testigo — página 2\n".encode(), TEXT),
        ("ledger.csv", b"account,amount\n1,2.50\n", CSV),
    ],
)
def test_accepted_types_are_sniffed_from_the_bytes(name, content, mime):
    check = validate_upload(upload(name, content), EVERYTHING, 25 * MB)
    assert (check.mime, check.size, check.sha256) == (mime, len(content), hashlib.sha256(content).hexdigest())


def test_size_limit():
    assert refusal(upload("big.txt", b"a" * 2048), max_bytes=1024) == "too_large"
    assert refusal(upload("empty.txt", b"")) == "empty"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60, "type_unknown"),  # a Windows executable
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60, "type_unknown"),  # OLE2: macros, refused
        ("photo.pdf", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "type_mismatch"),
        ("report.pdf", b"plain words", "type_mismatch"),
        ("latin1.txt", "café".encode("latin-1"), "type_unknown"),
    ],
)
def test_content_that_is_not_what_it_claims_is_refused(name, content, code):
    assert refusal(upload(name, content)) == code


@pytest.mark.parametrize(
    ("name", "declared", "accepted"),
    [
        ("passwd", "application/pdf", False),  # what is left of "../../etc/passwd": sent as a PDF, the bytes are text
        ("passwd", "text/plain", True),
        ("passwd", "application/octet-stream", True),
        ("notes", "", True),
        ("notes.txt", "application/pdf", True),  # with an extension, the extension is the claim that is checked
    ],
)
def test_without_an_extension_the_declared_type_must_fit_the_content(name, declared, accepted):
    file = SimpleUploadedFile(name, b"root:x:0:0::/root:/bin/sh\n", content_type=declared)
    if accepted:
        assert validate_upload(file, EVERYTHING, MB).mime == TEXT
    else:
        assert refusal(file) == "type_mismatch"


def test_a_type_this_field_does_not_take_is_refused():
    assert refusal(upload("seal.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), allowed={PDF}) == "type_not_allowed"


def test_a_zip_bomb_is_refused_by_ratio():
    bomb = zipped([("zeros.xml", b"\x00" * (20 * MB))])
    assert len(bomb) < 100 * 1024
    assert refusal(upload("bomb.docx", bomb)) == "archive_ratio"


def test_an_archive_expanding_beyond_the_total_limit_is_refused(settings):
    settings.UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES = 1 * MB
    settings.UPLOAD_ARCHIVE_MAX_RATIO = 10_000
    archive = zipped([(f"part{i}.bin", bytes(range(256)) * 2048) for i in range(3)])
    assert refusal(upload("parts.zip", archive)) == "archive_too_large"


def test_an_archive_with_too_many_members_is_refused(settings):
    settings.UPLOAD_ARCHIVE_MAX_MEMBERS = 5
    assert refusal(upload("many.zip", zipped([(f"f{i}.txt", "x") for i in range(6)]))) == "archive_members"


@pytest.mark.parametrize("member", ["../../etc/passwd", "/etc/passwd", "C:\\Windows\\evil.dll", "word\\..\\..\\x", "a/../../b"])
def test_archive_members_with_unsafe_paths_are_refused(member):
    assert refusal(upload("evil.zip", zipped([(member, "x")]))) == "archive_path"


def test_a_damaged_archive_is_refused():
    data = bytearray(zipped([("a.txt", b"hello world " * 100)]))
    data[-30] ^= 0xFF  # corrupt the central directory
    assert refusal(upload("broken.zip", bytes(data))) == "archive_invalid"


def scanner(file):
    return "EICAR-Test-File" if EICAR in file.read() else None


def test_the_malware_scanner_hook_refuses_what_it_flags(settings):
    settings.UPLOAD_SCANNER = "tests.security.test_files.scanner"
    assert refusal(upload("eicar.txt", EICAR)) == "malware"
    assert validate_upload(upload("clean.txt", b"nothing to see"), EVERYTHING, MB).mime == TEXT


@pytest.mark.django_db
def test_a_stored_file_is_served_as_an_attachment_after_its_digest_is_checked(settings):
    content = b"%PDF-1.7\nevidence\n%%EOF\n"
    file = upload("Zeugenaussage \"final\".pdf", content)
    check = validate_upload(file, {PDF}, MB)
    path = store_protected_file(file, check, folder="attachments")
    assert path == f"attachments/{check.sha256[:2]}/{check.sha256}"
    assert Path(settings.MEDIA_ROOT, path).read_bytes() == content
    request = RequestFactory().get("/x")
    request.user = magistrate()
    response = serve_protected_file(request, path, "../../Zeugenaussage \"final\".pdf", PDF, check.sha256, obj=request.user)
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == 'attachment; filename="Zeugenaussage final.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == PDF
    assert AuditEntry.objects.get(action="download").after == {"sha256": check.sha256, "filename": "../../Zeugenaussage \"final\".pdf"}


@pytest.mark.django_db
def test_a_file_changed_on_disk_is_not_served_and_the_failure_is_logged(settings):
    file = upload("a.txt", b"original statement")
    check = validate_upload(file, {TEXT}, MB)
    path = store_protected_file(file, check, folder="attachments")
    Path(settings.MEDIA_ROOT, path).write_bytes(b"altered statement")
    request = RequestFactory().get("/x")
    request.user = magistrate()
    with pytest.raises(FileIntegrityError):
        serve_protected_file(request, path, "a.txt", TEXT, check.sha256)
    entry = AuditEntry.objects.get(action="integrity_failure")
    assert entry.outcome == "failure" and entry.after["found"] == hashlib.sha256(b"altered statement").hexdigest()


@pytest.mark.django_db
def test_paths_outside_the_file_root_are_not_served(settings, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"x")
    request = RequestFactory().get("/x")
    request.user = magistrate()
    with pytest.raises(NotVisible):
        serve_protected_file(request, "../secret.txt", "s.txt", TEXT, hashlib.sha256(b"x").hexdigest())


def test_store_refuses_folders_that_are_not_simple_names():
    file = upload("a.txt", b"x")
    with pytest.raises(ValueError):
        store_protected_file(file, validate_upload(file, {TEXT}, MB), folder="../up")
