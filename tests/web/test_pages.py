"""The liaison magistrate's pages: what they show, bad input kept next to its field, stale actions, query counts."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coopcases.audit.models import AuditEntry
from requests import services
from requests.models import MlaRequest
from requests.models import MlaRequestState as S
from tests.assets.factories import AssetFactory
from tests.cases.factories import CaseFactory, JITFactory
from tests.requests.factories import advance, complete_draft, requesting_ca

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_dashboard_marks_overdue_in_words_and_colour_with_few_queries(world, magistrate, as_user, django_assert_max_num_queries):
    late = complete_draft(world, title="Late one", requested_due_date=timezone.localdate() + timedelta(days=1), due_reason="Hearing")
    MlaRequest.objects.filter(pk=late.pk).update(requested_due_date=timezone.localdate() - timedelta(days=3))
    for i in range(5):
        complete_draft(world, title=f"Draft {i}")
    client = as_user(magistrate)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("web:dashboard"))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('class="badge overdue"') == 1
    assert "Overdue by 3 days" in body and late.reference in body
    assert "Draft 4" in body


def test_the_dashboard_shows_nothing_of_other_authorities(world, as_user):
    complete_draft(world, title="Peruvian draft")
    page = as_user(world.user("magistrate:co-fgn-ddr")).get(reverse("web:dashboard"))
    assert "Peruvian draft" not in page.content.decode()


def _filing(**overrides):
    data = {"kind": "mla", "title": "Accounts", "requested_state": "ES", "legal_bases": ["UNTOC"], "channel": "central_authority",
            "language": "es", "offences": ["MONEY_LAUNDERING"], "facts_summary": "Typed facts that must survive an error."}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_filing_errors_sit_next_to_their_fields_and_keep_what_was_typed(world, magistrate, as_user):
    page = as_user(magistrate).post(reverse("mla:new"), _filing(title="", requested_state=None))
    body = page.content.decode()
    assert page.status_code == 400
    assert 'id="id_title_error"' in body and 'id="id_requested_state_error"' in body
    assert 'aria-invalid="true"' in body
    assert "Typed facts that must survive an error." in body
    assert not MlaRequest.objects.exists()


def test_a_service_refusal_lands_on_its_field(world, magistrate, as_user):
    page = as_user(magistrate).post(reverse("mla:new"), _filing(legal_bases=["EIO"]))
    body = page.content.decode()
    assert page.status_code == 400
    error = body[body.index('id="id_legal_bases_error"'):]
    assert "EIO" in error[:400]
    assert not MlaRequest.objects.exists()


def test_filing_creates_a_draft_through_the_service(world, magistrate, as_user):
    response = as_user(magistrate).post(reverse("mla:new"), _filing())
    req = MlaRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("mla:detail", args=[req.pk])
    assert req.state == S.DRAFT and req.created_by == magistrate
    assert AuditEntry.objects.filter(object_id=str(req.pk), action="create").exists()


def test_the_assist_partial_gives_routing_advice_and_the_checklist(world, magistrate, as_user):
    page = as_user(magistrate).get(reverse("mla:assist"), {"requested_state": "ES", "kind": "mla", "legal_bases": "UNTOC", "language": "es",
                                                            "facts_summary": "Some facts"})
    body = page.content.decode()
    assert "Instruments binding both states" in body and "Vienna 1988" in body
    assert "Spain accepts requests in: es." in body
    assert 'class="done"' in body and 'class="missing"' in body
    assert "<html" not in body  # a fragment


def test_request_page_shows_everything_with_a_fixed_number_of_queries(world, as_user, django_assert_max_num_queries):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    magistrate = world.user("magistrate:pe-fecor")
    services.message_post(request_pk=req.pk, actor=magistrate, body="Any news?")
    services.attachment_add(request_pk=req.pk, actor=magistrate, file=PDF, name="request.pdf", document_type="request")
    client = as_user(magistrate)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("mla:detail", args=[req.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "submitted to the central authority" in body
    assert "Submit to the central authority" in body  # on the timeline
    assert "Any news?" in body and "request.pdf" in body
    assert "Withdraw (assistance no longer required)" in body  # a step the drafter may take now


def _count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_request_page_costs_the_same_however_much_it_holds(world, as_user):
    """The executing side's page (most forms and steps) does not run a query per measure, file, message or event."""
    small = advance(world, complete_draft(world), S.IN_EXECUTION)
    large = complete_draft(world, measures=("RECORDS", "TAKE_STATEMENT", "SEARCH_SEIZURE"))
    magistrate = world.user("magistrate:pe-fecor")
    for i in range(3):
        services.attachment_add(request_pk=large.pk, actor=magistrate, file=PDF + bytes([i]), name=f"file{i}.pdf")
        services.message_post(request_pk=large.pk, actor=magistrate, body=f"Message {i}")
    large = advance(world, large, S.IN_EXECUTION)
    client = as_user(world.user("exec:es-anticorrupcion"))
    counts = [_count_queries(client, reverse("mla:detail", args=[r.pk])) for r in (small, large)]
    assert counts[0] == counts[1] and counts[1] <= 50


def test_the_request_page_is_a_404_for_outsiders(world, as_user):
    req = complete_draft(world)
    page = as_user(world.user("magistrate:co-fgn-ddr")).get(reverse("mla:detail", args=[req.pk]))
    assert page.status_code == 404


def test_a_step_someone_else_took_first_shows_a_clear_message_and_the_fresh_state(world, as_user):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    officer = requesting_ca(world, req)
    other = world.user("ca2:pe-fn")
    stale_version = req.version
    services.mla_request_transition(pk=req.pk, action="reject", actor=other, reason="Out of scope")
    client = as_user(officer)
    response = client.post(reverse("mla:transition", args=[req.pk]), {"action": "approve", "expected_version": stale_version}, follow=True)
    body = response.content.decode()
    assert "changed before your action was saved" in body
    assert "rejected by the central authority" in body
    req.refresh_from_db()
    assert req.state == S.REJECTED_BY_CENTRAL_AUTHORITY


def test_steps_go_through_the_workflow(world, as_user):
    req = complete_draft(world)
    client = as_user(world.user("magistrate:pe-fecor"))
    response = client.post(reverse("mla:transition", args=[req.pk]), {"action": "submit", "expected_version": req.version}, follow=True)
    assert "submitted to the central authority" in response.content.decode()
    req.refresh_from_db()
    assert req.state == S.SUBMITTED and req.submitted_by.username == "magistrate.pe-fecor"


def test_a_step_not_open_to_the_user_is_refused_with_its_reason(world, as_user):
    req = complete_draft(world, measures=())
    client = as_user(world.user("magistrate:pe-fecor"))
    response = client.post(reverse("mla:transition", args=[req.pk]), {"action": "submit", "expected_version": req.version}, follow=True)
    assert "description of the assistance sought" in response.content.decode()
    req.refresh_from_db()
    assert req.state == S.DRAFT


def test_upload_shows_sha256_and_serves_only_through_the_checked_view(world, magistrate, as_user):
    req = complete_draft(world)
    client = as_user(magistrate)
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("mla:attachment_upload", args=[req.pk]), {"file": upload, "document_type": "supporting"}, follow=True)
    attachment = req.attachments.get()
    assert attachment.sha256 in response.content.decode()
    download = client.get(reverse("mla:attachment_download", args=[req.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    outsider = as_user(world.user("magistrate:co-fgn-ddr"))
    assert outsider.get(reverse("mla:attachment_download", args=[req.pk, attachment.pk])).status_code == 404


def test_a_new_version_supersedes_the_old_one(world, magistrate, as_user):
    req = complete_draft(world)
    first = services.attachment_add(request_pk=req.pk, actor=magistrate, file=PDF, name="letter.pdf")
    client = as_user(magistrate)
    client.post(reverse("mla:attachment_upload", args=[req.pk]),
                {"file": SimpleUploadedFile("letter.pdf", PDF + b"\n", content_type="application/pdf"), "document_type": "supporting", "supersedes": first.pk})
    body = client.get(reverse("mla:detail", args=[req.pk])).content.decode()
    assert "v2" in body and "superseded" in body


def test_too_large_and_forbidden_uploads_are_refused_with_the_reason(world, magistrate, as_user, settings):
    req = complete_draft(world)
    client = as_user(magistrate)
    settings.ATTACHMENT_MAX_BYTES = 16
    too_large = client.post(reverse("mla:attachment_upload", args=[req.pk]),
                            {"file": SimpleUploadedFile("big.pdf", PDF, content_type="application/pdf"), "document_type": "supporting"})
    assert too_large.status_code == 400 and "larger than 16 bytes" in too_large.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    forbidden = client.post(reverse("mla:attachment_upload", args=[req.pk]),
                            {"file": SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + bytes(64), content_type="application/pdf"), "document_type": "supporting"},
                            HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert forbidden.status_code == 400 and "not accepted" in forbidden.content.decode()
    assert not req.attachments.exists()


def test_message_errors_keep_the_field(world, magistrate, as_user):
    req = complete_draft(world)
    page = as_user(magistrate).post(reverse("mla:message_post", args=[req.pk]), {"body": "", "audience": "everyone"})
    assert page.status_code == 400 and 'id="id_body_error"' in page.content.decode()


def test_search_finds_only_visible_requests_and_cases(world, magistrate, as_user):
    mine = complete_draft(world, title="Operación Lavandería")
    complete_draft(world, "CO", title="Operación Lavandería colombiana")
    CaseFactory(title="Lavandería case", lead_authority=world.authorities["pe-fecor"])
    body = as_user(magistrate).get(reverse("web:search"), {"q": "lavandería"}).content.decode()
    assert mine.reference in body and "colombiana" not in body and "Lavandería case" in body


def test_case_jit_and_asset_pages(world, magistrate, as_user):
    case = CaseFactory(title="Operation Wash", lead_authority=world.authorities["pe-fecor"])
    jit = JITFactory(case=case, title="JIT Wash", legal_basis=world.instruments["UNTOC"],
                     parties=[world.authorities["pe-fecor"], world.authorities["es-anticorrupcion"]])
    asset = AssetFactory(case=case, description="Flat in Madrid", location_state=world.countries["ES"], responsible_authority=world.authorities["pe-fecor"])
    req = complete_draft(world, case=case.pk)
    client = as_user(magistrate)
    case_page = client.get(reverse("cases:case", args=[case.pk])).content.decode()
    assert req.reference in case_page and "JIT Wash" in case_page and "Flat in Madrid" in case_page
    assert "Draft created" in case_page  # the case timeline holds its requests' events
    assert "days left" in client.get(reverse("cases:jit", args=[jit.pk])).content.decode()
    assert "Flat in Madrid" in client.get(reverse("assets:asset", args=[asset.pk])).content.decode()
    assert as_user(world.user("magistrate:co-fgn-ddr")).get(reverse("cases:case", args=[case.pk])).status_code == 404


def test_notifications_inbox_marks_read(world, magistrate, as_user):
    from coopcases.events.models import Event
    from coopcases.notifications.models import Notification

    req = complete_draft(world)
    event = Event.objects.filter(object_id=str(req.pk)).first()
    Notification.objects.create(event=event, user=magistrate, event_type=event.event_type, title="Your request moved", created_at=timezone.now())
    client = as_user(magistrate)
    assert "1 unread" in client.get(reverse("web:notifications")).content.decode()
    client.post(reverse("web:notifications"))
    assert Notification.objects.get().read_at is not None


def test_preferences_set_language_and_time_zone(world, magistrate, as_user):
    client = as_user(magistrate)
    bad = client.post(reverse("web:preferences"), {"language": "es", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 200 and 'id="id_time_zone_error"' in bad.content.decode()
    client.post(reverse("web:preferences"), {"language": "es", "time_zone": "America/Lima"})
    magistrate.refresh_from_db()
    assert (magistrate.preferred_language, magistrate.time_zone) == ("es", "America/Lima")


@pytest.mark.parametrize("language", ["es", "pt", "fr"])
def test_the_switcher_changes_the_language(world, magistrate, as_user, language):
    client = as_user(magistrate)
    page = client.post(reverse("web:language"), {"language": language, "next": reverse("web:dashboard")}, follow=True)
    assert f'<html lang="{language}">' in page.content.decode()
    magistrate.refresh_from_db()
    assert magistrate.preferred_language == language


def test_a_new_user_has_no_preferred_language_and_gets_e_mails_in_the_sites(world):
    from tests.factories import UserFactory

    user = UserFactory()
    assert user.preferred_language == "" and user.message_language == "en"


def test_a_spanish_browser_gets_spanish_pages_when_the_user_has_no_preference(world, magistrate, as_user):
    magistrate.preferred_language = ""
    magistrate.save(update_fields=["preferred_language"])
    body = as_user(magistrate).get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="es">' in body and "Mis solicitudes abiertas" in body


def test_an_explicit_preference_wins_over_the_browser(world, magistrate, as_user):
    magistrate.preferred_language = "en"
    magistrate.save(update_fields=["preferred_language"])
    body = as_user(magistrate).get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="en">' in body


def test_choosing_browser_language_in_the_preferences_clears_the_preference_and_the_cookie(world, magistrate, as_user, settings):
    client = as_user(magistrate)
    client.post(reverse("web:language"), {"language": "pt", "next": reverse("web:dashboard")})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"
    form = client.get(reverse("web:preferences"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="">' in form or '<option value="" ' in form
    client.post(reverse("web:preferences"), {"language": "", "time_zone": "UTC"})
    magistrate.refresh_from_db()
    assert magistrate.preferred_language == "" and not client.cookies[settings.LANGUAGE_COOKIE_NAME].value
    body = client.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in body
