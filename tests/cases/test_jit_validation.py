"""Creating and changing the agreement: every rule named, nothing saved half-way."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services
from cases.models import JITParty, JITStatus, JointInvestigationTeam
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ActionForbidden, NotVisible, TransitionNotAllowed, ValidationFailed
from coopcases.events.models import Event
from networks.models import InstrumentParty
from tests.cases.factories import CaseFactory, InstrumentFactory, JITFactory
from tests.factories import AuthorityFactory, CountryFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def create(team, **overrides):
    kwargs = {
        "actor": team.es_user, "case": team.case, "title": "JIT", "legal_basis": team.basis, "purpose": "Investigate",
        "start_date": TODAY(), "end_date": TODAY() + timedelta(days=90), "parties": [team.es, team.pe],
    }
    kwargs.update(overrides)
    return services.jit_create(**kwargs)


def problems(error):
    return {(p.name, p.code) for p in error.value.problems}


def assert_nothing_saved():
    assert not JointInvestigationTeam.objects.exists()
    assert not JITParty.objects.exists()
    assert not Event.objects.filter(object_type="cases.jointinvestigationteam").exists()
    assert not AuditEntry.objects.filter(object_type="cases.jointinvestigationteam").exists()


def test_a_valid_proposal_is_saved_with_parties_event_and_audit(team):
    jit = create(team, parties=[team.es, team.pe, team.co])
    assert jit.status == JITStatus.PROPOSED
    assert list(jit.parties.order_by("-coordinating", "id").values_list("country_id", "coordinating")) == [
        ("ES", True), ("PE", False), ("CO", False),
    ]
    assert set(jit.states_of_operation.values_list("pk", flat=True)) == {"ES", "PE", "CO"}
    assert Event.objects.get(object_id=str(jit.pk), object_type="cases.jointinvestigationteam").event_type == "jit.created"
    audit = AuditEntry.objects.get(object_type="cases.jointinvestigationteam", object_id=str(jit.pk))
    assert audit.case_id == team.case.pk and audit.after["parties"] == [team.es.pk, team.pe.pk, team.co.pk]


def test_fewer_than_two_parties_is_refused(team):
    with pytest.raises(ValidationFailed) as error:
        create(team, parties=[team.es])
    assert problems(error) == {("parties", "min_two_parties")}
    assert "at least two parties" in error.value.problems[0].reason
    assert_nothing_saved()


def test_two_authorities_of_one_state_are_not_two_parties(team):
    second_spanish = AuthorityFactory(country=team.es.country)
    with pytest.raises(ValidationFailed) as error:
        create(team, parties=[team.es, second_spanish])
    assert problems(error) == {("parties", "min_two_parties")}
    assert_nothing_saved()


def test_an_authority_listed_twice_is_refused(team):
    with pytest.raises(ValidationFailed) as error:
        create(team, parties=[team.es, team.pe, team.es])
    assert ("parties", "duplicate") in problems(error)


@pytest.mark.parametrize("days", [0, -1])
def test_the_end_must_be_after_the_start(team, days):
    with pytest.raises(ValidationFailed) as error:
        create(team, end_date=TODAY() + timedelta(days=days))
    assert problems(error) == {("end_date", "end_after_start")}
    assert_nothing_saved()


def test_the_database_also_refuses_an_end_before_the_start():
    jit = JITFactory()
    jit.end_date = jit.start_date
    with pytest.raises(IntegrityError), transaction.atomic():
        jit.save()


def test_a_legal_basis_is_required(team):
    with pytest.raises(ValidationFailed) as error:
        create(team, legal_basis=None)
    assert problems(error) == {("legal_basis", "required")}


def test_the_legal_basis_must_provide_for_jits(team):
    nassau = InstrumentFactory(code="nassau-test", short_name="Nassau 1992", covers=["mla"], parties=[team.es.country, team.pe.country])
    with pytest.raises(ValidationFailed) as error:
        create(team, legal_basis=nassau)
    assert problems(error) == {("legal_basis", "not_a_jit_basis")}
    assert "Nassau 1992 does not provide for joint investigation teams" in error.value.problems[0].reason


def test_the_legal_basis_must_bind_every_party_state(team):
    bilateral = InstrumentFactory(code="es-co-test", short_name="ES-CO treaty", parties=[team.es.country, team.co.country])
    with pytest.raises(ValidationFailed) as error:
        create(team, legal_basis=bilateral, parties=[team.es, team.pe])
    assert problems(error) == {("legal_basis", "basis_not_binding")}
    assert "PE is not a party to ES-CO treaty" in error.value.problems[0].reason


def test_a_basis_not_yet_in_force_for_a_state_is_refused_unless_unverified(team):
    InstrumentParty.objects.filter(instrument=team.basis, country=team.pe.country).update(in_force_on=TODAY() + timedelta(days=400))
    with pytest.raises(ValidationFailed) as error:
        create(team)
    assert problems(error) == {("legal_basis", "basis_not_in_force")}
    # An unverified participation record (domain.md "verify") never blocks.
    InstrumentParty.objects.filter(instrument=team.basis, country=team.pe.country).update(verified=False)
    assert create(team).pk


def test_states_of_operation_must_be_party_states(team):
    with pytest.raises(ValidationFailed) as error:
        create(team, states_of_operation=[team.es.country, team.ar.country])
    assert problems(error) == {("states_of_operation", "not_a_party_state")}


def test_every_problem_is_reported_at_once(team):
    with pytest.raises(ValidationFailed) as error:
        create(team, title=" ", purpose="", parties=[team.es], end_date=TODAY() - timedelta(days=1))
    assert problems(error) == {
        ("title", "required"), ("purpose", "required"), ("parties", "min_two_parties"), ("end_date", "end_after_start"),
    }
    assert_nothing_saved()


def test_the_proposer_must_be_a_party(team):
    with pytest.raises(ActionForbidden, match="proposed by one of its parties"):
        create(team, actor=team.co_user, parties=[team.es, team.pe])


def test_a_facilitator_cannot_propose(team):
    with pytest.raises(ActionForbidden):
        create(team, actor=team.es_contact_point)


def test_a_case_the_actor_cannot_see_is_not_found(team):
    other_case = CaseFactory()
    with pytest.raises(NotVisible):
        create(team, case=other_case)


def test_a_closed_case_takes_no_new_jit(team):
    services.case_transition(actor=team.es_user, case=team.case, action="close", reason="Convictions final")
    with pytest.raises(TransitionNotAllowed):
        create(team)


def test_update_while_drafting_revalidates_and_can_change_parties(team):
    jit = create(team)
    jit = services.jit_update(actor=team.pe_user, jit=jit, parties=[team.pe, team.co], states_of_operation=[team.pe.country])
    assert list(jit.parties.order_by("-coordinating", "id").values_list("country_id", "coordinating")) == [("PE", True), ("CO", False)]
    assert jit.version == 2
    with pytest.raises(ValidationFailed) as error:
        services.jit_update(actor=team.pe_user, jit=jit, end_date=jit.start_date)
    assert problems(error) == {("end_date", "end_after_start")}
    assert JointInvestigationTeam.objects.get(pk=jit.pk).end_date == jit.end_date


def test_the_signed_text_is_not_edited(team):
    jit = team.to_signature()
    with pytest.raises(TransitionNotAllowed, match="return it to drafting"):
        services.jit_update(actor=team.es_user, jit=jit, purpose="Something else")


def test_a_party_with_members_cannot_be_dropped(team):
    jit = create(team, parties=[team.es, team.pe, team.co])
    co_party = jit.parties.get(country_id="CO")
    services.jit_member_add(actor=team.co_user, jit=jit, party=co_party, role="member", name="Inspector")
    with pytest.raises(ValidationFailed) as error:
        services.jit_update(actor=team.es_user, jit=jit, parties=[team.es, team.pe])
    assert problems(error) == {("parties", "party_in_use")}


def test_a_party_state_with_a_legal_basis_dated_from_start(team):
    """The in-force check uses the team's start date, not today."""
    late_state = CountryFactory(code="UY", code3="URY")
    late = AuthorityFactory(country=late_state)
    InstrumentParty.objects.create(instrument=team.basis, country=late_state, in_force_on=date(2030, 1, 1), source="t")
    with pytest.raises(ValidationFailed):
        create(team, parties=[team.es, late])
    assert create(team, parties=[team.es, late], start_date=date(2030, 1, 2), end_date=date(2030, 6, 1)).pk
