"""Attachments: types sniffed from the bytes, SHA-256 and size, versions that supersede, translations, nothing deleted."""

import hashlib
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from coopcases.core import files
from coopcases.core.exceptions import ActionForbidden, TransitionNotAllowed, ValidationFailed
from coopcases.core.files import validate_upload
from coopcases.events.models import Event
from requests import services
from requests.models import Attachment
from requests.models import MlaRequestState as S
from tests.requests.factories import advance, complete_draft, drafter, requested_ca, step

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx(main="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml") -> bytes:
    types = f'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
    return _zip({"[Content_Types].xml": types.encode(), "word/document.xml": b"<w:document/>"})


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "Account ES12"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _odt() -> bytes:
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"})


def sniff(data: bytes, name: str = "") -> str:
    return validate_upload(ContentFile(data), services.ATTACHMENT_TYPES, 25 * 1024 * 1024, name=name).mime


def refusal(data: bytes, name: str = ""):
    with pytest.raises(ValidationFailed) as err:
        sniff(data, name)
    assert err.value.code == "upload_refused" and err.value.problems[0].name == "file"
    return err.value.problems[0]


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (PDF, files.PDF),
        (b"\n" + PDF, files.PDF),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 16, files.PNG),
        (b"\xff\xd8\xff\xe0" + b"\0" * 16, files.JPEG),
        (b"II*\x00" + b"\0" * 16, files.TIFF),
        (b"MM\x00*" + b"\0" * 16, files.TIFF),
        (_docx(), files.DOCX),
        (_xlsx(), files.XLSX),
        (_odt(), files.ODT),
        ("Solicitud de asistencia — cuentas ñ\n".encode(), files.TEXT),
    ],
)
def test_allowed_types_are_recognised_from_their_bytes(data, mime):
    assert sniff(data) == mime


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (_zip({"evidence.pdf": PDF}), "type_not_allowed"),  # archives are not evidence files
        (_docx("application/vnd.ms-word.document.macroEnabled.main+xml"), "macros"),
        (_zip({"[Content_Types].xml": b"<Types/>", "word/vbaProject.bin": b"\0"}), "macros"),
        (_zip({"zeros.xml": b"\0" * (20 * 1024 * 1024)}, zipfile.ZIP_DEFLATED), "archive_ratio"),  # a zip bomb, whatever it claims to be
        (b"MZ\x90\x00" + b"\0" * 60, "type_unknown"),
        (b"PK\x03\x04broken", "archive_invalid"),
        ("texto en latin-1: \xf1".encode("latin-1"), "type_unknown"),
        (b"", "empty"),
    ],
)
def test_everything_else_is_refused_naming_the_file_field(data, code):
    assert refusal(data).code == code


def test_the_refusal_names_what_is_accepted():
    with pytest.raises(ValidationFailed) as err:
        sniff(_zip({"evidence.pdf": PDF}), "bundle.zip")
    assert "zip files are not accepted here" in err.value.detail and "Accepted: CSV, Excel (xlsx)" in err.value.detail
    assert "zip, " not in err.value.detail.split("Accepted:")[1]


@pytest.mark.parametrize("name", ["report.pdf", "scan.JPG", "notes.txt"])
def test_a_name_whose_extension_lies_about_the_content_is_refused(name):
    problem = refusal(b"\x89PNG\r\n\x1a\n" + b"\0" * 16, name)
    assert problem.code == "type_mismatch" and "but the content is PNG" in problem.reason


@pytest.mark.parametrize("name", ["scan.png", "scan.PNG", "no-extension"])
def test_a_name_that_matches_the_content_or_has_no_extension_is_accepted(name):
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\0" * 16, name) == files.PNG


@given(st.binary(min_size=1, max_size=64).filter(lambda b: b[:1] not in (b"%", b"\x89", b"\xff", b"I", b"M", b"P") and b"\0" in b))
def test_arbitrary_binary_is_never_accepted(data):
    with pytest.raises(ValidationFailed):
        sniff(data)


def test_stored_by_content_with_hash_size_and_sniffed_type(world, settings):
    req = complete_draft(world)
    upload = SimpleUploadedFile("orden judicial.pdf", PDF, content_type="image/png")  # the client's type is ignored
    attachment = services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=upload, name="orden judicial.pdf", language="es")
    sha = hashlib.sha256(PDF).hexdigest()
    assert (attachment.sha256, attachment.size, attachment.mime_type) == (sha, len(PDF), files.PDF)
    assert attachment.file.name == f"attachments/{sha[:2]}/{sha}"
    assert (Path(settings.MEDIA_ROOT) / attachment.file.name).read_bytes() == PDF
    assert attachment.original_name == "orden_judicial.pdf"
    event = Event.objects.get(object_id=str(req.pk), event_type="mla_request.attachment_added")
    assert event.data["sha256"] == sha


def test_new_versions_supersede_and_nothing_is_deleted(world):
    req = complete_draft(world)
    actor = drafter(world, req)
    v1 = services.attachment_add(request_pk=req.pk, actor=actor, file=PDF, name="order.pdf")
    v2 = services.attachment_add(request_pk=req.pk, actor=actor, file=PDF + b"% v2", name="order.pdf", supersedes=v1)
    assert (v2.version_number, v2.supersedes) == (2, v1)
    with pytest.raises(ValidationFailed) as err:
        services.attachment_add(request_pk=req.pk, actor=actor, file=PDF + b"% v2b", name="order.pdf", supersedes=v1)
    assert err.value.problems[0].code == "not_latest"
    v3 = services.attachment_add(request_pk=req.pk, actor=actor, file=PDF + b"% v3", name="order.pdf", supersedes=v2)
    assert Attachment.objects.filter(request=req).count() == 3
    assert list(Attachment.objects.filter(request=req, superseded_by__isnull=True)) == [v3]


def test_translations_link_to_their_original_and_keep_the_link_across_versions(world):
    req = complete_draft(world, "CO", language="es")
    actor = drafter(world, req)
    original = services.attachment_add(request_pk=req.pk, actor=actor, file=PDF, name="solicitud.pdf", language="es")
    with pytest.raises(ValidationFailed) as err:
        services.attachment_add(request_pk=req.pk, actor=actor, file=PDF + b"%t", name="t.pdf", translation_of=original)
    assert err.value.problems[0].name == "language"
    with pytest.raises(ValidationFailed):
        services.attachment_add(request_pk=req.pk, actor=actor, file=PDF + b"%t", name="t.pdf", language="es", translation_of=original)
    english = services.attachment_add(request_pk=req.pk, actor=actor, file=PDF + b"%en", name="request.pdf", language="en", translation_of=original)
    revised = services.attachment_add(request_pk=req.pk, actor=actor, file=PDF + b"%en2", name="request.pdf", supersedes=english)
    assert (revised.translation_of, revised.language) == (original, "en")
    assert list(original.translations.order_by("pk")) == [english, revised]


def test_attachments_of_another_request_cannot_be_linked(world):
    req = complete_draft(world)
    other = complete_draft(world)
    foreign = services.attachment_add(request_pk=other.pk, actor=drafter(world, other), file=PDF, name="x.pdf")
    with pytest.raises(ValidationFailed):
        services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=PDF, name="y.pdf", supersedes=foreign.pk)


def test_size_limit(world, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    req = complete_draft(world)
    with pytest.raises(ValidationFailed) as err:
        services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=SimpleUploadedFile("big.pdf", PDF * 10), name="big.pdf")
    assert err.value.problems[0].code == "too_large" and "larger than 100 bytes" in err.value.detail
    assert not req.attachments.exists() and not Path(settings.MEDIA_ROOT, "attachments").exists()


def test_a_refused_file_stores_nothing(world, settings):
    req = complete_draft(world)
    with pytest.raises(ValidationFailed):
        services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=b"\x89PNG\r\n\x1a\n" + b"\0" * 16, name="report.pdf")
    assert not req.attachments.exists() and not Path(settings.MEDIA_ROOT, "attachments").exists()


def test_who_may_attach(world):
    req = complete_draft(world)
    with pytest.raises(ActionForbidden):
        services.attachment_add(request_pk=req.pk, actor=world.user("auditor:pe-fn"), file=PDF, name="x.pdf")
    req = advance(world, req, S.IN_EXECUTION)
    result = services.attachment_add(request_pk=req.pk, actor=requested_ca(world, req), file=PDF, name="acuse.pdf")
    assert result.authority.code == "es-mjusticia"
    req = step(req, "withdraw", drafter(world, req), "No longer needed")
    req = step(req, "close", drafter(world, req))
    with pytest.raises(TransitionNotAllowed) as err:
        services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=PDF, name="late.pdf")
    assert err.value.code == "read_only"
