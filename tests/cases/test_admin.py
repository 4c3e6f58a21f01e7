"""The admin writes through the services and lists only what the user may see."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CasePerson, CaseStatus, JITMember, JITStatus
from coopcases.audit.models import AuditEntry
from tests.cases.factories import CaseFactory, JITFactory

pytestmark = pytest.mark.django_db


def staff(u):
    u.is_staff = True
    u.save()
    u.user_permissions.set(Permission.objects.filter(content_type__app_label="cases"))
    return u


@pytest.fixture
def es_client(client, team):
    client.force_login(staff(team.es_user))
    return client


def test_the_changelists_show_only_visible_rows(es_client, team):
    hidden_case = CaseFactory(title="Hidden case")
    jit = team.propose()
    JITFactory(title="Hidden JIT")
    page = es_client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert team.case.title in page and hidden_case.title not in page
    page = es_client.get(reverse("admin:cases_jointinvestigationteam_changelist")).content.decode()
    assert jit.title in page and "Hidden JIT" not in page
    assert es_client.get(reverse("admin:cases_case_change", args=[hidden_case.pk])).status_code == 302  # "does not exist"


def test_adding_a_case_goes_through_the_service(es_client, team):
    response = es_client.post(reverse("admin:cases_case_add"), {
        "national_reference": "ES-2026-002", "title": "Port of Valencia", "confidentiality": "restricted",
        "offences": [], "participating_countries": [], "participating_authorities": [],
        "persons-TOTAL_FORMS": "0", "persons-INITIAL_FORMS": "0",
        "jits-TOTAL_FORMS": "0", "jits-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(national_reference="ES-2026-002")
    assert case.lead_authority == team.es
    audit = AuditEntry.objects.get(object_type="cases.case", object_id=str(case.pk), action="create")
    assert audit.door == "admin"


def test_a_refused_inline_rolls_back_the_whole_form(es_client, team):
    url = reverse("admin:cases_case_change", args=[team.case.pk]) + "?purpose=record+the+suspect"  # the form posts back here
    response = es_client.post(url, {
        "national_reference": "ES-2026-001", "title": "Renamed in the admin", "confidentiality": "restricted",
        "offences": [], "participating_countries": [team.pe.country.pk, team.co.country.pk],
        "participating_authorities": [team.pe.pk, team.co.pk],
        "persons-TOTAL_FORMS": "1", "persons-INITIAL_FORMS": "0",
        "persons-0-kind": "person", "persons-0-role": "suspect", "persons-0-name": "Juan Pérez",
        "persons-0-date_of_birth": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "jits-TOTAL_FORMS": "0", "jits-INITIAL_FORMS": "0",
    }, follow=True)
    assert "a date of birth cannot be in the future" in response.content.decode()
    team.case.refresh_from_db()
    assert team.case.title == "Cocaine route" and not CasePerson.objects.exists()


def test_transitions_are_actions_asking_for_a_reason(es_client, team):
    url = reverse("admin:cases_case_changelist")
    form = es_client.post(url, {"action": "case_suspend", ACTION_CHECKBOX_NAME: [team.case.pk]})
    assert form.status_code == 200 and b'name="reason"' in form.content
    es_client.post(url, {"action": "case_suspend", ACTION_CHECKBOX_NAME: [team.case.pk], "confirm": "yes", "reason": "Waiting"})
    team.case.refresh_from_db()
    assert team.case.status == CaseStatus.SUSPENDED
    response = es_client.post(url, {"action": "case_suspend", ACTION_CHECKBOX_NAME: [team.case.pk], "confirm": "yes", "reason": "x"},
                              follow=True)
    assert "not allowed while the record is" in response.content.decode()


def test_jit_admin_adds_members_through_the_service_and_signs(client, team):
    jit = team.to_signature()
    client.force_login(staff(team.pe_user))
    page = client.get(reverse("admin:cases_jointinvestigationteam_change", args=[jit.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Evidence exchange log" in body
    url = reverse("admin:cases_jointinvestigationteam_changelist")
    client.post(url, {"action": "jit_sign", ACTION_CHECKBOX_NAME: [jit.pk], "confirm": "yes",
                      "signatory": "Fiscal de la Nación", "signed_on": timezone.localdate().isoformat()})
    assert jit.parties.get(country_id="PE").signatory == "Fiscal de la Nación"
    assert team.refresh().status == JITStatus.SIGNATURE_PENDING


def test_confidential_inlines_are_hidden_from_facilitators(client, team):
    jit = team.to_active()
    client.force_login(staff(team.es_contact_point))
    body = client.get(reverse("admin:cases_jointinvestigationteam_change", args=[jit.pk])).content.decode()
    assert "action-plan item" not in body.lower()
    client.force_login(staff(team.es_user))
    url = reverse("admin:cases_jointinvestigationteam_change", args=[jit.pk])
    assert "action-plan item" not in client.get(url).content.decode().lower()  # until a purpose is stated
    body = client.get(url, {"purpose": "plan the joint operation"}).content.decode()
    assert "action-plan item" in body.lower()
    view = AuditEntry.objects.get(action="view", object_type="cases.jointinvestigationteam")
    assert (view.purpose, view.after, view.door) == ("plan the joint operation", {"fields": ["action_items"]}, "admin")


def test_jit_member_inline_uses_the_service(client, team):
    jit = team.propose()
    client.force_login(staff(team.es_user))
    url = reverse("admin:cases_jointinvestigationteam_change", args=[jit.pk])
    data = {
        "title": jit.title, "legal_basis": team.basis.pk, "legal_basis_article": "art. 19", "purpose": jit.purpose,
        "start_date": jit.start_date.isoformat(), "end_date": (jit.end_date + timedelta(days=1)).isoformat(),
        "states_of_operation": ["ES", "PE", "CO"], "coordinating_authority": team.es.pk, "other_parties": [team.pe.pk, team.co.pk],
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0",
        "members-0-party": team.parties["CO"].pk, "members-0-role": "leader", "members-0-name": "Fiscal CO",
        "members-0-authority": team.co.pk,
        "participants-TOTAL_FORMS": "0", "participants-INITIAL_FORMS": "0",
    }
    for prefix in ("parties", "amendments", "action_items", "action_item_versions", "meetings", "evidence_exchanges"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert JITMember.objects.get(jit=jit).name == "Fiscal CO"
    assert team.refresh().end_date == jit.end_date + timedelta(days=1)
    assert AuditEntry.objects.filter(object_type="cases.jitmember", door="admin").exists()


def test_persons_of_interest_are_shown_in_the_admin_for_a_stated_purpose_which_is_audited(es_client, team):
    CasePerson.objects.create(case=team.case, kind="person", role="suspect", name="Juan Pérez")
    url = reverse("admin:cases_case_change", args=[team.case.pk])
    hidden = es_client.get(url).content.decode()
    assert "Juan Pérez" not in hidden and 'name="purpose"' in hidden and not AuditEntry.objects.filter(action="view").exists()
    body = es_client.get(url, {"purpose": "prepare the coordination meeting"}).content.decode()
    assert "Juan Pérez" in body
    view = AuditEntry.objects.get(action="view")
    assert (view.door, view.case_id, view.actor, view.purpose) == ("admin", team.case.pk, team.es_user, "prepare the coordination meeting")
