"""Members, participants, the versioned action plan and the append-only evidence exchange log."""

import hashlib
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from cases import selectors, services
from cases.models import (
    ActionItemStatus,
    JITActionItemVersion,
    JITEvidenceExchange,
    JITMemberRole,
    ParticipantAccess,
    ParticipantOrganisation,
)
from coopcases.accounts.roles import RoleCode
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import (
    ActionForbidden,
    ConcurrentChange,
    NotVisible,
    TransitionNotAllowed,
    ValidationFailed,
)
from coopcases.deadlines.selectors import deadlines_of
from coopcases.events.selectors import events_of
from tests.cases.factories import JITFactory, user
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db
DIGEST = hashlib.sha256(b"bank statements").hexdigest()


def problems(error):
    return {(p.name, p.code) for p in error.value.problems}


# --- members -----------------------------------------------------------------------------------------------


def test_a_new_leader_replaces_the_current_one_and_takes_over_the_deadline(team):
    jit = team.to_active()
    old_leader = jit.members.get(party=team.parties["ES"], role=JITMemberRole.LEADER)
    guardia = AuthorityFactory(country=team.es.country)
    new_leader = services.jit_member_add(actor=team.es_user, jit=jit, party=team.parties["ES"], role=JITMemberRole.LEADER,
                                         name="Fiscal Nueva", authority=guardia)
    old_leader.refresh_from_db()
    assert old_leader.removed_at is not None and "replaced as leader" in old_leader.removal_reason
    assert new_leader.removed_at is None
    assert deadlines_of(jit).get().responsible_authority == guardia


def test_a_member_comes_from_the_party_state(team):
    jit = team.propose()
    with pytest.raises(ValidationFailed) as error:
        services.jit_member_add(actor=team.es_user, jit=jit, party=team.parties["ES"], role=JITMemberRole.MEMBER,
                                name="Foreign officer", authority=team.ar, user=team.outsider)
    assert problems(error) == {("authority", "wrong_state"), ("user", "wrong_state")}


def test_a_member_needs_a_party_of_this_jit_a_known_role_and_a_name(team):
    jit = team.propose()
    other = JITFactory()
    with pytest.raises(ValidationFailed) as error:
        services.jit_member_add(actor=team.es_user, jit=jit, party=other.parties.first(), role="chief", name="")
    assert problems(error) == {("party", "not_a_party"), ("role", "invalid_choice"), ("name", "required")}


def test_a_leader_is_replaced_not_removed_while_the_team_operates(team):
    jit = team.to_active()
    leader = jit.members.get(party=team.parties["PE"], role=JITMemberRole.LEADER)
    with pytest.raises(ValidationFailed) as error:
        services.jit_member_remove(actor=team.pe_user, member=leader, reason="Transferred")
    assert problems(error) == {("member", "leader_required")}


def test_removal_ends_the_membership_and_keeps_the_row(team):
    jit = team.to_active()
    member = services.jit_member_add(actor=team.pe_user, jit=jit, party=team.parties["PE"], role=JITMemberRole.SECONDED,
                                     name="Analyst", user=team.pe_officer)
    with pytest.raises(ValidationFailed):
        services.jit_member_remove(actor=team.pe_user, member=member, reason=" ")
    member = services.jit_member_remove(actor=team.pe_user, member=member, reason="Back to Lima")
    assert member.removed_by == team.pe_user and jit.members.filter(pk=member.pk).exists()
    assert [e.event_type for e in events_of(jit)][-2:] == ["jit.member_added", "jit.member_removed"]


def test_a_participant_is_admitted_with_an_access_level(team):
    jit = team.propose()
    eurojust_user = user(AuthorityFactory(), RoleCode.LIAISON_MAGISTRATE)
    participant = services.jit_participant_add(actor=team.es_user, jit=jit, organisation=ParticipantOrganisation.EUROJUST,
                                               access_level=ParticipantAccess.OPERATIONAL, admitted_users=[eurojust_user])
    assert list(participant.admitted_users.all()) == [eurojust_user]
    assert selectors.jits_visible_to(eurojust_user).filter(pk=jit.pk).exists()
    with pytest.raises(ValidationFailed) as error:
        services.jit_participant_add(actor=team.es_user, jit=jit, organisation=ParticipantOrganisation.OTHER, access_level="all")
    assert problems(error) == {("organisation_name", "required"), ("access_level", "invalid_choice")}
    with pytest.raises(ValidationFailed) as error:
        services.jit_participant_add(actor=team.es_user, jit=jit, organisation=ParticipantOrganisation.EUROJUST, access_level="full")
    assert problems(error) == {("organisation", "duplicate")}


# --- the operational action plan -----------------------------------------------------------------------------


def test_every_version_of_the_plan_is_kept(team):
    jit = team.to_active()
    owner = jit.members.get(party=team.parties["PE"], role=JITMemberRole.LEADER)
    item = services.action_item_add(actor=team.pe_officer, jit=jit, action="Inspect containers at Callao", party=team.parties["PE"],
                                    owner=owner, due_date=timezone.localdate() + timedelta(days=10))
    second = services.action_item_add(actor=team.es_user, jit=jit, action="Controlled delivery", party=team.parties["ES"])
    item = services.action_item_update(actor=team.pe_officer, item=item, status=ActionItemStatus.DONE, note="Seized 2 t",
                                       expected_version=1)
    assert (item.version, item.status) == (2, ActionItemStatus.DONE)
    assert team.refresh().action_plan_version == 3

    history = list(selectors.jit_action_plan_history(team.es_user, jit))
    assert [(v.item_id, v.item_version, v.plan_version, v.status) for v in history] == [
        (item.pk, 1, 1, "planned"), (second.pk, 1, 2, "planned"), (item.pk, 2, 3, "done"),
    ]
    at_two = list(selectors.jit_action_plan_at(team.es_user, jit, 2))
    assert [(v.item_id, v.status) for v in at_two] == [(item.pk, "planned"), (second.pk, "planned")]
    at_three = list(selectors.jit_action_plan_at(team.es_user, jit, 3))
    assert [(v.item_id, v.status) for v in at_three] == [(item.pk, "done"), (second.pk, "planned")]


def test_plan_events_and_audit_rows_carry_no_content(team):
    jit = team.to_active()
    item = services.action_item_add(actor=team.es_user, jit=jit, action="Wiretap the port agent", party=team.parties["ES"])
    event = events_of(jit).last()
    assert event.event_type == "jit.action_plan_changed" and "Wiretap" not in str(event.data)
    assert "Wiretap" not in str(AuditEntry.objects.get(object_type="cases.jitactionitem", object_id=str(item.pk)).after)


def test_an_unchanged_update_writes_no_version(team):
    jit = team.to_active()
    item = services.action_item_add(actor=team.es_user, jit=jit, action="A", party=team.parties["ES"])
    services.action_item_update(actor=team.es_user, item=item, action="A")
    assert JITActionItemVersion.objects.filter(item=item).count() == 1


def test_a_stale_item_version_is_refused(team):
    jit = team.to_active()
    item = services.action_item_add(actor=team.es_user, jit=jit, action="A", party=team.parties["ES"])
    services.action_item_update(actor=team.es_user, item=item, action="B")
    with pytest.raises(ConcurrentChange):
        services.action_item_update(actor=team.pe_user, item=item, action="C", expected_version=1)


def test_the_owner_must_be_a_current_member_for_the_same_party(team):
    jit = team.to_active()
    es_leader = jit.members.get(party=team.parties["ES"], role=JITMemberRole.LEADER)
    with pytest.raises(ValidationFailed) as error:
        services.action_item_add(actor=team.es_user, jit=jit, action="A", party=team.parties["PE"], owner=es_leader, status="later")
    assert problems(error) == {("owner", "wrong_party"), ("status", "invalid_choice")}


def test_plan_versions_are_append_only_in_python_and_in_the_database(team):
    jit = team.to_active()
    services.action_item_add(actor=team.es_user, jit=jit, action="A", party=team.parties["ES"])
    version = JITActionItemVersion.objects.get()
    version.action = "rewritten"
    with pytest.raises(TypeError):
        version.save()
    with pytest.raises(TypeError):
        version.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JITActionItemVersion.objects.update(action="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JITActionItemVersion.objects.all()._raw_delete("default")


def test_the_plan_is_confidential(team):
    jit = team.to_active()
    services.action_item_add(actor=team.es_user, jit=jit, action="A", party=team.parties["ES"])
    europol = user(AuthorityFactory(), RoleCode.LIAISON_MAGISTRATE)
    services.jit_participant_add(actor=team.es_user, jit=jit, organisation=ParticipantOrganisation.EUROPOL,
                                 access_level=ParticipantAccess.OPERATIONAL, admitted_users=[europol])
    for reader in (team.es_contact_point, europol):
        with pytest.raises(ActionForbidden, match="operational action plan"):
            selectors.jit_action_plan(reader, jit)
    with pytest.raises(NotVisible):
        selectors.jit_action_plan(team.outsider, jit)
    assert selectors.jit_action_plan(team.auditor, jit).count() == 1
    assert selectors.jit_action_plan(team.pe_officer, jit).count() == 1


def test_facilitators_and_auditors_cannot_write_the_plan(team):
    jit = team.to_active()
    for actor in (team.es_contact_point, team.auditor):
        with pytest.raises(ActionForbidden):
            services.action_item_add(actor=actor, jit=jit, action="A", party=team.parties["ES"])


# --- meetings ----------------------------------------------------------------------------------------------


def test_a_meeting_is_recorded_with_the_parties_present(team):
    jit = team.to_active()
    meeting = services.meeting_add(actor=team.co_user, jit=jit, held_at=timezone.now(), place="The Hague",
                                   subject="Coordination meeting", parties_present=[team.parties["ES"], team.parties["CO"]])
    assert set(meeting.parties_present.values_list("country_id", flat=True)) == {"ES", "CO"}
    with pytest.raises(ValidationFailed) as error:
        services.meeting_add(actor=team.co_user, jit=jit, held_at=None, place="", subject="", parties_present=[JITFactory().parties.first()])
    assert problems(error) == {("held_at", "required"), ("place", "required"), ("subject", "required"), ("parties_present", "not_a_party")}


# --- the evidence exchange log -------------------------------------------------------------------------------


def record(team, **overrides):
    kwargs = {
        "actor": team.pe_officer, "jit": team.jit, "description": "Bank statements of Naviera SAC",
        "from_party": team.parties["PE"], "to_party": team.parties["ES"], "exchanged_at": timezone.now() - timedelta(hours=1),
        "sha256": DIGEST.upper(), "file_name": "statements.pdf", "use_restrictions": "Only for the purposes of the JIT",
    }
    kwargs.update(overrides)
    return services.evidence_exchange_record(**kwargs)


def test_an_exchange_is_logged_with_its_digest(team):
    team.to_active()
    exchange = record(team)
    assert exchange.sha256 == DIGEST and exchange.exchanged_by == team.pe_officer and exchange.recorded_by == team.pe_officer
    assert events_of(team.jit).last().data["sha256"] == DIGEST
    audit = AuditEntry.objects.get(object_type="cases.jitevidenceexchange", object_id=str(exchange.pk))
    assert audit.after["sha256"] == DIGEST and audit.case_id == team.case.pk


def test_every_exchange_rule_is_named(team):
    team.to_active()
    with pytest.raises(ValidationFailed) as error:
        record(team, description=" ", to_party=team.parties["PE"], sha256="abc", exchanged_at=timezone.now() + timedelta(hours=1))
    assert problems(error) == {
        ("description", "required"), ("to_party", "same_party"), ("sha256", "invalid_digest"), ("exchanged_at", "future"),
    }
    with pytest.raises(ValidationFailed) as error:
        record(team, exchanged_at=timezone.now() - timedelta(days=30), from_party=JITFactory().parties.first(), exchanged_by=team.outsider)
    assert problems(error) == {("exchanged_at", "outside_period"), ("from_party", "not_a_party"), ("exchanged_by", "not_in_team")}
    assert not JITEvidenceExchange.objects.exists()


def test_no_exchange_before_the_team_was_active(team):
    team.to_signature()
    with pytest.raises(TransitionNotAllowed):
        record(team)


def test_the_log_is_append_only_in_python_and_in_the_database(team):
    team.to_active()
    exchange = record(team)
    exchange.description = "something else"
    with pytest.raises(TypeError):
        exchange.save()
    with pytest.raises(TypeError):
        exchange.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JITEvidenceExchange.objects.filter(pk=exchange.pk).update(description="something else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JITEvidenceExchange.objects.filter(pk=exchange.pk)._raw_delete("default")
    assert JITEvidenceExchange.objects.get().description == "Bank statements of Naviera SAC"


def test_who_reads_the_log(team):
    team.to_active()
    record(team)
    agreement_only = user(AuthorityFactory(), RoleCode.LIAISON_MAGISTRATE)
    services.jit_participant_add(actor=team.es_user, jit=team.jit, organisation=ParticipantOrganisation.UNODC,
                                 access_level=ParticipantAccess.AGREEMENT, admitted_users=[agreement_only])
    assert selectors.jit_evidence_log(team.es_contact_point, team.jit).count() == 1
    with pytest.raises(ActionForbidden):
        selectors.jit_evidence_log(agreement_only, team.jit)
    with pytest.raises(NotVisible):
        selectors.jit_evidence_log(team.outsider, team.jit)
