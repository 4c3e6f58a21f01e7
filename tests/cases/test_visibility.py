"""Who sees which case and JIT: one SQL query per list whatever its size; a non-party state sees nothing."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import selectors, services
from cases.models import JITMemberRole, ParticipantAccess, ParticipantOrganisation
from coopcases.accounts.roles import RoleCode
from coopcases.core.exceptions import ActionForbidden, NotVisible, ValidationFailed
from tests.cases.factories import CaseFactory, CasePersonFactory, JITFactory, user
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db


def ids(qs):
    return set(qs.values_list("pk", flat=True))


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    assert not any("DISTINCT" in q["sql"] for q in ctx.captured_queries)
    return len(ctx.captured_queries), result


# --- cases -------------------------------------------------------------------------------------------------


def test_a_case_is_seen_by_its_lead_and_participating_authorities_and_auditors(team):
    other = CaseFactory()
    assert ids(selectors.cases_visible_to(team.es_user)) == {team.case.pk}
    assert ids(selectors.cases_visible_to(team.pe_officer)) == {team.case.pk}
    assert ids(selectors.cases_visible_to(team.es_contact_point)) == {team.case.pk}
    assert ids(selectors.cases_visible_to(team.outsider)) == set()
    assert ids(selectors.cases_visible_to(team.auditor)) == {team.case.pk, other.pk}
    assert ids(selectors.cases_visible_to(user(None, RoleCode.LIAISON_MAGISTRATE))) == set()


def test_an_inactive_user_sees_nothing(team):
    team.es_user.is_active = False
    assert not selectors.cases_visible_to(team.es_user).exists()
    assert not selectors.jits_visible_to(team.es_user).exists()


def test_the_case_list_is_one_query_whatever_its_size(team):
    for _ in range(5):
        CaseFactory(lead_authority=team.es)
        CaseFactory(participating_authorities=[team.es])
        CaseFactory()
    queries, cases = count_queries(lambda: list(selectors.cases_visible_to(team.es_user).select_related("lead_authority")))
    assert queries == 1 and len(cases) == 11


def test_persons_of_interest_are_hidden_from_facilitators_and_other_authorities(team):
    person = CasePersonFactory(case=team.case)
    CasePersonFactory()  # another authority's case
    assert ids(selectors.case_persons_visible_to(team.es_user)) == {person.pk}
    assert ids(selectors.case_persons_visible_to(team.co_user)) == {person.pk}
    assert ids(selectors.case_persons_visible_to(team.es_contact_point)) == set()
    assert ids(selectors.case_persons_visible_to(team.outsider)) == set()
    assert len(ids(selectors.case_persons_visible_to(team.auditor))) == 2
    queries, _ = count_queries(lambda: list(selectors.case_persons_visible_to(team.es_user)))
    assert queries == 1


# --- JITs --------------------------------------------------------------------------------------------------


def test_a_jit_is_seen_by_parties_member_agencies_and_admitted_participants(team):
    jit = team.to_active()
    police = AuthorityFactory(country=team.co.country)
    police_officer = user(police, RoleCode.EXECUTING_AUTHORITY_OFFICER)
    member = services.jit_member_add(actor=team.co_user, jit=jit, party=team.parties["CO"], role=JITMemberRole.SECONDED,
                                     name="Inspector", authority=police)
    eurojust_user = user(AuthorityFactory(), RoleCode.LIAISON_MAGISTRATE)
    services.jit_participant_add(actor=team.es_user, jit=jit, organisation=ParticipantOrganisation.EUROJUST,
                                 access_level=ParticipantAccess.AGREEMENT, admitted_users=[eurojust_user])
    for viewer in (team.es_user, team.pe_officer, team.es_contact_point, police_officer, eurojust_user, team.auditor):
        assert ids(selectors.jits_visible_to(viewer)) == {jit.pk}, viewer
    # A member's agency sees the team only while the membership lasts.
    services.jit_member_remove(actor=team.co_user, member=member, reason="Reassigned")
    assert ids(selectors.jits_visible_to(police_officer)) == set()


def test_a_user_of_a_state_that_is_not_a_party_sees_nothing_of_the_jit(team):
    jit = team.to_active()
    services.action_item_add(actor=team.es_user, jit=jit, action="A", party=team.parties["ES"])
    outsider = team.outsider
    assert not selectors.jits_visible_to(outsider).exists()
    with pytest.raises(NotVisible):
        selectors.jit_get(outsider, jit.pk)
    for read in (selectors.jit_action_plan, selectors.jit_action_plan_history, selectors.jit_evidence_log, selectors.jit_meetings):
        with pytest.raises(NotVisible):
            read(outsider, jit)
    assert selectors.jit_access(outsider, jit) == "none"
    writes = [
        lambda: services.jit_sign(actor=outsider, jit=jit, signatory="X"),
        lambda: services.jit_transition(actor=outsider, jit=jit, action="terminate", reason="x"),
        lambda: services.jit_extend(actor=outsider, jit=jit, new_end_date=jit.end_date + timedelta(days=9), reason="x"),
        lambda: services.jit_member_add(actor=outsider, jit=jit, party=team.parties["ES"], role="member", name="X"),
        lambda: services.jit_participant_add(actor=outsider, jit=jit, organisation="unodc", access_level="full"),
        lambda: services.action_item_add(actor=outsider, jit=jit, action="A", party=team.parties["ES"]),
        lambda: services.meeting_add(actor=outsider, jit=jit, held_at=timezone.now(), place="x", subject="x"),
        lambda: services.evidence_exchange_record(
            actor=outsider, jit=jit, description="x", from_party=team.parties["ES"], to_party=team.parties["PE"],
            exchanged_at=timezone.now(), sha256=hashlib.sha256(b"x").hexdigest()),
    ]
    for write in writes:
        with pytest.raises(NotVisible):
            write()
    # Even sharing the case is not enough: the Argentinian authority participates in the case, not in the team.
    services.case_update(actor=team.es_user, case=team.case, participating_countries=[team.pe.country, team.co.country, team.ar.country],
                         participating_authorities=[team.pe, team.co, team.ar])
    assert selectors.cases_visible_to(outsider).filter(pk=team.case.pk).exists()
    assert not selectors.jits_visible_to(outsider).exists()


def test_the_jit_list_is_one_query_whatever_its_size(team):
    for _ in range(4):
        JITFactory(parties=[team.es, team.pe])
        JITFactory(parties=[team.co, team.pe])
        JITFactory()
    eurojust_user = user(AuthorityFactory(), RoleCode.LIAISON_MAGISTRATE)
    assert eurojust_user.role_codes  # read once per user and request, as the acting user is
    queries, jits = count_queries(lambda: list(selectors.jits_visible_to(team.es_user).select_related("case", "legal_basis")))
    assert queries == 1 and len(jits) == 4
    queries, jits = count_queries(lambda: list(selectors.jits_visible_to(eurojust_user)))
    assert queries == 1 and jits == []


def test_access_levels_inside_a_team(team):
    jit = team.to_active()
    levels = {}
    for level in ParticipantAccess.values:
        participant_user = user(AuthorityFactory(), RoleCode.LIAISON_MAGISTRATE)
        services.jit_participant_add(actor=team.es_user, jit=jit, organisation="other", organisation_name=level,
                                     access_level=level, admitted_users=[participant_user])
        levels[level] = selectors.jit_access(participant_user, jit)
    assert levels == {"agreement": "agreement", "operational": "operational", "full": "full"}
    assert selectors.jit_access(team.pe_officer, jit) == "full"
    assert selectors.jit_access(team.es_contact_point, jit) == "operational"
    assert selectors.jit_access(team.auditor, jit) == "full"


def test_reading_persons_of_interest_is_audited_with_its_purpose(team):
    from coopcases.audit.models import AuditEntry

    CasePersonFactory(case=team.case, name="Juan Pérez")
    persons = services.case_persons_view(actor=team.co_user, case=team.case, purpose="Prepare MLA request to Colombia")
    assert [p.name for p in persons] == ["Juan Pérez"]
    entry = AuditEntry.objects.filter(action="view").get()
    assert (entry.purpose, entry.case_id, entry.actor) == ("Prepare MLA request to Colombia", team.case.pk, team.co_user)
    with pytest.raises(ValidationFailed):
        services.case_persons_view(actor=team.co_user, case=team.case, purpose=" ")
    with pytest.raises(ActionForbidden):
        services.case_persons_view(actor=team.es_contact_point, case=team.case, purpose="curious")
    with pytest.raises(NotVisible):
        services.case_persons_view(actor=team.outsider, case=team.case, purpose="curious")
