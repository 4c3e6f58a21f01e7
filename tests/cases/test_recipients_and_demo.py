import io

import pytest

from cases import demo, services
from cases.models import Case, JITMemberRole, JITStatus
from coopcases.deadlines.models import DeadlineKind
from coopcases.deadlines.selectors import deadlines_of
from coopcases.notifications.recipients import resolve
from networks.models import AuthorityKind

pytestmark = pytest.mark.django_db


def test_case_authorities_are_the_case_workers_of_lead_and_participating_authorities(team):
    recipients = resolve(team.case, "case_authorities")
    assert set(recipients) == {team.es_user, team.pe_user, team.pe_officer, team.co_user}  # not the contact point
    assert resolve(team.case, "drafter") == []


def test_jit_leaders_and_members(team):
    jit = team.to_active()
    # Leaders without an account: the drafting officers of their agencies are told.
    assert set(resolve(jit, "jit_leaders")) == {team.es_user, team.pe_user, team.co_user}
    services.jit_member_add(actor=team.pe_user, jit=jit, party=team.parties["PE"], role=JITMemberRole.LEADER, user=team.pe_officer)
    assert set(resolve(jit, "jit_leaders")) == {team.es_user, team.co_user, team.pe_officer}
    assert resolve(jit, "jit_members") == [team.pe_officer]


def test_demo_skips_without_reference_data(db):
    out = io.StringIO()
    demo.seed(out)
    assert "cases demo skipped: countries ES, PE, CO are not loaded" in out.getvalue()
    assert not Case.objects.exists()


def test_demo_seeds_a_case_with_an_active_jit_once(team):
    out = io.StringIO()
    demo.seed(out)
    case = Case.objects.get(national_reference=demo.REFERENCE)
    # Spain has a prosecution service besides its central authority: the prosecution service leads.
    assert (case.lead_authority.country_id, case.lead_authority.kind) == ("ES", AuthorityKind.PROSECUTION)
    jit = case.jits.get()
    assert jit.status == JITStatus.ACTIVE
    assert set(jit.parties.values_list("country_id", flat=True)) == {"ES", "PE", "CO"}
    assert deadlines_of(jit).get().kind == DeadlineKind.JIT_EXPIRY
    assert "(active) under UNTOC" in out.getvalue()
    demo.seed(out)
    assert "already present" in out.getvalue()
    assert Case.objects.filter(national_reference=demo.REFERENCE).count() == 1
