from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, CasePerson, CaseStatus, Confidentiality, PersonKind, PersonRole
from cases.workflow import CASE_WORKFLOW
from coopcases.accounts.roles import RoleCode
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import (
    ActionForbidden,
    ConcurrentChange,
    NotVisible,
    TransitionNotAllowed,
    ValidationFailed,
)
from coopcases.events.selectors import events_of
from tests.cases.factories import OffenceFactory, user

pytestmark = pytest.mark.django_db


def problems(error):
    return {(p.name, p.code) for p in error.value.problems}


def test_a_case_is_opened_for_the_actor_s_authority_with_its_links(team):
    drugs = OffenceFactory(code="drug-trafficking")
    case = services.case_create(actor=team.pe_user, national_reference=" PE-77 ", title="Callao port", offences=[drugs],
                                participating_countries=[team.es.country], participating_authorities=[team.es],
                                confidentiality=Confidentiality.SECRET)
    assert (case.lead_authority, case.national_reference, case.status, case.confidentiality) == (team.pe, "PE-77", "open", "secret")
    assert list(case.offences.all()) == [drugs]
    assert [e.event_type for e in events_of(case)] == ["case.created"]
    audit = AuditEntry.objects.get(object_type="cases.case", object_id=str(case.pk))
    assert audit.after["participating_authorities"] == [team.es.pk] and audit.case_id == case.pk


def test_case_rules_are_named(team):
    with pytest.raises(ValidationFailed) as error:
        services.case_create(actor=team.es_user, national_reference="ES-2026-001", title=" ", confidentiality="top",
                             participating_authorities=[team.ar])
    assert problems(error) == {
        ("national_reference", "duplicate"), ("title", "required"), ("confidentiality", "invalid_choice"),
        ("participating_authorities", "state_not_participating"),
    }
    assert Case.objects.count() == 1


def test_a_case_is_opened_only_by_its_lead_authority_s_case_workers(team):
    with pytest.raises(ActionForbidden, match="opened by its lead authority"):
        services.case_create(actor=team.es_user, national_reference="X", title="X", lead_authority=team.pe)
    for actor in (team.es_contact_point, team.auditor):
        with pytest.raises(ActionForbidden):
            services.case_create(actor=actor, national_reference="X", title="X")


def test_update_changes_the_version_and_records_what_changed(team):
    case = services.case_update(actor=team.es_user, case=team.case, title="New title", expected_version=1)
    assert (case.title, case.version) == ("New title", 2)
    assert events_of(case).last().data == {"fields": ["title"]}
    audit = AuditEntry.objects.filter(object_type="cases.case", action="update").get()
    assert (audit.before, audit.after) == ({"title": "Cocaine route"}, {"title": "New title"})
    with pytest.raises(ConcurrentChange):
        services.case_update(actor=team.es_user, case=team.case, title="Other", expected_version=1)


def test_an_unchanged_update_writes_nothing(team):
    case = services.case_update(actor=team.es_user, case=team.case, title="Cocaine route")
    assert case.version == 1 and not AuditEntry.objects.filter(action="update").exists()


def test_participating_authorities_cannot_change_the_case(team):
    with pytest.raises(ActionForbidden):
        services.case_update(actor=team.pe_user, case=team.case, title="Hijacked")
    with pytest.raises(NotVisible):
        services.case_update(actor=team.outsider, case=team.case, title="Hijacked")


def test_status_transitions(team):
    with pytest.raises(ValidationFailed):
        services.case_transition(actor=team.es_user, case=team.case, action="suspend")
    case = services.case_transition(actor=team.es_user, case=team.case, action="suspend", reason="Awaiting extradition")
    assert case.status == CaseStatus.SUSPENDED
    with pytest.raises(ActionForbidden):
        services.case_transition(actor=team.pe_user, case=team.case, action="resume")
    services.case_transition(actor=team.es_user, case=team.case, action="resume")
    case = services.case_transition(actor=team.es_user, case=team.case, action="close", reason="Judgment final")
    assert case.status == CaseStatus.CLOSED
    with pytest.raises(TransitionNotAllowed):
        services.case_update(actor=team.es_user, case=case, title="After closure")
    case = services.case_transition(actor=team.es_user, case=case, action="reopen", reason="Appeal")
    assert case.status == CaseStatus.OPEN
    assert [e.to_state for e in events_of(case)][1:] == ["suspended", "open", "closed", "open"]
    assert not {a.action for a in CASE_WORKFLOW.available(case, team.auditor) if a.allowed}


def test_persons_of_interest_are_added_by_the_case_s_authorities(team):
    person = services.case_person_add(actor=team.co_user, case=team.case, kind=PersonKind.PERSON, role=PersonRole.SUSPECT,
                                      name="Juan Pérez", date_of_birth=timezone.localdate() - timedelta(days=12000),
                                      nationality=team.co.country, identifiers={"passport": "AB123"})
    assert person.added_by == team.co_user
    event = events_of(team.case).last()
    assert event.event_type == "case.person_added" and "Pérez" not in str(event.data)  # the timeline is read more widely
    with pytest.raises(ActionForbidden):
        services.case_person_add(actor=team.es_contact_point, case=team.case, kind="person", role="witness", name="X")
    with pytest.raises(NotVisible):
        services.case_person_add(actor=team.outsider, case=team.case, kind="person", role="witness", name="X")


def test_person_rules_are_named(team):
    with pytest.raises(ValidationFailed) as error:
        services.case_person_add(actor=team.es_user, case=team.case, kind=PersonKind.ENTITY, role="boss", name="",
                                 date_of_birth=timezone.localdate(), identifiers={"vat": 123})
    assert problems(error) == {
        ("role", "invalid_choice"), ("name", "required"), ("date_of_birth", "entity_no_birth"), ("identifiers", "invalid"),
    }
    assert not CasePerson.objects.exists()


def test_a_service_account_of_the_lead_authority_works_the_case(team):
    partner_system = user(team.es, RoleCode.SERVICE_ACCOUNT)
    case = services.case_update(actor=partner_system, case=team.case, confidentiality=Confidentiality.CONFIDENTIAL)
    assert case.confidentiality == Confidentiality.CONFIDENTIAL
    with pytest.raises(ActionForbidden):
        services.case_transition(actor=team.es_contact_point, case=team.case, action="suspend", reason="x")


def test_a_case_with_an_open_jit_cannot_be_closed(team):
    team.propose()
    with pytest.raises(ValidationFailed) as error:
        services.case_transition(actor=team.es_user, case=team.case, action="close", reason="Done")
    assert "close its joint investigation teams first" in error.value.problems[0].reason
