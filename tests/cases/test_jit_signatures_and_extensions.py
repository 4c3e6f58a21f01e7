from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases import services
from cases.models import AmendmentKind, AmendmentStatus, JITAmendment, JITMemberRole, JITStatus
from coopcases.accounts.roles import RoleCode
from coopcases.core.exceptions import ActionForbidden, NotVisible, TransitionNotAllowed, ValidationFailed
from coopcases.deadlines.models import DeadlineKind, DeadlineState
from coopcases.deadlines.selectors import deadlines_of
from tests.cases.factories import JITFactory, user
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def problems(error):
    return {(p.name, p.code) for p in error.value.problems}


# --- signatures of the agreement ---------------------------------------------------------------------------


def test_a_signature_for_an_authority_that_is_not_a_party_is_refused_naming_the_rule(team):
    jit = team.to_signature()
    with pytest.raises(ValidationFailed, match="Only a party to the JIT can sign it") as error:
        services.jit_sign(actor=None, jit=jit, party_authority=team.ar, signatory="Fiscal AR")
    assert problems(error) == {("party", "not_a_party")}
    assert "is not a party to this JIT" in error.value.problems[0].reason


def test_a_member_agency_that_is_not_a_party_cannot_sign(team):
    """A Peruvian police agency sees the team through its member, but it is not a party."""
    jit = team.to_signature()
    police = AuthorityFactory(country=team.pe.country)
    services.jit_member_add(actor=team.pe_user, jit=jit, party=team.parties["PE"], role=JITMemberRole.SECONDED, name="Inspector", authority=police)
    police_magistrate = user(police, RoleCode.LIAISON_MAGISTRATE)
    with pytest.raises(ValidationFailed) as error:
        services.jit_sign(actor=police_magistrate, jit=jit, signatory="Chief")
    assert problems(error) == {("party", "not_a_party")}


def test_a_party_signs_only_for_itself(team):
    jit = team.to_signature()
    with pytest.raises(ActionForbidden, match="Each party signs only for itself"):
        services.jit_sign(actor=team.es_user, jit=jit, party_authority=team.pe, signatory="Head PE")
    assert team.refresh().parties.get(country_id="PE").signed_on is None


def test_a_user_of_a_non_party_state_cannot_sign(team):
    jit = team.to_signature()
    with pytest.raises(NotVisible):
        services.jit_sign(actor=team.outsider, jit=jit, signatory="Fiscal AR")


def test_officers_who_do_not_draft_cannot_sign(team):
    jit = team.to_signature()
    with pytest.raises(ActionForbidden):
        services.jit_sign(actor=team.pe_officer, jit=jit, signatory="Head PE")


def test_a_party_signs_once(team):
    jit = team.to_signature()
    services.jit_sign(actor=team.es_user, jit=jit, signatory="Head ES")
    with pytest.raises(ValidationFailed) as error:
        services.jit_sign(actor=team.es_user, jit=jit, signatory="Head ES")
    assert problems(error) == {("party", "already_signed")}


def test_a_signature_is_not_dated_in_the_future_and_names_its_signatory(team):
    jit = team.to_signature()
    with pytest.raises(ValidationFailed) as error:
        services.jit_sign(actor=team.es_user, jit=jit, signatory=" ", signed_on=TODAY() + timedelta(days=3))
    assert problems(error) == {("signatory", "required"), ("signed_on", "future")}


def test_nothing_is_signed_while_drafting(team):
    jit = team.propose()
    with pytest.raises(TransitionNotAllowed, match="Signatures are collected only"):
        services.jit_sign(actor=team.es_user, jit=jit, signatory="Head ES")


def test_the_signature_is_recorded_with_who_and_when(team):
    jit = team.to_signature()
    services.jit_sign(actor=team.pe_user, jit=jit, signatory="Fiscal de la Nación", signed_on=TODAY() - timedelta(days=1))
    party = jit.parties.get(country_id="PE")
    assert (party.signatory, party.signed_on, party.signature_recorded_by) == ("Fiscal de la Nación", TODAY() - timedelta(days=1), team.pe_user)


# --- extensions and amendments -----------------------------------------------------------------------------


def test_an_extension_goes_to_amendment_pending_and_comes_into_force_once_all_signed(team):
    jit = team.to_active()
    old_end = jit.end_date
    new_end = old_end + timedelta(days=180)
    amendment = services.jit_extend(actor=team.pe_user, jit=jit, new_end_date=new_end, reason="More suspects identified")
    assert team.refresh().status == JITStatus.AMENDMENT_PENDING
    assert (amendment.kind, amendment.previous_end_date, amendment.new_end_date) == (AmendmentKind.EXTENSION, old_end, new_end)

    services.jit_sign(actor=team.es_user, jit=jit, signatory="Head ES", signed_on=TODAY() - timedelta(days=1))
    services.jit_sign(actor=team.pe_user, jit=jit, signatory="Head PE")
    assert team.refresh().end_date == old_end  # not yet: Colombia has not signed
    jit = services.jit_sign(actor=team.co_user, jit=jit, signatory="Head CO")

    assert jit.status == JITStatus.ACTIVE and jit.end_date == new_end
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.IN_FORCE and amendment.effective_date == TODAY()
    deadline = deadlines_of(jit).get(kind=DeadlineKind.JIT_EXPIRY)
    assert deadline.state == DeadlineState.OPEN
    assert deadline.due_at == datetime.combine(new_end + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("Europe/Madrid"))
    assert "Extension #1" in deadline.extension_reason


@pytest.mark.parametrize("days", [0, -10])
def test_an_extension_never_shortens_the_period(team, days):
    jit = team.to_active()
    with pytest.raises(ValidationFailed) as error:
        services.jit_extend(actor=team.es_user, jit=jit, new_end_date=jit.end_date + timedelta(days=days), reason="oops")
    assert problems(error) == {("new_end_date", "shortens_period")}
    assert "must not shorten the period" in error.value.problems[0].reason
    assert team.refresh().status == JITStatus.ACTIVE
    assert not JITAmendment.objects.exists()


def test_an_extension_needs_a_reason(team):
    jit = team.to_active()
    with pytest.raises(ValidationFailed) as error:
        services.jit_extend(actor=team.es_user, jit=jit, new_end_date=jit.end_date + timedelta(days=30), reason="")
    assert problems(error) == {("reason", "required")}


def test_only_one_amendment_at_a_time_and_only_while_active(team):
    jit = team.to_signature()
    with pytest.raises(TransitionNotAllowed, match="filed while the team is active"):
        services.jit_extend(actor=team.es_user, jit=jit, new_end_date=jit.end_date + timedelta(days=30), reason="r")
    jit = team.sign_all()
    services.jit_extend(actor=team.es_user, jit=jit, new_end_date=jit.end_date + timedelta(days=30), reason="r")
    with pytest.raises(TransitionNotAllowed, match="Another amendment awaits signatures"):
        services.jit_extend(actor=team.es_user, jit=jit, new_end_date=jit.end_date + timedelta(days=60), reason="r")


def test_auditors_cannot_request_an_extension(team):
    jit = team.to_active()
    with pytest.raises(ActionForbidden):
        services.jit_extend(actor=team.auditor, jit=jit, new_end_date=jit.end_date + timedelta(days=30), reason="r")


def test_an_amendment_signed_after_the_expiry_date_is_refused_and_lapses(team):
    """The sweep has not run yet: the team is still amendment pending after its last day."""
    jit = JITFactory(active=True, parties=[team.es, team.pe], case=team.case, legal_basis=team.basis,
                     start_date=TODAY() - timedelta(days=100), end_date=TODAY() - timedelta(days=2))
    JITAmendment.objects.create(jit=jit, number=1, kind=AmendmentKind.EXTENSION, reason="late", previous_end_date=jit.end_date,
                                new_end_date=jit.end_date + timedelta(days=90))
    jit.status = JITStatus.AMENDMENT_PENDING
    jit.save()
    with pytest.raises(ValidationFailed) as error:
        services.jit_sign(actor=team.es_user, jit=jit, signatory="Head ES", signed_on=TODAY())
    assert problems(error) == {("signed_on", "after_expiry")}
    assert "before the expiry date" in error.value.problems[0].reason

    assert services.jits_expire_due() == [jit.pk]
    jit.refresh_from_db()
    assert jit.status == JITStatus.EXPIRED
    assert jit.amendments.get().status == AmendmentStatus.LAPSED


def test_a_signature_dated_after_the_expiry_date_is_refused(team):
    jit = team.to_active(start=TODAY() - timedelta(days=30), end=TODAY())
    services.jit_extend(actor=team.es_user, jit=jit, new_end_date=TODAY() + timedelta(days=30), reason="r")
    with pytest.raises(ValidationFailed) as error:
        services.jit_sign(actor=team.es_user, jit=jit, signatory="Head ES", signed_on=TODAY() + timedelta(days=1))
    assert ("signed_on", "after_expiry") in problems(error)


def test_a_withdrawn_amendment_leaves_the_period_unchanged(team):
    jit = team.to_active()
    end = jit.end_date
    services.jit_extend(actor=team.es_user, jit=jit, new_end_date=end + timedelta(days=30), reason="r")
    jit = services.jit_transition(actor=team.co_user, jit=jit, action="withdraw_amendment", reason="Colombia objects")
    assert jit.status == JITStatus.ACTIVE and jit.end_date == end
    assert jit.amendments.get().status == AmendmentStatus.WITHDRAWN


def test_a_composition_change_signed_by_all_returns_to_active_without_moving_the_deadline(team):
    jit = team.to_active()
    due = deadlines_of(jit).get().due_at
    services.jit_composition_change(actor=team.es_user, jit=jit, description="Guardia Civil joins as seconded members", reason="New lead")
    for code in ("ES", "PE", "CO"):
        services.jit_sign(actor=team.user_of(code), jit=jit, signatory=f"Head {code}")
    jit = team.refresh()
    assert jit.status == JITStatus.ACTIVE
    assert jit.amendments.get().status == AmendmentStatus.IN_FORCE
    assert deadlines_of(jit).get().due_at == due


# --- the expiry sweep --------------------------------------------------------------------------------------


def test_the_sweep_expires_due_teams_once_and_closes_their_deadline(team):
    jit = team.to_active(start=TODAY() - timedelta(days=30), end=TODAY())
    madrid_midnight = datetime.combine(TODAY() + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("Europe/Madrid"))
    assert services.jits_expire_due(madrid_midnight - timedelta(seconds=1)) == []
    assert services.jits_expire_due(madrid_midnight) == [jit.pk]
    assert services.jits_expire_due(madrid_midnight + timedelta(hours=1)) == []  # idempotent
    jit = team.refresh()
    assert jit.status == JITStatus.EXPIRED and jit.ended_at == madrid_midnight
    deadline = deadlines_of(jit).get()
    assert deadline.state == DeadlineState.MET and deadline.closed_at == madrid_midnight


def test_the_sweep_uses_the_coordinating_state_time_zone(team):
    """Lima is five hours behind UTC: at 02:00 UTC on the next day it is still the last day there."""
    last_day = TODAY() + timedelta(days=20)
    jit = JITFactory(active=True, parties=[team.pe, team.es], case=team.case, legal_basis=team.basis, end_date=last_day)
    next_day_utc = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    assert services.jits_expire_due(next_day_utc + timedelta(hours=2)) == []
    assert services.jits_expire_due(next_day_utc + timedelta(hours=5)) == [jit.pk]


def test_a_user_may_record_the_expiry_only_once_the_period_is_over(team):
    jit = team.to_active()
    with pytest.raises(ValidationFailed) as error:
        services.jit_transition(actor=team.es_user, jit=jit, action="expire")
    assert "the period runs until" in error.value.problems[0].reason
