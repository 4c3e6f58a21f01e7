"""Every write to an MLA request. Keyword-only, taking the acting user; one durable transaction each; each writes
its audit row and its event (transitions through `MLA_WORKFLOW`, the rest with `event_emit`).

Callers (admin, web views, API, commands, tasks) pass model instances or stable keys: countries, instruments,
offences, measures, networks and refusal grounds by `code`; authorities by primary key or `code`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from coopcases.accounts.roles import RoleCode
from coopcases.audit.services import audit_record
from coopcases.core import files
from coopcases.core.exceptions import (
    ActionForbidden,
    ConcurrentChange,
    FieldProblem,
    NotVisible,
    TransitionNotAllowed,
    ValidationFailed,
)
from coopcases.events.services import event_emit
from networks.models import Authority, AuthorityKind, Country, Instrument, Measure, Network, Offence, RefusalGround
from requests import content, legal, references, routing
from requests.models import (
    EDITABLE_STATES,
    MEASURE_FINAL_STATUSES,
    OPEN_STATES,
    Attachment,
    Audience,
    Channel,
    DocumentType,
    MeasureStatus,
    Message,
    MlaRequest,
    MlaRequestKind,
    MlaRequestState,
    PersonConcerned,
    PersonRole,
    RequestMeasure,
)
from requests.selectors import mla_requests_visible_to, side_of
from requests.workflow import (
    MLA_WORKFLOW,
    Prepared,
    is_drafting_magistrate,
    is_executing_officer,
    is_requested_ca_officer,
    refusal_facts,
)

# Fields the drafter sets through create/update (foreign keys and many-to-many resolved from keys).
TEXT_FIELDS = (
    "title", "subject_and_authority", "facts_summary", "purpose", "special_procedure", "persons_unknown_reason",
    "urgency_reason", "confidentiality_note", "use_restriction", "due_reason", "language",
)
FLAG_FIELDS = ("urgent", "confidentiality_required")
EDITABLE_FIELDS = frozenset(
    TEXT_FIELDS + FLAG_FIELDS
    + ("kind", "case", "requested_state", "requested_central_authority", "requesting_central_authority", "channel", "channel_network",
       "requested_due_date", "legal_bases", "offences", "additional_content")
)


# -- small helpers -------------------------------------------------------------------------------------------------


def _by_key(model, value, field: str, *, allow_pk: bool = False):
    """A row from an instance, a `code` or (for authorities) a primary key; ValidationFailed naming `field` otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    lookup = {"pk": value} if allow_pk and (isinstance(value, int) or str(value).isdigit()) else {"code": value}
    row = model.objects.filter(**lookup).first()
    if row is None:
        raise ValidationFailed(_("Unknown %(field)s: %(value)s") % {"field": field, "value": value}, [FieldProblem(field, _("unknown value '%(value)s'") % {"value": value}, "unknown")])
    return row


def _many_by_code(model, values: Iterable, field: str) -> list:
    values = list(values or [])
    rows = [v for v in values if isinstance(v, model)]
    codes = [str(v) for v in values if not isinstance(v, model)]
    found = {r.code: r for r in model.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed(
            _("Unknown %(field)s: %(values)s") % {"field": field, "values": ", ".join(unknown)},
            [FieldProblem(field, _("unknown value '%(value)s'") % {"value": c}, "unknown") for c in unknown],
        )
    return rows + [found[c] for c in codes]


def _locked(actor, pk) -> MlaRequest:
    """The visible request, row-locked for the rest of the transaction; NotVisible (404) when hidden.

    One query: visibility is checked on the row as locked (PostgreSQL re-checks the predicate on the newest version
    after waiting for a concurrent writer)."""
    # of=("self",): lock the request only, never the countries joined for reading.
    req = (
        mla_requests_visible_to(actor).select_for_update(of=("self",)).select_related("requesting_state", "requested_state")
        .filter(pk=pk).first()
    )
    if req is None:
        raise NotVisible()
    return req


def _check_version(req: MlaRequest, expected_version: int | None) -> None:
    if expected_version is not None and req.version != expected_version:
        raise ConcurrentChange(
            _("This request was changed by someone else (version %(current)s, you had %(expected)s). Reload it and try again.")
            % {"current": req.version, "expected": expected_version}
        )


def _require_editable_by_drafter(req: MlaRequest, actor) -> None:
    if req.state not in EDITABLE_STATES:
        raise TransitionNotAllowed(
            _("Only a draft or a request returned for amendment can be changed; this one is '%(state)s'.") % {"state": req.get_state_display()},
            problems=[FieldProblem("state", _("not editable in state %(state)s") % {"state": req.state}, "invalid_state")],
        )
    if not is_drafting_magistrate(req, actor):
        raise ActionForbidden(_("Only a liaison magistrate of the requesting authority may change this request."))


def _require_writable(req: MlaRequest) -> None:
    if req.is_read_only:
        raise TransitionNotAllowed(_("The request is '%(state)s': it is read-only.") % {"state": req.get_state_display()}, code="read_only")


def _bump(req: MlaRequest) -> None:
    req.version += 1
    req.save(update_fields=["version", "updated_at"])


def _snapshot(req: MlaRequest) -> dict:
    data = {f: getattr(req, f) for f in TEXT_FIELDS + FLAG_FIELDS}
    data.update(
        kind=req.kind, channel=req.channel, channel_network=req.channel_network_id, case=req.case_id,
        requested_state=req.requested_state_id, requested_central_authority=req.requested_central_authority_id,
        requesting_central_authority=req.requesting_central_authority_id,
        requested_due_date=req.requested_due_date.isoformat() if req.requested_due_date else None,
        additional_content=req.additional_content,
    )
    if req.pk:
        data["legal_bases"] = sorted(req.legal_bases.values_list("code", flat=True))
        data["offences"] = sorted(req.offences.values_list("code", flat=True))
    return data


def _sub_audit(actor, action: str, req: MlaRequest, obj: models.Model, *, before=None, after=None, reason: str = "") -> None:
    """Audit a row that belongs to a request (measure, attachment, message…) under the request's case."""
    audit_record(
        actor=actor, action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), case_id=req.case_id,
        before=before, after={"request": req.pk, **(after or {})}, reason=reason,
    )


def central_authority_of(country: Country, instruments: Iterable[Instrument]) -> Authority | None:
    """The central authority designated by `country` under the most specific of `instruments`, else its designated
    default (reference data), else its only one."""
    designated = {p.instrument_id: p.central_authority for p in legal.party_rows([country.pk], [i.pk for i in instruments]) if p.central_authority_id}
    order = {"bilateral": 0, "eu_act": 1, "regional": 2, "multilateral": 3}
    for instrument in sorted(instruments, key=lambda i: order.get(i.kind, 9)):
        if instrument.pk in designated:
            return designated[instrument.pk]
    candidates = list(
        Authority.objects.filter(country=country, kind=AuthorityKind.CENTRAL_AUTHORITY).order_by("-designated_central_authority")[:2]
    )
    if candidates and (candidates[0].designated_central_authority or len(candidates) == 1):
        return candidates[0]
    return None


def _validate(req: MlaRequest, legal_bases: list, today: date) -> None:
    """Every problem of the request's routing fields at once (content completeness waits for submission)."""
    problems: list[FieldProblem] = []
    if req.requested_state_id == req.requesting_state_id:
        problems.append(FieldProblem("requested_state", _("the requested state must differ from the requesting state"), "same_state"))
    if not req.title.strip():
        problems.append(FieldProblem("title", _("a title is required"), "required"))
    if not (2 <= len(req.language) <= 8 and req.language.replace("-", "").isalpha()):
        problems.append(FieldProblem("language", _("an ISO 639-1 language code is required"), "invalid"))
    if req.kind not in MlaRequestKind.values:
        problems.append(FieldProblem("kind", _("unknown kind"), "invalid"))
    if req.channel not in Channel.values:
        problems.append(FieldProblem("channel", _("unknown channel"), "invalid"))
    # A treaty may designate another body (e.g. Spain–Peru art. XVIII: the Ministerio Público) as central authority.
    designated = {p.central_authority_id for p in legal.party_rows([req.requested_state_id, req.requesting_state_id], [i.pk for i in legal_bases])}
    for field, state in (("requested_central_authority", req.requested_state_id), ("requesting_central_authority", req.requesting_state_id)):
        authority = getattr(req, field)
        acts_as_central = authority is not None and (authority.kind == AuthorityKind.CENTRAL_AUTHORITY or authority.pk in designated)
        if authority is not None and (authority.country_id != state or not acts_as_central):
            problems.append(FieldProblem(field, _("must be a central authority of %(state)s") % {"state": state}, "wrong_authority"))
    if req.case_id and req.case.lead_authority.country_id != req.requesting_state_id:
        problems.append(FieldProblem("case", _("the case must be led by an authority of the requesting state"), "wrong_case"))
    if req.requested_due_date and req.requested_due_date < today:
        problems.append(FieldProblem("requested_due_date", _("the requested date has already passed"), "in_past"))
    if problems:
        raise ValidationFailed(_("The request cannot be saved."), problems)
    problems += content.legal_basis_problems(req, legal_bases, today)
    problems += routing.channel_problems(req, today)
    if problems:
        raise ValidationFailed(_("The legal basis or the channel does not fit these states."), problems)


def _apply(req: MlaRequest, data: dict) -> tuple[list | None, list | None]:
    """Set fields from `data` (keys resolved); returns the new legal bases and offences (None = unchanged)."""
    unknown = sorted(set(data) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)}, [FieldProblem(f, _("not an editable field"), "unknown_field") for f in unknown])
    for field in TEXT_FIELDS:
        if field in data:
            setattr(req, field, (data[field] or "").strip())
    for field in FLAG_FIELDS:
        if field in data:
            setattr(req, field, bool(data[field]))
    for field in ("kind", "channel"):
        if field in data:
            setattr(req, field, data[field])
    if "requested_due_date" in data:
        req.requested_due_date = data["requested_due_date"]
    if "additional_content" in data:
        content_map = data["additional_content"] or {}
        if not isinstance(content_map, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in content_map.items()):
            raise ValidationFailed(_("Further content must map element codes to text."), [FieldProblem("additional_content", _("element code → text expected"), "invalid")])
        req.additional_content = {k: v.strip() for k, v in content_map.items() if v.strip()}
    if "case" in data:
        from cases.models import Case

        req.case = data["case"] if isinstance(data["case"], Case) or data["case"] is None else _by_key(Case, data["case"], "case", allow_pk=True)
    if "requested_state" in data:
        req.requested_state = _by_key(Country, data["requested_state"], "requested_state")
    if "channel_network" in data:
        req.channel_network = _by_key(Network, data["channel_network"], "channel_network")
    for field in ("requested_central_authority", "requesting_central_authority"):
        if field in data:
            setattr(req, field, _by_key(Authority, data[field], field, allow_pk=True))
    legal_bases = _many_by_code(Instrument, data["legal_bases"], "legal_bases") if "legal_bases" in data else None
    offences = _many_by_code(Offence, data["offences"], "offences") if "offences" in data else None
    return legal_bases, offences


def _derive_central_authorities(req: MlaRequest, legal_bases: list, data: dict) -> None:
    if req.is_informal:
        return
    if not data.get("requested_central_authority") and (req.requested_central_authority_id is None or "legal_bases" in data or "requested_state" in data):
        req.requested_central_authority = central_authority_of(req.requested_state, legal_bases)
    if not data.get("requesting_central_authority") and (req.requesting_central_authority_id is None or "legal_bases" in data):
        req.requesting_central_authority = central_authority_of(req.requesting_state, legal_bases)


# -- the request ---------------------------------------------------------------------------------------------------


def mla_request_create(
    *,
    actor,
    title: str,
    requested_state,
    language: str,
    kind: str = MlaRequestKind.MLA,
    legal_bases: Iterable = (),
    channel: str = Channel.CENTRAL_AUTHORITY,
    channel_network=None,
    offences: Iterable = (),
    requesting_authority=None,
    requested_central_authority=None,
    requesting_central_authority=None,
    case=None,
    subject_and_authority: str = "",
    facts_summary: str = "",
    purpose: str = "",
    special_procedure: str = "",
    persons_unknown_reason: str = "",
    urgent: bool = False,
    urgency_reason: str = "",
    confidentiality_required: bool = False,
    confidentiality_note: str = "",
    use_restriction: str = "",
    requested_due_date: date | None = None,
    due_reason: str = "",
    additional_content: dict | None = None,
) -> MlaRequest:
    """File a new draft for the actor's authority; its reference is issued here (e.g. PE-FN-2026-00042)."""
    data = {k: v for k, v in locals().items() if k in EDITABLE_FIELDS}
    with transaction.atomic(durable=True):
        authority = _by_key(Authority, requesting_authority, "requesting_authority", allow_pk=True) or getattr(actor, "authority", None)
        if authority is None:
            raise ActionForbidden(_("Only a user of an authority can file a request."))
        req = MlaRequest(requesting_authority=authority, requesting_state=authority.country, created_by=actor)
        if not is_drafting_magistrate(req, actor):
            raise ActionForbidden(_("Only a liaison magistrate of the requesting authority may file a request for it."))
        legal_bases, offences = _apply(req, data)
        _derive_central_authorities(req, legal_bases, data)
        today = timezone.localdate()
        _validate(req, legal_bases, today)
        req.reference_year = timezone.localtime(timezone=ZoneInfo(authority.country.time_zone or "UTC")).year
        req.reference_sequence = references.next_sequence(authority, req.reference_year)
        req.reference = references.format_reference(authority, req.reference_year, req.reference_sequence)
        req.save()
        req.legal_bases.set(legal_bases)
        req.offences.set(offences)
        audit_record(actor=actor, action="create", obj=req, after={"reference": req.reference, **_snapshot(req)})
        event_emit(obj=req, event_type="mla_request.created", actor=actor, to_state=req.state, data={"reference": req.reference, "kind": req.kind})
    return req


def mla_request_update(*, pk, actor, changes: dict, expected_version: int | None = None) -> MlaRequest:
    """Change a draft (or a request returned for amendment). Keys: `EDITABLE_FIELDS`."""
    with transaction.atomic(durable=True):
        req = _locked(actor, pk)
        _check_version(req, expected_version)
        _require_editable_by_drafter(req, actor)
        before = _snapshot(req)
        legal_bases, offences = _apply(req, changes)
        legal_bases = list(req.legal_bases.all()) if legal_bases is None else legal_bases
        _derive_central_authorities(req, legal_bases, changes)
        _validate(req, legal_bases, timezone.localdate())
        req.version += 1
        req.save()
        if "legal_bases" in changes:
            req.legal_bases.set(legal_bases)
        if offences is not None:
            req.offences.set(offences)
        after = _snapshot(req)
        changed = sorted(k for k in after if after[k] != before.get(k))
        audit_record(
            actor=actor, action="update", obj=req, before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed}
        )
        event_emit(obj=req, event_type="mla_request.updated", actor=actor, data={"fields": changed})
    return req


def mla_request_transition(
    *, pk, action: str, actor, reason: str = "", params: dict | None = None, expected_version: int | None = None
) -> MlaRequest:
    """Take one step of the lifecycle (see `requests.workflow.TRANSITIONS`; parameters in `TRANSITION_PARAMS`)."""
    params = dict(params or {})
    with transaction.atomic(durable=True):
        req = _locked(actor, pk)
        transition = MLA_WORKFLOW.transitions.get(action)
        # Parameters are resolved only for a step this actor may take from this state; otherwise `perform`
        # answers with the state or role error, which is the one that matters.
        if transition is not None and req.state in transition.sources and transition.may(req, actor):
            params["prepared"] = _prepare(req, action, reason, params)
        return MLA_WORKFLOW.perform(
            pk=pk, action=action, actor=actor, reason=reason, params=params, expected_version=expected_version, locked=req
        )


TRANSITION_PARAMS: dict[str, frozenset[str]] = {
    "assign_executing_authority": frozenset({"executing_authority"}),
    "resume_execution": frozenset({"executing_authority"}),
    "refuse": frozenset({"grounds"}),
    "postpone": frozenset({"ground"}),
    "grant_with_conditions": frozenset({"conditions"}),
}


def _prepare(req: MlaRequest, action: str, reason: str, params: dict) -> Prepared:
    """Check the shape of a transition's parameters and resolve them to rows."""
    unknown = sorted(set(params) - TRANSITION_PARAMS.get(action, frozenset()))
    if unknown:
        raise ValidationFailed(
            _("Unknown parameters for '%(action)s': %(names)s") % {"action": action, "names": ", ".join(unknown)},
            [FieldProblem(name, _("not a parameter of this action"), "unknown_field") for name in unknown],
        )
    executing = _by_key(Authority, params.get("executing_authority"), "executing_authority", allow_pk=True)
    grounds: list[RefusalGround] = []
    measures: list[RequestMeasure] = []
    if action == "refuse":
        grounds = list(
            RefusalGround.objects.filter(pk__in=[g.pk for g in _many_by_code(RefusalGround, params.get("grounds") or [], "grounds")]).prefetch_related("restrictions")
        )
        # A refusal answers the whole request: every measure without an outcome yet is refused with it.
        measures = list(req.measures.select_related("measure").exclude(status__in=MEASURE_FINAL_STATUSES))
    if action == "postpone" and params.get("ground"):
        ground = _by_key(RefusalGround, params["ground"], "ground")
        if not ground.postponement:
            raise ValidationFailed(_("Not a reason for postponement."), [FieldProblem("ground", _("'%(ground)s' is not a reason for postponement") % {"ground": ground.name}, "not_postponement")])
        grounds = [ground]
    return Prepared(reason=reason, executing_authority=executing, grounds=tuple(grounds), measures=tuple(measures), conditions=str(params.get("conditions") or ""))


# -- measures and persons (drafting) -------------------------------------------------------------------------------


def measure_add(*, request_pk, actor, measure, details: str = "", extra: dict | None = None, expected_version: int | None = None) -> RequestMeasure:
    """Add a requested measure to a draft; `extra` carries the measure's own fields (`Measure.extra_fields`)."""
    extra = dict(extra or {})
    with transaction.atomic(durable=True):
        req = _locked(actor, request_pk)
        _check_version(req, expected_version)
        _require_editable_by_drafter(req, actor)
        row = _by_key(Measure, measure, "measure")
        allowed = set(row.extra_fields or [])
        unknown = sorted(set(extra) - allowed)
        if unknown:
            raise ValidationFailed(
                _("'%(measure)s' has no fields %(fields)s") % {"measure": row.name, "fields": ", ".join(unknown)},
                [FieldProblem(f"extra.{f}", _("not a field of this measure"), "unknown_field") for f in unknown],
            )
        item = RequestMeasure.objects.create(request=req, measure=row, details=details.strip(), extra=extra)
        _bump(req)
        _sub_audit(actor, "create", req, item, after={"measure": row.code, "details": item.details, "extra": extra})
        event_emit(obj=req, event_type="mla_request.measure_added", actor=actor, data={"measure": row.code, "id": item.pk})
    return item


def measure_remove(*, measure_pk, actor) -> None:
    """Take a measure off a draft (before submission nothing has been sent; afterwards measures only get outcomes)."""
    with transaction.atomic(durable=True):
        item = RequestMeasure.objects.select_related("measure").filter(pk=measure_pk).first()
        if item is None:
            raise NotVisible()
        req = _locked(actor, item.request_id)
        _require_editable_by_drafter(req, actor)
        _sub_audit(actor, "delete", req, item, before={"measure": item.measure.code, "details": item.details})
        event_emit(obj=req, event_type="mla_request.measure_removed", actor=actor, data={"measure": item.measure.code, "id": item.pk})
        item.delete()
        _bump(req)


OUTCOME_STATUSES_REQUESTED_SIDE = frozenset({MeasureStatus.IN_EXECUTION, MeasureStatus.EXECUTED, MeasureStatus.REFUSED, MeasureStatus.IMPOSSIBLE})


def measure_record_outcome(
    *, measure_pk, actor, status: str, outcome: str = "", grounds: Iterable = (), expected_version: int | None = None
) -> RequestMeasure:
    """Record one measure's own outcome. The executing authority (or the requested central authority) records
    execution, refusal (with grounds the law allows and reasons) or impossibility while the request is in
    execution; the requesting side marks a measure it no longer needs as not pursued."""
    with transaction.atomic(durable=True):
        item = RequestMeasure.objects.select_related("measure").filter(pk=measure_pk).first()
        if item is None:
            raise NotVisible()
        req = _locked(actor, item.request_id)
        _check_version(req, expected_version)
        item.refresh_from_db()
        _require_writable(req)
        if status == MeasureStatus.NOT_PURSUED:
            if not is_drafting_magistrate(req, actor):
                raise ActionForbidden(_("Only a liaison magistrate of the requesting authority may drop a measure."))
            if req.state not in OPEN_STATES or req.state in EDITABLE_STATES:
                raise TransitionNotAllowed(_("A measure is dropped while the request is open; in a draft, remove it instead."))
        elif status in OUTCOME_STATUSES_REQUESTED_SIDE:
            if not (is_executing_officer(req, actor) or is_requested_ca_officer(req, actor)):
                raise ActionForbidden(_("Only the executing authority or the requested central authority records a measure's outcome."))
            if req.state not in (MlaRequestState.IN_EXECUTION, MlaRequestState.PARTIALLY_EXECUTED):
                raise TransitionNotAllowed(
                    _("Outcomes are recorded while the request is in execution; it is '%(state)s'.") % {"state": req.get_state_display()},
                    problems=[FieldProblem("state", _("not in execution"), "invalid_state")],
                )
        else:
            raise ValidationFailed(_("Unknown status."), [FieldProblem("status", _("unknown value '%(value)s'") % {"value": status}, "invalid")])
        if item.status in MEASURE_FINAL_STATUSES:
            raise TransitionNotAllowed(_("'%(measure)s' already has its outcome (%(status)s).") % {"measure": item.measure.name, "status": item.get_status_display()})
        ground_rows = _many_by_code(RefusalGround, grounds, "grounds") if status == MeasureStatus.REFUSED else []
        if status == MeasureStatus.REFUSED:
            problems = [] if ground_rows else [FieldProblem("grounds", _("a refusal needs at least one ground (UNTOC 18(21), 18(23))"), "required")]
            if not outcome.strip():
                problems.append(FieldProblem("outcome", _("reasons must be given for any refusal (UNTOC 18(23))"), "required"))
            ground_rows = list(RefusalGround.objects.filter(pk__in=[g.pk for g in ground_rows]).prefetch_related("restrictions"))
            problems += legal.forbidden_ground_problems(ground_rows, refusal_facts(req, ground_rows, [item]))
            if problems:
                raise ValidationFailed(_("This refusal is not allowed as it stands."), problems)
        if status in (MeasureStatus.IMPOSSIBLE, MeasureStatus.NOT_PURSUED) and not outcome.strip():
            raise ValidationFailed(_("Say why."), [FieldProblem("outcome", _("a reason is required"), "required")])
        before = {"status": item.status, "outcome": item.outcome}
        item.status, item.outcome = status, outcome.strip()
        item.save(update_fields=["status", "outcome", "updated_at"])
        item.refusal_grounds.set(ground_rows)
        _bump(req)
        after = {"status": status, "outcome": item.outcome, "grounds": [g.code for g in ground_rows]}
        _sub_audit(actor, "update", req, item, before=before, after=after)
        event_emit(obj=req, event_type="mla_request.measure_outcome_recorded", actor=actor, data={"id": item.pk, "measure": item.measure.code, **after})
    return item


def person_add(
    *, request_pk, actor, role: str, name: str, nationality=None, location: str = "", details: str = "", expected_version: int | None = None
) -> PersonConcerned:
    """Add a person or entity concerned to a draft (UNTOC 18(15)(e))."""
    with transaction.atomic(durable=True):
        req = _locked(actor, request_pk)
        _check_version(req, expected_version)
        _require_editable_by_drafter(req, actor)
        problems = []
        if role not in PersonRole.values:
            problems.append(FieldProblem("role", _("unknown role"), "invalid"))
        if not name.strip():
            problems.append(FieldProblem("name", _("a name is required"), "required"))
        if problems:
            raise ValidationFailed(_("The person cannot be added."), problems)
        person = PersonConcerned.objects.create(
            request=req, role=role, name=name.strip(), nationality=_by_key(Country, nationality, "nationality"), location=location.strip(), details=details.strip()
        )
        _bump(req)
        # Personal data stays out of the audit trail and the outbox: only the fact and the role are recorded.
        _sub_audit(actor, "create", req, person, after={"role": role})
        event_emit(obj=req, event_type="mla_request.person_added", actor=actor, data={"id": person.pk, "role": role})
    return person


def person_remove(*, person_pk, actor) -> None:
    with transaction.atomic(durable=True):
        person = PersonConcerned.objects.filter(pk=person_pk).first()
        if person is None:
            raise NotVisible()
        req = _locked(actor, person.request_id)
        _require_editable_by_drafter(req, actor)
        _sub_audit(actor, "delete", req, person, before={"role": person.role})
        event_emit(obj=req, event_type="mla_request.person_removed", actor=actor, data={"id": person.pk, "role": person.role})
        person.delete()
        _bump(req)


# -- attachments and messages --------------------------------------------------------------------------------------


# What an evidence file may be: readable as it is, so no archives (macro-enabled Office files are refused by
# `validate_upload` for every field).
ATTACHMENT_TYPES = frozenset(
    {files.PDF, files.PNG, files.JPEG, files.TIFF, files.DOCX, files.XLSX, files.ODT, files.TEXT, files.CSV}
)


# Auditors read everything and write nothing.
OPERATIONAL_ROLES = (
    RoleCode.LIAISON_MAGISTRATE, RoleCode.CENTRAL_AUTHORITY_OFFICER, RoleCode.EXECUTING_AUTHORITY_OFFICER, RoleCode.NETWORK_CONTACT_POINT
)


def _require_participant(req: MlaRequest, actor) -> str:
    side = side_of(req, actor)
    if side is None or not actor.has_role(*OPERATIONAL_ROLES):
        raise ActionForbidden(_("Only the requesting or the requested side may add to this request."))
    return side


def attachment_add(
    *,
    request_pk,
    actor,
    file,
    name: str,
    description: str = "",
    language: str = "",
    document_type: str | None = None,
    supersedes=None,
    translation_of=None,
) -> Attachment:
    """Attach a file (bytes or an uploaded file). Its type is sniffed from the content against the allow-list.

    `document_type`: what the file is to the request (the request itself, an order, a result…; default: supporting).
    `supersedes`: the attachment this is a new version of (which stays, marked superseded; the new version keeps
    its type, language and translation link unless given). `translation_of`: the original this translates,
    with `language` the translation's language.
    """
    if isinstance(file, bytes | bytearray):
        file = ContentFile(bytes(file))
    check = files.validate_upload(file, ATTACHMENT_TYPES, settings.ATTACHMENT_MAX_BYTES, name=name)
    with transaction.atomic(durable=True):
        req = _locked(actor, request_pk)
        _require_writable(req)
        _require_participant(req, actor)
        previous = _attachment_of(req, supersedes, "supersedes")
        original = _attachment_of(req, translation_of, "translation_of")
        problems = []
        if previous is not None:
            if Attachment.objects.filter(supersedes=previous).exists():
                problems.append(FieldProblem("supersedes", _("that version is already superseded: supersede the latest version"), "not_latest"))
            original = original or previous.translation_of
            language = language or previous.language
            document_type = document_type or previous.document_type
        if original is not None:
            document_type = DocumentType.TRANSLATION
        document_type = document_type or DocumentType.SUPPORTING
        if document_type not in DocumentType.values:
            problems.append(FieldProblem("document_type", _("unknown document type"), "invalid"))
        if original is not None:
            if not language:
                problems.append(FieldProblem("language", _("a translation needs its language"), "required"))
            elif language == (original.language or req.language):
                problems.append(FieldProblem("language", _("a translation must be in another language than its original"), "same_language"))
        if problems:
            raise ValidationFailed(_("The attachment cannot be added."), problems)
        attachment = Attachment.objects.create(
            request=req,
            document_type=document_type,
            file=files.store_protected_file(file, check, folder="attachments"),
            original_name=get_valid_filename(name)[:255] or "file",
            description=description.strip(),
            sha256=check.sha256,
            size=check.size,
            mime_type=check.mime,
            language=language,
            supersedes=previous,
            version_number=previous.version_number + 1 if previous else 1,
            translation_of=original,
            uploaded_by=actor,
            authority_id=actor.authority_id,
            uploaded_at=timezone.now(),
        )
        _bump(req)
        info = {"id": attachment.pk, "name": attachment.original_name, "document_type": document_type, "sha256": check.sha256, "size": attachment.size, "mime_type": attachment.mime_type,
                "version": attachment.version_number, "supersedes": previous.pk if previous else None,
                "translation_of": original.pk if original else None, "language": language}
        _sub_audit(actor, "create", req, attachment, after=info)
        event_emit(obj=req, event_type="mla_request.attachment_added", actor=actor, data=info)
    return attachment


def _attachment_of(req: MlaRequest, value, field: str) -> Attachment | None:
    if value is None:
        return None
    pk = value.pk if isinstance(value, Attachment) else value
    row = Attachment.objects.filter(pk=pk, request=req).first()
    if row is None:
        raise ValidationFailed(_("Unknown attachment."), [FieldProblem(field, _("not an attachment of this request"), "unknown")])
    return row


def message_post(*, request_pk, actor, body: str, audience: str = Audience.EVERYONE) -> Message:
    """Post to the request's thread (status enquiries, consultations); `audience` may keep it on one side."""
    with transaction.atomic(durable=True):
        req = _locked(actor, request_pk)
        _require_writable(req)
        side = _require_participant(req, actor)
        problems = []
        if not body.strip():
            problems.append(FieldProblem("body", _("the message is empty"), "required"))
        if audience not in Audience.values:
            problems.append(FieldProblem("audience", _("unknown audience"), "invalid"))
        if problems:
            raise ValidationFailed(_("The message cannot be posted."), problems)
        message = Message.objects.create(request=req, author=actor, authority_id=actor.authority_id, body=body.strip(), audience=audience, created_at=timezone.now())
        _sub_audit(actor, "create", req, message, after={"audience": audience, "side": side})
        event_emit(obj=req, event_type="mla_request.message_posted", actor=actor, data={"id": message.pk, "audience": audience, "side": side})
    return message
