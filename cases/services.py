"""Every write on cases and JITs. Called by the admin, the web UI, the API and tasks alike.

Each public function is keyword-only, takes the acting user (`None` = the system: sweeps and commands), runs in
one transaction, writes its audit row and its event, and refuses bad input with a `ValidationFailed` whose
`FieldProblem`s name the field and the rule, before anything is saved. A JIT's own row is locked by every write on
it, so its events keep a gapless sequence and concurrent signatures cannot both be "the last".

The transactions are not `durable`: the admin runs a change form (main object and inlines) inside its own
transaction, so that an inline refused by a service rolls back the whole form rather than half of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import rules
from cases.models import (
    ActionItemStatus,
    AmendmentKind,
    AmendmentStatus,
    Case,
    CasePerson,
    CaseStatus,
    Confidentiality,
    JITActionItem,
    JITActionItemVersion,
    JITAmendment,
    JITAmendmentSignature,
    JITEvaluation,
    JITEvidenceExchange,
    JITMeeting,
    JITMember,
    JITMemberRole,
    JITParticipant,
    JITParty,
    JITStatus,
    JointInvestigationTeam,
    ParticipantAccess,
    ParticipantOrganisation,
    PersonKind,
    PersonRole,
)
from cases.periods import end_moment, has_expired, local_today
from cases.selectors import cases_visible_to, jits_visible_to
from cases.workflow import CASE_WORKFLOW, JIT_SERVICE_ONLY_ACTIONS, JIT_WORKFLOW
from coopcases.audit.services import audit_record
from coopcases.core.exceptions import (
    ActionForbidden,
    ConcurrentChange,
    FieldProblem,
    NotVisible,
    TransitionNotAllowed,
    ValidationFailed,
)
from coopcases.deadlines.models import DeadlineKind
from coopcases.deadlines.services import deadlines_reassign
from coopcases.events.services import event_emit
from networks.models import InstrumentParty

UNSET: Any = object()
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class _Problems(list):
    def add(self, name: str, reason: str, code: str = "invalid") -> None:
        self.append(FieldProblem(name, reason, code))

    def raise_if_any(self, detail: str) -> None:
        if self:
            raise ValidationFailed(detail, list(self))


def _ids(objs) -> list:
    return sorted(o.pk for o in objs)


def _check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise ConcurrentChange(
            _("This record was changed by someone else (version %(now)s, you had %(had)s). Reload it and try again.")
            % {"now": obj.version, "had": expected_version}
        )


def _plain(data: dict | None) -> dict | None:
    """Dates and decimals as the JSON the audit row stores (and hashes)."""
    return None if data is None else json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _audit(actor, action: str, obj, *, before=None, after=None, reason: str = "") -> None:
    audit_record(actor=actor, action=action, obj=obj, before=_plain(before), after=_plain(after), reason=reason)


def _audit_child(actor, action: str, obj, case_id, *, before=None, after=None, reason: str = "") -> None:
    audit_record(
        actor=actor, action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), case_id=case_id,
        before=_plain(before), after=_plain(after), reason=reason,
    )


# --- cases -------------------------------------------------------------------------------------------------


def _case_snapshot(case: Case) -> dict:
    return {
        "national_reference": case.national_reference,
        "title": case.title,
        "lead_authority": case.lead_authority_id,
        "status": case.status,
        "confidentiality": case.confidentiality,
        "offences": _ids(case.offences.all()),
        "participating_countries": sorted(case.participating_countries.values_list("pk", flat=True)),
        "participating_authorities": _ids(case.participating_authorities.all()),
    }


def _lock_case(actor, case: Case, expected_version: int | None = None) -> Case:
    locked = cases_visible_to(actor).select_for_update(of=("self",)).filter(pk=case.pk).first()
    if locked is None:
        raise NotVisible()
    _check_version(locked, expected_version)
    return locked


def _refuse_if_case_closed(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise TransitionNotAllowed(
            _("The case is closed: reopen it first."), problems=[FieldProblem("status", _("a closed case is read-only"), "read_only")]
        )


def _validate_case(problems: _Problems, *, national_reference, title, confidentiality, lead_authority,
                   participating_countries, participating_authorities, exclude_pk=None) -> None:
    if not national_reference.strip():
        problems.add("national_reference", _("a national reference is required"), "required")
    elif Case.objects.filter(lead_authority=lead_authority, national_reference=national_reference.strip()).exclude(pk=exclude_pk).exists():
        problems.add("national_reference", _("the lead authority already has a case with this reference"), "duplicate")
    if not title.strip():
        problems.add("title", _("a title is required"), "required")
    if confidentiality not in Confidentiality.values:
        problems.add("confidentiality", _("unknown confidentiality level '%(value)s'") % {"value": confidentiality}, "invalid_choice")
    states = {c.pk for c in participating_countries} | {lead_authority.country_id}
    for authority in participating_authorities:
        if authority.country_id not in states:
            problems.add(
                "participating_authorities",
                _("%(authority)s is from %(state)s, which is not a participating state") % {"authority": authority, "state": authority.country_id},
                "state_not_participating",
            )


def case_create(
    *,
    actor,
    national_reference: str,
    title: str,
    lead_authority=None,
    confidentiality: str = Confidentiality.RESTRICTED,
    offences: Sequence = (),
    participating_countries: Sequence = (),
    participating_authorities: Sequence = (),
) -> Case:
    """Open a case for `lead_authority` (by default the actor's own; only the system or a superuser opens one for
    another authority)."""
    lead_authority = lead_authority or (actor.authority if actor is not None else None)
    if actor is not None and not actor.is_superuser:
        if not actor.has_role(*rules.CASE_WORK_ROLES):
            raise ActionForbidden(_("Cases are opened by %(who)s.") % {"who": rules.CASE_WORKERS})
        if lead_authority is None or lead_authority.pk != actor.authority_id:
            raise ActionForbidden(_("A case is opened by its lead authority: you act for %(own)s.") % {"own": actor.authority})
    problems = _Problems()
    if lead_authority is None:
        problems.add("lead_authority", _("a lead authority is required"), "required")
        problems.raise_if_any(_("The case cannot be opened."))
    _validate_case(
        problems, national_reference=national_reference, title=title, confidentiality=confidentiality,
        lead_authority=lead_authority, participating_countries=participating_countries,
        participating_authorities=participating_authorities,
    )
    problems.raise_if_any(_("The case cannot be opened."))
    with transaction.atomic():
        case = Case.objects.create(
            national_reference=national_reference.strip(), title=title.strip(), lead_authority=lead_authority,
            confidentiality=confidentiality, created_by=actor,
        )
        case.offences.set(offences)
        case.participating_countries.set(participating_countries)
        case.participating_authorities.set(participating_authorities)
        event_emit(obj=case, event_type="case.created", actor=actor, to_state=case.status)
        _audit(actor, "create", case, after=_case_snapshot(case))
    return case


def case_update(
    *,
    actor,
    case: Case,
    expected_version: int | None = None,
    national_reference: str = UNSET,
    title: str = UNSET,
    confidentiality: str = UNSET,
    offences: Sequence = UNSET,
    participating_countries: Sequence = UNSET,
    participating_authorities: Sequence = UNSET,
) -> Case:
    with transaction.atomic():
        locked = _lock_case(actor, case, expected_version)
        if not rules.may_work_case(actor, locked):
            raise ActionForbidden(_("A case is changed by %(who)s.") % {"who": rules.CASE_WORKERS})
        _refuse_if_case_closed(locked)
        before = _case_snapshot(locked)
        new = {
            "national_reference": locked.national_reference if national_reference is UNSET else national_reference,
            "title": locked.title if title is UNSET else title,
            "confidentiality": locked.confidentiality if confidentiality is UNSET else confidentiality,
            "participating_countries": list(locked.participating_countries.all()) if participating_countries is UNSET else list(participating_countries),
            "participating_authorities": list(locked.participating_authorities.all()) if participating_authorities is UNSET else list(participating_authorities),
        }
        problems = _Problems()
        _validate_case(problems, lead_authority=locked.lead_authority, exclude_pk=locked.pk, **new)
        problems.raise_if_any(_("The case cannot be changed."))
        locked.national_reference = new["national_reference"].strip()
        locked.title = new["title"].strip()
        locked.confidentiality = new["confidentiality"]
        if offences is not UNSET:
            locked.offences.set(offences)
        locked.participating_countries.set(new["participating_countries"])
        locked.participating_authorities.set(new["participating_authorities"])
        locked.__dict__.pop("_authority_ids", None)
        after = _case_snapshot(locked)
        if after == before:
            return locked
        locked.version += 1
        locked.save()
        changed = {k: v for k, v in after.items() if before[k] != v}
        event_emit(obj=locked, event_type="case.updated", actor=actor, data={"fields": sorted(changed)})
        _audit(actor, "update", locked, before={k: before[k] for k in changed}, after=changed)
    return locked


def case_transition(*, actor, case: Case, action: str, reason: str = "", expected_version: int | None = None) -> Case:
    """suspend, resume, close, reopen (cases.workflow.CASE_WORKFLOW)."""
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise NotVisible()
    return CASE_WORKFLOW.perform(pk=case.pk, action=action, actor=actor, reason=reason, expected_version=expected_version)


def case_person_add(
    *,
    actor,
    case: Case,
    kind: str,
    role: str,
    name: str,
    date_of_birth: date | None = None,
    nationality=None,
    location_country=None,
    identifiers: dict | None = None,
    notes: str = "",
) -> CasePerson:
    """Record a person or entity of interest: only what the cooperation needs."""
    identifiers = identifiers or {}
    with transaction.atomic():
        locked = _lock_case(actor, case)
        if not rules.may_add_to_case(actor, locked):
            raise ActionForbidden(_("Persons of interest are recorded by case workers of the case's authorities."))
        _refuse_if_case_closed(locked)
        problems = _Problems()
        if kind not in PersonKind.values:
            problems.add("kind", _("unknown kind '%(value)s'") % {"value": kind}, "invalid_choice")
        if role not in PersonRole.values:
            problems.add("role", _("unknown role '%(value)s'") % {"value": role}, "invalid_choice")
        if not name.strip():
            problems.add("name", _("a name is required"), "required")
        if date_of_birth is not None:
            if kind == PersonKind.ENTITY:
                problems.add("date_of_birth", _("an entity has no date of birth"), "entity_no_birth")
            elif date_of_birth > timezone.localdate():
                problems.add("date_of_birth", _("a date of birth cannot be in the future"), "future")
        if not isinstance(identifiers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in identifiers.items()):
            problems.add("identifiers", _("identifiers are pairs of text: kind → number"), "invalid")
        problems.raise_if_any(_("The person cannot be recorded."))
        person = CasePerson.objects.create(
            case=locked, kind=kind, role=role, name=name.strip(), date_of_birth=date_of_birth, nationality=nationality,
            location_country=location_country, identifiers=identifiers, notes=notes, added_by=actor,
        )
        # The event carries no personal data: the timeline is read more widely than the persons are.
        event_emit(obj=locked, event_type="case.person_added", actor=actor, data={"person": person.pk, "role": role})
        _audit_child(actor, "create", person, locked.pk, after={
            "kind": kind, "role": role, "name": person.name, "date_of_birth": date_of_birth,
            "nationality": getattr(nationality, "pk", None), "location_country": getattr(location_country, "pk", None),
            "identifiers": identifiers,
        })
    return person


def case_persons_view(*, actor, case: Case, purpose: str) -> list[CasePerson]:
    """Read the persons of interest of a case, stating why: the read itself is audited (confidential data)."""
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise NotVisible()
    if not rules.may_see_persons(actor, case):
        raise ActionForbidden(_("The persons of interest are confidential to the case's authorities."))
    if not purpose.strip():
        raise ValidationFailed(_("State why you read the persons of interest."), [FieldProblem("purpose", _("a purpose is required"), "required")])
    with transaction.atomic():
        persons = list(case.persons.select_related("nationality", "location_country").order_by("name"))
        audit_record(actor=actor, action="view", object_type=CasePerson._meta.label_lower, object_id="*", case_id=case.pk,
                     after={"persons": [p.pk for p in persons]}, purpose=purpose)
    return persons


# --- JITs: the agreement -----------------------------------------------------------------------------------


def _lock_jit(actor, jit: JointInvestigationTeam, expected_version: int | None = None) -> JointInvestigationTeam:
    locked = jits_visible_to(actor).select_for_update(of=("self",)).select_related("case").filter(pk=jit.pk).first()
    if locked is None:
        raise NotVisible()
    _check_version(locked, expected_version)
    return locked


def _touch(jit: JointInvestigationTeam) -> None:
    """A change to anything inside the team changes the team's version (its ETag)."""
    jit.version += 1
    jit.save(update_fields=["version", "updated_at"])


def _require_drafter(actor, jit) -> None:
    if not rules.is_jit_drafter(actor, jit):
        raise ActionForbidden(_("Only %(who)s may do this.") % {"who": rules.JIT_DRAFTERS})


def _require_team_worker(actor, jit) -> None:
    if not rules.is_jit_team_worker(actor, jit):
        raise ActionForbidden(_("Only %(who)s may do this.") % {"who": rules.JIT_TEAM})


def _refuse_if_closed(jit) -> None:
    if jit.status == JITStatus.CLOSED:
        raise TransitionNotAllowed(
            _("The JIT is closed."), problems=[FieldProblem("status", _("a closed JIT is read-only"), "read_only")]
        )


def _party_of(jit, party, problems: _Problems, field: str) -> JITParty | None:
    if party is None or party.jit_id != jit.pk:
        problems.add(field, _("%(party)s is not a party to this JIT") % {"party": party}, "not_a_party")
        return None
    return party


def _jit_snapshot(jit: JointInvestigationTeam) -> dict:
    return {
        "title": jit.title,
        "legal_basis": jit.legal_basis_id,
        "legal_basis_article": jit.legal_basis_article,
        "purpose": jit.purpose,
        "start_date": jit.start_date,
        "end_date": jit.end_date,
        "status": jit.status,
        "parties": list(jit.parties.order_by("-coordinating", "id").values_list("authority_id", flat=True)),
        "states_of_operation": sorted(jit.states_of_operation.values_list("pk", flat=True)),
    }


def _validate_agreement(problems: _Problems, *, title, purpose, legal_basis, start_date, end_date, parties, states_of_operation) -> None:
    if not (title or "").strip():
        problems.add("title", _("a title is required"), "required")
    if not (purpose or "").strip():
        problems.add("purpose", _("the purpose of the team is required"), "required")
    if start_date is None:
        problems.add("start_date", _("the start of the period is required"), "required")
    if end_date is None:
        problems.add("end_date", _("the end of the period is required"), "required")
    if start_date and end_date and end_date <= start_date:
        problems.add("end_date", _("the end of the period must be after its start"), "end_after_start")
    authority_ids = [a.pk for a in parties]
    if len(set(authority_ids)) != len(authority_ids):
        problems.add("parties", _("an authority is listed twice"), "duplicate")
    party_states = {a.country_id for a in parties}
    if len(party_states) < 2:
        problems.add("parties", _("a JIT needs at least two parties from two different states"), "min_two_parties")
    for state in states_of_operation:
        if state.pk not in party_states:
            problems.add("states_of_operation", _("%(state)s is not a party state") % {"state": state.pk}, "not_a_party_state")
    if legal_basis is None:
        problems.add("legal_basis", _("a legal basis is required"), "required")
        return
    if "jit" not in (legal_basis.covers or []):
        problems.add(
            "legal_basis", _("%(instrument)s does not provide for joint investigation teams") % {"instrument": legal_basis.short_name},
            "not_a_jit_basis",
        )
        return
    # The basis must bind every party state. An unverified participation record never blocks (domain.md marks).
    bound = {p.country_id: p for p in InstrumentParty.objects.filter(instrument=legal_basis, country_id__in=party_states)}
    for state in sorted(party_states):
        participation = bound.get(state)
        if participation is None:
            problems.add("legal_basis", _("%(state)s is not a party to %(instrument)s") % {"state": state, "instrument": legal_basis.short_name}, "basis_not_binding")
        elif participation.verified and start_date and not participation.in_force_at(start_date):
            problems.add(
                "legal_basis",
                _("%(instrument)s is not in force for %(state)s on %(date)s") % {"instrument": legal_basis.short_name, "state": state, "date": start_date.isoformat()},
                "basis_not_in_force",
            )


def jit_create(
    *,
    actor,
    case: Case,
    title: str,
    legal_basis,
    purpose: str,
    start_date: date,
    end_date: date,
    parties: Sequence,
    legal_basis_article: str = "",
    states_of_operation: Sequence | None = None,
) -> JointInvestigationTeam:
    """Propose a JIT. `parties` are the competent authorities, one or more per state, at least two states; the
    first listed coordinates (its leader answers for the expiry deadline). States of operation default to every
    party state."""
    parties = list(parties)
    states = list(states_of_operation) if states_of_operation else list({a.country_id: a.country for a in parties}.values())
    with transaction.atomic():
        locked_case = _lock_case(actor, case)
        _refuse_if_case_closed(locked_case)
        if actor is not None and not actor.is_superuser:
            if not actor.has_role(*rules.JIT_DRAFTING_ROLES):
                raise ActionForbidden(_("A JIT is proposed by %(who)s.") % {"who": rules.JIT_DRAFTERS})
            if actor.authority_id not in {a.pk for a in parties}:
                raise ActionForbidden(_("A JIT is proposed by one of its parties: %(own)s is not among them.") % {"own": actor.authority})
        problems = _Problems()
        _validate_agreement(problems, title=title, purpose=purpose, legal_basis=legal_basis, start_date=start_date,
                            end_date=end_date, parties=parties, states_of_operation=states)
        problems.raise_if_any(_("The JIT cannot be created."))
        jit = JointInvestigationTeam.objects.create(
            case=locked_case, title=title.strip(), legal_basis=legal_basis, legal_basis_article=legal_basis_article,
            purpose=purpose.strip(), start_date=start_date, end_date=end_date, created_by=actor,
        )
        JITParty.objects.bulk_create(
            JITParty(jit=jit, country_id=a.country_id, authority=a, coordinating=i == 0) for i, a in enumerate(parties)
        )
        jit.states_of_operation.set(states)
        event_emit(obj=jit, event_type="jit.created", actor=actor, to_state=jit.status)
        _audit(actor, "create", jit, after=_jit_snapshot(jit))
    return jit


def jit_update(
    *,
    actor,
    jit: JointInvestigationTeam,
    expected_version: int | None = None,
    title: str = UNSET,
    legal_basis=UNSET,
    legal_basis_article: str = UNSET,
    purpose: str = UNSET,
    start_date: date = UNSET,
    end_date: date = UNSET,
    parties: Sequence = UNSET,
    states_of_operation: Sequence = UNSET,
) -> JointInvestigationTeam:
    """Change the draft agreement (only while proposed or drafting; later the period moves by extension only)."""
    with transaction.atomic():
        locked = _lock_jit(actor, jit, expected_version)
        _require_drafter(actor, locked)
        if locked.status not in (JITStatus.PROPOSED, JITStatus.DRAFTING):
            raise TransitionNotAllowed(
                _("The agreement can only be changed while it is drafted; return it to drafting first."),
                problems=[FieldProblem("status", _("not editable while %(status)s") % {"status": locked.get_status_display()}, "read_only")],
            )
        before = _jit_snapshot(locked)
        current = list(locked.parties.select_related("authority").order_by("-coordinating", "id"))
        new_parties = [p.authority for p in current] if parties is UNSET else list(parties)
        new = {
            "title": locked.title if title is UNSET else title,
            "legal_basis": locked.legal_basis if legal_basis is UNSET else legal_basis,
            "purpose": locked.purpose if purpose is UNSET else purpose,
            "start_date": locked.start_date if start_date is UNSET else start_date,
            "end_date": locked.end_date if end_date is UNSET else end_date,
            "states_of_operation": list(states_of_operation) if states_of_operation is not UNSET else None,
        }
        if new["states_of_operation"] is None:
            # Unchanged, except for states whose parties leave (all party states if none is left).
            party_states = {a.country_id for a in new_parties}
            kept_states = [c for c in locked.states_of_operation.all() if c.pk in party_states]
            new["states_of_operation"] = kept_states or list({a.country_id: a.country for a in new_parties}.values())
        problems = _Problems()
        _validate_agreement(problems, parties=new_parties, **new)
        kept = {a.pk for a in new_parties}
        leaving = [p for p in current if p.authority_id not in kept]
        for party in leaving:
            if party.members.exists() or party.action_items.exists():
                problems.add("parties", _("%(party)s has members or actions; remove them first") % {"party": party}, "party_in_use")
        problems.raise_if_any(_("The JIT cannot be changed."))
        JITParty.objects.filter(pk__in=[p.pk for p in leaving]).delete()
        known = {p.authority_id for p in current}
        JITParty.objects.bulk_create(
            JITParty(jit=locked, country_id=a.country_id, authority=a) for a in new_parties if a.pk not in known
        )
        # The first listed party coordinates.
        locked.parties.exclude(authority=new_parties[0]).update(coordinating=False)
        locked.parties.filter(authority=new_parties[0]).update(coordinating=True)
        rules.forget_parties(locked)
        locked.__dict__.pop("_zone", None)
        for field in ("title", "purpose"):
            setattr(locked, field, new[field].strip())
        locked.legal_basis = new["legal_basis"]
        locked.start_date, locked.end_date = new["start_date"], new["end_date"]
        if legal_basis_article is not UNSET:
            locked.legal_basis_article = legal_basis_article
        locked.states_of_operation.set(new["states_of_operation"])
        after = _jit_snapshot(locked)
        if after == before:
            return locked
        locked.version += 1
        locked.save()
        changed = {k: v for k, v in after.items() if before[k] != v}
        event_emit(obj=locked, event_type="jit.updated", actor=actor, data={"fields": sorted(changed)})
        _audit(actor, "update", locked, before={k: before[k] for k in changed}, after=changed)
    return locked


def jit_transition(
    *, actor, jit: JointInvestigationTeam, action: str, reason: str = "", expected_version: int | None = None
) -> JointInvestigationTeam:
    """Any transition of cases.workflow.JIT_WORKFLOW except those filed with a record (use jit_extend,
    jit_composition_change and jit_sign for them)."""
    if action in JIT_SERVICE_ONLY_ACTIONS:
        raise ValidationFailed(
            _("This step follows from filing or signing an amendment."),
            [FieldProblem("action", _("use the extension, composition-change or signature service"), "service_only")],
        )
    if not jits_visible_to(actor).filter(pk=jit.pk).exists():
        raise NotVisible()
    return JIT_WORKFLOW.perform(pk=jit.pk, action=action, actor=actor, reason=reason, expected_version=expected_version)


def jit_sign(
    *,
    actor,
    jit: JointInvestigationTeam,
    signatory: str,
    signed_on: date | None = None,
    party_authority=None,
) -> JointInvestigationTeam:
    """Record a party's signature, of the agreement (signature pending) or of the pending amendment.

    A party signs only for itself: `party_authority` defaults to the actor's authority. The last signature of the
    agreement activates the team if its start date has come (else `jits_activate_due` does, on that date); the last
    signature of an amendment, before the expiry date, brings it into force.
    """
    with transaction.atomic():
        locked = _lock_jit(actor, jit)
        authority = party_authority or (actor.authority if actor is not None else None)
        party = locked.parties.filter(authority=authority).select_related("authority").first() if authority else None
        if party is None:
            raise ValidationFailed(
                _("Only a party to the JIT can sign it."),
                [FieldProblem("party", _("%(authority)s is not a party to this JIT") % {"authority": authority}, "not_a_party")],
            )
        if actor is not None:
            if actor.authority_id != party.authority_id:
                raise ActionForbidden(_("Each party signs only for itself: you act for %(own)s.") % {"own": actor.authority})
            if not actor.has_role(*rules.JIT_DRAFTING_ROLES):
                raise ActionForbidden(_("Signatures are recorded by %(who)s.") % {"who": rules.JIT_DRAFTERS})
        today = local_today(locked)
        signed_on = signed_on or today
        problems = _Problems()
        if not signatory.strip():
            problems.add("signatory", _("the signatory's name is required"), "required")
        if signed_on > today:
            problems.add("signed_on", _("a signature cannot be dated in the future"), "future")
        if locked.status == JITStatus.SIGNATURE_PENDING:
            _sign_agreement(actor, locked, party, signatory.strip(), signed_on, problems)
        elif locked.status == JITStatus.AMENDMENT_PENDING:
            _sign_amendment(actor, locked, party, signatory.strip(), signed_on, problems)
        else:
            raise TransitionNotAllowed(
                _("Signatures are collected only while the agreement or an amendment awaits them."),
                problems=[FieldProblem("status", _("nothing to sign while %(status)s") % {"status": locked.get_status_display()}, "invalid_state")],
            )
    return JointInvestigationTeam.objects.get(pk=locked.pk)


def _sign_agreement(actor, jit, party: JITParty, signatory: str, signed_on: date, problems: _Problems) -> None:
    if party.signed_on is not None:
        problems.add("party", _("%(party)s already signed on %(date)s") % {"party": party, "date": party.signed_on.isoformat()}, "already_signed")
    problems.raise_if_any(_("The signature cannot be recorded."))
    party.signed_on, party.signatory = signed_on, signatory
    party.signature_recorded_by, party.signature_recorded_at = actor, timezone.now()
    party.save(update_fields=["signed_on", "signatory", "signature_recorded_by", "signature_recorded_at"])
    _touch(jit)
    event_emit(obj=jit, event_type="jit.signed", actor=actor,
               data={"party": party.pk, "authority": party.authority_id, "signed_on": signed_on.isoformat()})
    _audit_child(actor, "sign", party, jit.case_id, after={"signed_on": signed_on, "signatory": signatory})
    if not jit.parties.filter(signed_on__isnull=True).exists() and local_today(jit) >= jit.start_date and not has_expired(jit):
        JIT_WORKFLOW.perform(pk=jit.pk, action="activate", actor=actor)


def _sign_amendment(actor, jit, party: JITParty, signatory: str, signed_on: date, problems: _Problems) -> None:
    amendment = jit.amendments.get(status=AmendmentStatus.PENDING)
    if amendment.signatures.filter(party=party).exists():
        problems.add("party", _("%(party)s already signed this amendment") % {"party": party}, "already_signed")
    if signed_on > jit.end_date or has_expired(jit):
        problems.add(
            "signed_on", _("an amendment must be signed by every party before the expiry date (%(date)s)") % {"date": jit.end_date.isoformat()},
            "after_expiry",
        )
    problems.raise_if_any(_("The signature cannot be recorded."))
    signature = JITAmendmentSignature.objects.create(
        amendment=amendment, party=party, signed_on=signed_on, signatory=signatory, recorded_by=actor
    )
    _touch(jit)
    event_emit(obj=jit, event_type="jit.amendment_signed_by_party", actor=actor,
               data={"amendment": amendment.pk, "party": party.pk, "signed_on": signed_on.isoformat()})
    _audit_child(actor, "sign", signature, jit.case_id, after={"amendment": amendment.pk, "party": party.pk, "signed_on": signed_on, "signatory": signatory})
    unsigned = jit.parties.exclude(pk__in=amendment.signatures.values("party_id"))
    if not unsigned.exists():
        amendment.effective_date = amendment.signatures.aggregate(last=Max("signed_on"))["last"]
        amendment.save(update_fields=["effective_date"])
        JIT_WORKFLOW.perform(pk=jit.pk, action="amendment_signed", actor=actor, params={"amendment": amendment.pk})


def _file_amendment(actor, jit: JointInvestigationTeam, *, kind: str, reason: str, problems: _Problems, **fields) -> JITAmendment:
    if jit.status != JITStatus.ACTIVE:
        detail = (_("Another amendment awaits signatures.") if jit.status == JITStatus.AMENDMENT_PENDING
                  else _("An amendment is filed while the team is active."))
        raise TransitionNotAllowed(detail, problems=[FieldProblem("status", jit.get_status_display(), "invalid_state")])
    if not reason.strip():
        problems.add("reason", _("a reason is required"), "required")
    if has_expired(jit):
        problems.add("status", _("the period ended on %(date)s") % {"date": jit.end_date.isoformat()}, "expired")
    problems.raise_if_any(_("The amendment cannot be filed."))
    number = (jit.amendments.aggregate(m=Max("number"))["m"] or 0) + 1
    amendment = JITAmendment.objects.create(jit=jit, number=number, kind=kind, reason=reason.strip(), requested_by=actor, **fields)
    _audit_child(actor, "create", amendment, jit.case_id, after={"kind": kind, "reason": amendment.reason, **fields})
    JIT_WORKFLOW.perform(pk=jit.pk, action="request_amendment", actor=actor, reason=amendment.reason, params={"amendment": amendment.pk})
    return amendment


def jit_extend(
    *, actor, jit: JointInvestigationTeam, new_end_date: date, reason: str, expected_version: int | None = None
) -> JITAmendment:
    """Request an extension of the period (mutual consent): the team goes to amendment pending until every party
    signed it before the current expiry date. An extension never shortens the period."""
    with transaction.atomic():
        locked = _lock_jit(actor, jit, expected_version)
        _require_drafter(actor, locked)
        problems = _Problems()
        if new_end_date is None:
            problems.add("new_end_date", _("the new end date is required"), "required")
        elif new_end_date <= locked.end_date:
            problems.add(
                "new_end_date",
                _("an extension must not shorten the period: the new end date must be after %(date)s") % {"date": locked.end_date.isoformat()},
                "shortens_period",
            )
        return _file_amendment(actor, locked, kind=AmendmentKind.EXTENSION, reason=reason, problems=problems,
                               previous_end_date=locked.end_date, new_end_date=new_end_date)


def jit_composition_change(
    *, actor, jit: JointInvestigationTeam, description: str, reason: str, expected_version: int | None = None
) -> JITAmendment:
    """File a change of composition (model agreement appendices) for every party to sign."""
    with transaction.atomic():
        locked = _lock_jit(actor, jit, expected_version)
        _require_drafter(actor, locked)
        problems = _Problems()
        if not description.strip():
            problems.add("description", _("describe the change of composition"), "required")
        return _file_amendment(actor, locked, kind=AmendmentKind.COMPOSITION, reason=reason, problems=problems,
                               description=description.strip())


# --- JITs: the team ----------------------------------------------------------------------------------------


def _member_snapshot(m: JITMember) -> dict:
    return {"party": m.party_id, "role": m.role, "name": m.name, "function": m.function, "authority": m.authority_id, "user": m.user_id}


def jit_member_add(
    *,
    actor,
    jit: JointInvestigationTeam,
    party: JITParty,
    role: str,
    name: str = "",
    authority=None,
    user=None,
    function: str = "",
) -> JITMember:
    """Add a member for a party. A new leader replaces the party's current one (one leader per party)."""
    with transaction.atomic():
        locked = _lock_jit(actor, jit)
        _require_drafter(actor, locked)
        _refuse_if_closed(locked)
        problems = _Problems()
        party = _party_of(locked, party, problems, "party")
        name = (name or (user.get_full_name() or user.get_username() if user else "")).strip()
        authority = authority or (party.authority if party else None)
        if role not in JITMemberRole.values:
            problems.add("role", _("unknown role '%(value)s'") % {"value": role}, "invalid_choice")
        if not name:
            problems.add("name", _("a name is required"), "required")
        if party and authority and authority.country_id != party.country_id:
            problems.add("authority", _("a member for %(state)s must come from an agency of %(state)s") % {"state": party.country_id}, "wrong_state")
        if party and user is not None:
            if user.authority is None or user.authority.country_id != party.country_id:
                problems.add("user", _("a member for %(state)s must be a user of %(state)s") % {"state": party.country_id}, "wrong_state")
            elif locked.members.filter(user=user, removed_at__isnull=True).exists():
                problems.add("user", _("this user is already a member"), "duplicate")
        problems.raise_if_any(_("The member cannot be added."))
        now = timezone.now()
        if role == JITMemberRole.LEADER:
            for previous in locked.members.filter(party=party, role=JITMemberRole.LEADER, removed_at__isnull=True):
                previous.removed_at, previous.removed_by = now, actor
                previous.removal_reason = _("replaced as leader by %(name)s") % {"name": name}
                previous.save(update_fields=["removed_at", "removed_by", "removal_reason"])
                _audit_child(actor, "update", previous, locked.case_id, after={"removed_at": now}, reason=previous.removal_reason)
        member = JITMember.objects.create(
            jit=locked, party=party, role=role, name=name, function=function, authority=authority, user=user, added_by=actor
        )
        if role == JITMemberRole.LEADER and party.coordinating:
            deadlines_reassign(subject=locked, responsible_authority=authority, kinds=[DeadlineKind.JIT_EXPIRY])
        rules.forget_parties(locked)
        _touch(locked)
        event_emit(obj=locked, event_type="jit.member_added", actor=actor, data={"member": member.pk, "party": party.pk, "role": role})
        _audit_child(actor, "create", member, locked.case_id, after=_member_snapshot(member))
    return member


def jit_member_remove(*, actor, member: JITMember, reason: str) -> JITMember:
    """End a membership (the row stays). A leader is replaced, not removed, while the team signs or operates."""
    with transaction.atomic():
        locked = _lock_jit(actor, member.jit)
        _require_drafter(actor, locked)
        _refuse_if_closed(locked)
        member = JITMember.objects.select_for_update().get(pk=member.pk)
        problems = _Problems()
        if member.removed_at is not None:
            problems.add("member", _("this membership has already ended"), "already_removed")
        if not reason.strip():
            problems.add("reason", _("a reason is required"), "required")
        if member.role == JITMemberRole.LEADER and locked.status in (JITStatus.SIGNATURE_PENDING, JITStatus.ACTIVE, JITStatus.AMENDMENT_PENDING):
            problems.add("member", _("every party keeps a leader while the team signs or operates: add the new leader instead"), "leader_required")
        problems.raise_if_any(_("The member cannot be removed."))
        member.removed_at, member.removed_by, member.removal_reason = timezone.now(), actor, reason.strip()
        member.save(update_fields=["removed_at", "removed_by", "removal_reason"])
        rules.forget_parties(locked)
        _touch(locked)
        event_emit(obj=locked, event_type="jit.member_removed", actor=actor, reason=member.removal_reason, data={"member": member.pk})
        _audit_child(actor, "update", member, locked.case_id, before={"removed_at": None}, after={"removed_at": member.removed_at}, reason=member.removal_reason)
    return member


def jit_participant_add(
    *,
    actor,
    jit: JointInvestigationTeam,
    organisation: str,
    access_level: str,
    organisation_name: str = "",
    authority=None,
    admitted_users: Sequence = (),
) -> JITParticipant:
    """Admit a body from outside the parties (Eurojust, Europol, AMERIPOL, UNODC…) with what it may see."""
    with transaction.atomic():
        locked = _lock_jit(actor, jit)
        _require_drafter(actor, locked)
        _refuse_if_closed(locked)
        problems = _Problems()
        if organisation not in ParticipantOrganisation.values:
            problems.add("organisation", _("unknown organisation '%(value)s'") % {"value": organisation}, "invalid_choice")
        if organisation == ParticipantOrganisation.OTHER and not organisation_name.strip():
            problems.add("organisation_name", _("name the organisation"), "required")
        if access_level not in ParticipantAccess.values:
            problems.add("access_level", _("unknown access level '%(value)s'") % {"value": access_level}, "invalid_choice")
        if locked.participants.filter(organisation=organisation, organisation_name=organisation_name.strip()).exists():
            problems.add("organisation", _("this organisation already participates"), "duplicate")
        problems.raise_if_any(_("The participant cannot be added."))
        participant = JITParticipant.objects.create(
            jit=locked, organisation=organisation, organisation_name=organisation_name.strip(), authority=authority,
            access_level=access_level, added_by=actor,
        )
        participant.admitted_users.set(admitted_users)
        _touch(locked)
        event_emit(obj=locked, event_type="jit.participant_added", actor=actor,
                   data={"participant": participant.pk, "organisation": organisation, "access_level": access_level})
        _audit_child(actor, "create", participant, locked.case_id, after={
            "organisation": organisation, "organisation_name": participant.organisation_name,
            "access_level": access_level, "admitted_users": _ids(admitted_users),
        })
    return participant


# --- JITs: the operational action plan (confidential, versioned) --------------------------------------------


def _item_snapshot(item: JITActionItem) -> dict:
    return {"action": item.action, "party": item.party_id, "owner": item.owner_id, "due_date": item.due_date, "status": item.status}


def _validate_item(problems: _Problems, jit, *, action, party, owner, status) -> None:
    if not (action or "").strip():
        problems.add("action", _("describe the action"), "required")
    _party_of(jit, party, problems, "party")
    if status not in ActionItemStatus.values:
        problems.add("status", _("unknown status '%(value)s'") % {"value": status}, "invalid_choice")
    if owner is not None:
        if owner.jit_id != jit.pk or owner.removed_at is not None:
            problems.add("owner", _("the owner must be a current member of this JIT"), "not_a_member")
        elif party is not None and owner.party_id != party.pk:
            problems.add("owner", _("the owner must be a member for the same party"), "wrong_party")


def _record_item_version(actor, jit, item: JITActionItem, note: str) -> JITActionItemVersion:
    jit.action_plan_version += 1
    jit.version += 1
    jit.save(update_fields=["action_plan_version", "version", "updated_at"])
    return JITActionItemVersion.objects.create(
        jit=jit, item=item, item_version=item.version, plan_version=jit.action_plan_version, action=item.action,
        party=item.party, owner=item.owner, due_date=item.due_date, status=item.status, note=note,
        changed_by=actor, changed_at=timezone.now(),
    )


def action_item_add(
    *,
    actor,
    jit: JointInvestigationTeam,
    action: str,
    party: JITParty,
    owner: JITMember | None = None,
    due_date: date | None = None,
    status: str = ActionItemStatus.PLANNED,
    note: str = "",
) -> JITActionItem:
    with transaction.atomic():
        locked = _lock_jit(actor, jit)
        _require_team_worker(actor, locked)
        _refuse_if_closed(locked)
        problems = _Problems()
        _validate_item(problems, locked, action=action, party=party, owner=owner, status=status)
        problems.raise_if_any(_("The action cannot be added to the plan."))
        number = (locked.action_items.aggregate(m=Max("number"))["m"] or 0) + 1
        item = JITActionItem.objects.create(
            jit=locked, number=number, action=action.strip(), party=party, owner=owner, due_date=due_date, status=status
        )
        version = _record_item_version(actor, locked, item, note)
        # Events and audit rows name the item, never its content: the plan is confidential.
        event_emit(obj=locked, event_type="jit.action_plan_changed", actor=actor,
                   data={"item": item.pk, "item_version": 1, "plan_version": version.plan_version})
        _audit_child(actor, "create", item, locked.case_id, after={"plan_version": version.plan_version})
    return item


def action_item_update(
    *,
    actor,
    item: JITActionItem,
    expected_version: int | None = None,
    action: str = UNSET,
    party: JITParty = UNSET,
    owner: JITMember | None = UNSET,
    due_date: date | None = UNSET,
    status: str = UNSET,
    note: str = "",
) -> JITActionItem:
    """Change an item: the previous version stays in the plan's history."""
    with transaction.atomic():
        locked = _lock_jit(actor, item.jit)
        _require_team_worker(actor, locked)
        _refuse_if_closed(locked)
        item = JITActionItem.objects.select_for_update(of=("self",)).select_related("party", "owner").get(pk=item.pk)
        _check_version(item, expected_version)
        before = _item_snapshot(item)
        new = {
            "action": item.action if action is UNSET else action,
            "party": item.party if party is UNSET else party,
            "owner": item.owner if owner is UNSET else owner,
            "status": item.status if status is UNSET else status,
        }
        problems = _Problems()
        _validate_item(problems, locked, **new)
        problems.raise_if_any(_("The action cannot be changed."))
        item.action, item.party, item.owner, item.status = new["action"].strip(), new["party"], new["owner"], new["status"]
        if due_date is not UNSET:
            item.due_date = due_date
        after = _item_snapshot(item)
        if after == before:
            return item
        item.version += 1
        item.save()
        version = _record_item_version(actor, locked, item, note)
        event_emit(obj=locked, event_type="jit.action_plan_changed", actor=actor,
                   data={"item": item.pk, "item_version": item.version, "plan_version": version.plan_version})
        _audit_child(actor, "update", item, locked.case_id, after={"item_version": item.version, "plan_version": version.plan_version,
                                                                   "fields": sorted(k for k in after if after[k] != before[k])})
    return item


# --- JITs: meetings, evaluation, evidence exchange ----------------------------------------------------------


def meeting_add(
    *,
    actor,
    jit: JointInvestigationTeam,
    held_at: datetime,
    place: str,
    subject: str,
    summary: str = "",
    parties_present: Sequence = (),
) -> JITMeeting:
    with transaction.atomic():
        locked = _lock_jit(actor, jit)
        _require_team_worker(actor, locked)
        _refuse_if_closed(locked)
        problems = _Problems()
        if held_at is None:
            problems.add("held_at", _("the date of the meeting is required"), "required")
        if not place.strip():
            problems.add("place", _("the place is required (or 'videoconference')"), "required")
        if not subject.strip():
            problems.add("subject", _("the subject is required"), "required")
        for party in parties_present:
            _party_of(locked, party, problems, "parties_present")
        problems.raise_if_any(_("The meeting cannot be recorded."))
        meeting = JITMeeting.objects.create(
            jit=locked, held_at=held_at, place=place.strip(), subject=subject.strip(), summary=summary, recorded_by=actor
        )
        meeting.parties_present.set(parties_present)
        _touch(locked)
        event_emit(obj=locked, event_type="jit.meeting_recorded", actor=actor, data={"meeting": meeting.pk})
        _audit_child(actor, "create", meeting, locked.case_id, after={
            "held_at": held_at, "place": meeting.place, "subject": meeting.subject, "parties_present": _ids(parties_present),
        })
    return meeting


def evaluation_record(
    *, actor, jit: JointInvestigationTeam, evaluated_on: date, answers: dict, summary: str = ""
) -> JITEvaluation:
    """Record (or revise, until closure) the final evaluation: the team must be in evaluation."""
    with transaction.atomic():
        locked = _lock_jit(actor, jit)
        _require_team_worker(actor, locked)
        if locked.status != JITStatus.EVALUATION:
            raise TransitionNotAllowed(
                _("The evaluation is recorded once the team has ended and its evaluation started."),
                problems=[FieldProblem("status", locked.get_status_display(), "invalid_state")],
            )
        problems = _Problems()
        if evaluated_on is None:
            problems.add("evaluated_on", _("the date is required"), "required")
        elif evaluated_on > local_today(locked):
            problems.add("evaluated_on", _("an evaluation cannot be dated in the future"), "future")
        elif evaluated_on < locked.start_date:
            problems.add("evaluated_on", _("an evaluation cannot predate the team"), "before_start")
        if not isinstance(answers, dict) or not answers:
            problems.add("answers", _("the evaluation form's answers are required"), "required")
        problems.raise_if_any(_("The evaluation cannot be recorded."))
        existing = JITEvaluation.objects.filter(jit=locked).first()
        before = {"evaluated_on": existing.evaluated_on, "answers": existing.answers, "summary": existing.summary} if existing else None
        evaluation, _created = JITEvaluation.objects.update_or_create(
            jit=locked, defaults={"evaluated_on": evaluated_on, "answers": answers, "summary": summary, "recorded_by": actor}
        )
        _touch(locked)
        event_emit(obj=locked, event_type="jit.evaluation_recorded", actor=actor, data={"evaluated_on": evaluated_on.isoformat()})
        _audit_child(actor, "update" if existing else "create", evaluation, locked.case_id, before=before,
                     after={"evaluated_on": evaluated_on, "answers": answers, "summary": summary})
    return evaluation


def _in_team(jit, person) -> bool:
    return person.authority_id in rules.team_authority_ids(jit) or jit.members.filter(user=person, removed_at__isnull=True).exists()


EVIDENCE_STATES = (JITStatus.ACTIVE, JITStatus.AMENDMENT_PENDING, JITStatus.EXPIRED, JITStatus.TERMINATED_EARLY, JITStatus.EVALUATION)


def evidence_exchange_record(
    *,
    actor,
    jit: JointInvestigationTeam,
    description: str,
    from_party: JITParty,
    to_party: JITParty,
    exchanged_at: datetime,
    sha256: str,
    file_name: str = "",
    use_restrictions: str = "",
    exchanged_by=None,
) -> JITEvidenceExchange:
    """Log one item of information or evidence shared inside the team (append-only, for admissibility). It may be
    logged after the team ended, but it must have been exchanged within the team's period."""
    with transaction.atomic():
        locked = _lock_jit(actor, jit)
        _require_team_worker(actor, locked)
        if locked.status not in EVIDENCE_STATES:
            raise TransitionNotAllowed(
                _("Evidence is exchanged inside a team that is or was active."),
                problems=[FieldProblem("status", locked.get_status_display(), "invalid_state")],
            )
        exchanged_by = exchanged_by or actor
        digest = (sha256 or "").strip().lower()
        now = timezone.now()
        problems = _Problems()
        if not description.strip():
            problems.add("description", _("say what was exchanged"), "required")
        _party_of(locked, from_party, problems, "from_party")
        _party_of(locked, to_party, problems, "to_party")
        if from_party is not None and to_party is not None and from_party.pk == to_party.pk:
            problems.add("to_party", _("an exchange goes from one party to another"), "same_party")
        if not SHA256.match(digest):
            problems.add("sha256", _("a SHA-256 digest is 64 hexadecimal characters"), "invalid_digest")
        if exchanged_by is None:
            problems.add("exchanged_by", _("say who exchanged it"), "required")
        elif not _in_team(locked, exchanged_by):
            problems.add("exchanged_by", _("%(user)s is not in the team") % {"user": exchanged_by.get_username()}, "not_in_team")
        if exchanged_at is None:
            problems.add("exchanged_at", _("the moment of the exchange is required"), "required")
        elif exchanged_at > now:
            problems.add("exchanged_at", _("an exchange cannot be in the future"), "future")
        else:
            opened = end_moment(locked, locked.start_date - timedelta(days=1))
            closed = locked.ended_at or end_moment(locked)
            if not opened <= exchanged_at < closed:
                problems.add("exchanged_at", _("the exchange must fall within the team's period"), "outside_period")
        problems.raise_if_any(_("The exchange cannot be logged."))
        exchange = JITEvidenceExchange.objects.create(
            jit=locked, description=description.strip(), from_party=from_party, to_party=to_party,
            exchanged_at=exchanged_at, exchanged_by=exchanged_by, file_name=file_name.strip(), sha256=digest,
            use_restrictions=use_restrictions.strip(), recorded_by=actor, recorded_at=now,
        )
        _touch(locked)
        event_emit(obj=locked, event_type="jit.evidence_exchanged", actor=actor,
                   data={"exchange": exchange.pk, "from_party": from_party.pk, "to_party": to_party.pk, "sha256": digest})
        _audit_child(actor, "create", exchange, locked.case_id, after={
            "from_party": from_party.pk, "to_party": to_party.pk, "exchanged_at": exchanged_at, "exchanged_by": exchanged_by.pk,
            "sha256": digest, "file_name": exchange.file_name, "use_restrictions": exchange.use_restrictions,
        })
    return exchange


# --- sweeps (called by Celery beat tasks; idempotent) -------------------------------------------------------

RUNNING = (JITStatus.ACTIVE, JITStatus.AMENDMENT_PENDING)


def jits_expire_due(now: datetime | None = None) -> list[int]:
    """Expire every running team whose last day has passed (in its coordinating state's time zone). Running it
    again, or twice at once, expires nothing twice. Returns the ids expired by this run."""
    now = now or timezone.now()
    # A local date runs at most a day ahead of UTC: the index narrows, the exact check is done under the lock.
    candidates = JointInvestigationTeam.objects.filter(status__in=RUNNING, end_date__lt=now.date() + timedelta(days=1))
    expired = []
    for pk in candidates.order_by("end_date").values_list("pk", flat=True):
        try:
            JIT_WORKFLOW.perform(pk=pk, action="expire", actor=None, params={"now": now})
        except (TransitionNotAllowed, ValidationFailed):
            continue  # already handled by a concurrent sweep, or not yet past its last day locally
        expired.append(pk)
    return expired


def jits_activate_due(now: datetime | None = None) -> list[int]:
    """Activate every fully signed team whose start date has come. Idempotent like jits_expire_due."""
    now = now or timezone.now()
    unsigned = JITParty.objects.filter(jit_id=OuterRef("pk"), signed_on__isnull=True)
    candidates = JointInvestigationTeam.objects.filter(
        status=JITStatus.SIGNATURE_PENDING, start_date__lte=now.date() + timedelta(days=1)
    ).exclude(Exists(unsigned))
    activated = []
    for pk in candidates.order_by("start_date").values_list("pk", flat=True):
        try:
            JIT_WORKFLOW.perform(pk=pk, action="activate", actor=None, params={"now": now})
        except (TransitionNotAllowed, ValidationFailed):
            continue
        activated.append(pk)
    return activated
