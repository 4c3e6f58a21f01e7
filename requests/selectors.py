"""Reads of MLA requests, always through the actor's visibility first.

Who sees a request is the `mla.mlarequest` table of coopcases/accounts/policy.yaml, applied as one SQL predicate:
each relation below has a predicate, and the actor's roles select the relations that allow `view`:
- requesting authority: users of the authority that issued it;
- requesting / requested central authority: central authorities of the requesting state once it was submitted, and
  of the requested state once it was transmitted (the requested side never sees drafts);
- executing authority: once assigned;
- routing network: a network's contact points, once transmitted, only if it travels through their network;
- auditors: everything. Superusers: everything (the admin's own rule, break-glass only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, CharField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext as _

from coopcases.accounts.models import User
from coopcases.accounts.policy import actor_may, confidential_depends_on_object, visibility_filter
from coopcases.accounts.roles import RoleCode
from coopcases.audit.services import audit_record
from coopcases.core.exceptions import FieldProblem, NotVisible, ValidationFailed
from coopcases.deadlines.models import Deadline, DeadlineState
from coopcases.deadlines.selectors import deadlines_of, is_overdue, time_left
from coopcases.events.selectors import events_of
from networks.models import Authority, AuthorityKind
from requests.models import Audience, Message, MlaRequest, MlaRequestState, PersonConcerned

_OPEN = (DeadlineState.OPEN, DeadlineState.PAUSED)


def _central_authority_country(actor):
    """The country whose central authority the actor belongs to (a subquery; empty when not a central authority)."""
    return Authority.objects.filter(pk=actor.authority_id, kind=AuthorityKind.CENTRAL_AUTHORITY).values("country_id")


KIND = "mla.mlarequest"


def _central_authority_country_id(actor) -> str | None:
    authority = actor.authority if actor.authority_id else None
    return authority.country_id if authority is not None and authority.kind == AuthorityKind.CENTRAL_AUTHORITY else None


def mla_request_relations(actor, req: MlaRequest) -> set[str]:
    """The actor's relations to a request, as policy.yaml names them (the Python twin of `_relation_predicates`)."""
    relations = set()
    if actor.authority_id is not None:
        central_country = _central_authority_country_id(actor)
        if req.requesting_authority_id == actor.authority_id:
            relations.add("requesting_authority")
        if central_country == req.requesting_state_id and req.submitted_at is not None:
            relations.add("requesting_central_authority")
        if central_country == req.requested_state_id and req.transmitted_at is not None:
            relations.add("requested_central_authority")
        if req.executing_authority_id == actor.authority_id:
            relations.add("executing_authority")
    networks = set(actor.contact_point_networks.values_list("pk", flat=True)) if actor.pk else set()
    if req.channel_network_id in networks and req.transmitted_at is not None:
        relations.add("routing_network")
    elif networks:
        relations.add("other_network")
    return relations or {"unrelated"}


def _relation_predicates(actor) -> dict[str, Q]:
    predicates = {}
    if actor.authority_id is not None:
        central_country = _central_authority_country(actor)
        predicates.update(
            requesting_authority=Q(requesting_authority_id=actor.authority_id),
            requesting_central_authority=Q(requesting_state_id__in=central_country, submitted_at__isnull=False),
            requested_central_authority=Q(requested_state_id__in=central_country, transmitted_at__isnull=False),
            executing_authority=Q(executing_authority_id=actor.authority_id),
        )
    networks = User.contact_point_networks.through.objects.filter(user_id=actor.pk).values("network_id")
    predicates["routing_network"] = Q(channel_network_id__in=networks, transmitted_at__isnull=False)
    return predicates


def visibility_predicate(actor) -> Q | None:
    """The visibility rule as one boolean SQL expression over `mla_mlarequest` (None: every row)."""
    return visibility_filter(actor, KIND, _relation_predicates(actor))


def mla_request_may(actor, req: MlaRequest, action: str) -> bool:
    return actor_may(actor, KIND, mla_request_relations(actor, req), action)


def mla_requests_visible_to(actor, *, base: QuerySet[MlaRequest] | None = None) -> QuerySet[MlaRequest]:
    """The requests `actor` may see (`base` narrows the starting queryset, e.g. a proxy model's)."""
    qs = MlaRequest.objects.all() if base is None else base
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return qs.none()
    if actor.is_superuser:
        return qs
    predicate = visibility_predicate(actor)
    return qs if predicate is None else qs.filter(predicate)


def mla_request_get(*, actor, pk) -> MlaRequest:
    """The request if the actor may see it; otherwise NotVisible (404), never 403."""
    req = mla_requests_visible_to(actor).select_related(
        "requesting_authority", "requesting_state", "requested_state", "requested_central_authority",
        "requesting_central_authority", "executing_authority", "channel_network",
    ).filter(pk=pk).first()
    if req is None:
        raise NotVisible()
    return req


def with_deadlines(qs: QuerySet[MlaRequest], now: datetime | None = None) -> QuerySet[MlaRequest]:
    """Annotate, in SQL, `next_due_at` (earliest open or paused clock) and `overdue`: an open clock past due, or,
    before transmission (no clock runs yet), a requested date already past."""
    now = now or timezone.now()
    clocks = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(MlaRequest), object_id=Cast(OuterRef("pk"), CharField()), state__in=_OPEN
    )
    late_before_transmission = Q(transmitted_at__isnull=True, requested_due_date__isnull=False, requested_due_date__lt=timezone.localdate(now))
    # A scalar subquery probed per row, not EXISTS: inside this OR PostgreSQL turns EXISTS into a hashed subplan
    # that reads every overdue clock of every request for each page (grows with the table; docs/benchmarks.md).
    first_overdue_clock = Subquery(clocks.filter(state=DeadlineState.OPEN, due_at__lt=now).values("pk")[:1])
    return qs.annotate(
        next_due_at=Subquery(clocks.order_by("due_at").values("due_at")[:1]),
        overdue=ExpressionWrapper(Q(IsNull(first_overdue_clock, False)) | late_before_transmission, output_field=BooleanField()),
    )


# A request as plain columns, for reads of many (the API): codes of related rows by join, the `with_deadlines`
# annotations, and `confidential_shown`. `with_codes` completes them with the legal bases and offences.
ROW_COLUMNS = (
    "id", "reference", "kind", "title", "state", "version", "case_id", "channel", "requesting_state_id", "requested_state_id",
    "requesting_authority__code", "requesting_central_authority__code", "requested_central_authority__code",
    "executing_authority__code", "channel_network__code",
    "subject_and_authority", "facts_summary", "purpose", "special_procedure", "persons_unknown_reason", "urgent",
    "urgency_reason", "confidentiality_required", "confidentiality_note", "use_restriction", "requested_due_date",
    "due_reason", "language", "additional_content", "next_due_at", "overdue",
    "created_at", "updated_at", "submitted_at", "approved_at", "transmitted_at", "finished_at", "confidential_shown",
)
CODE_LISTS = {"legal_basis_codes": "legal_bases", "offence_codes": "offences"}  # row key: many-to-many field


def _links(field: str) -> QuerySet:
    """The link rows of a many-to-many field of MlaRequest to coded reference rows, with the `code` they point to."""
    m2m = MlaRequest._meta.get_field(field)
    return m2m.remote_field.through.objects.annotate(code=F(f"{m2m.m2m_reverse_field_name()}__code"))


def mla_request_rows(actor, qs: QuerySet[MlaRequest]) -> QuerySet:
    """`qs` (visible to `actor`, annotated by `with_deadlines`) as dicts of ROW_COLUMNS, in one query; on PostgreSQL
    the legal bases and offences come in it too, as arrays (elsewhere `with_codes` reads them, one query each).

    `confidential_shown`: whether the actor may see this request's confidential fields, decided in SQL by the
    relations allowing `view_confidential` (the twin of `mla_request_may(actor, req, "view_confidential")` for the
    rows the actor can see), so a page costs no query per row."""
    shown = Value(True)
    if confidential_depends_on_object(actor, KIND):
        predicate = visibility_filter(actor, KIND, _relation_predicates(actor), action="view_confidential")
        shown = Value(True) if predicate is None else ExpressionWrapper(predicate, output_field=BooleanField())
    qs = qs.annotate(confidential_shown=shown)
    if connection.vendor != "postgresql":
        return qs.values(*ROW_COLUMNS)
    arrays = {name: ArraySubquery(_links(field).filter(mlarequest_id=OuterRef("pk")).values_list("code", flat=True))
              for name, field in CODE_LISTS.items()}
    return qs.annotate(**arrays).values(*ROW_COLUMNS, *arrays)


def with_codes(rows: list[dict]) -> list[dict]:
    """Complete rows of `mla_request_rows` with their `legal_basis_codes` and `offence_codes`, sorted as the
    serializer sorts them (read here, a query each for all the rows, when the database did not give them)."""
    if rows and "legal_basis_codes" not in rows[0]:
        by_id = {row["id"]: row for row in rows}
        for row in rows:
            row.update((name, []) for name in CODE_LISTS)
        for name, field in CODE_LISTS.items():
            for pk, code in _links(field).filter(mlarequest_id__in=by_id).values_list("mlarequest_id", "code"):
                by_id[pk][name].append(code)
    for row in rows:
        for name in CODE_LISTS:
            row[name].sort()
    return rows


def awaiting_decision_of(actor, *, base: QuerySet[MlaRequest] | None = None) -> QuerySet[MlaRequest]:
    """The approval queue of a central authority officer: submitted requests of their state, oldest first."""
    if actor is None or not getattr(actor, "authority_id", None):
        return MlaRequest.objects.none() if base is None else base.none()
    return (
        mla_requests_visible_to(actor, base=base)
        .filter(state=MlaRequestState.SUBMITTED, requesting_state_id__in=_central_authority_country(actor))
        .order_by("submitted_at", "pk")
    )


@dataclass(frozen=True)
class DeadlineSummary:
    due_at: datetime | None
    label: str
    is_legal_limit: bool
    time_left: timedelta | None
    overdue: bool
    paused: bool
    open_count: int


def mla_request_deadline_summary(req: MlaRequest, now: datetime | None = None) -> DeadlineSummary:
    """The clock that matters now: the earliest open one (a legal limit first when two fall due together)."""
    now = now or timezone.now()
    clocks = sorted(deadlines_of(req).filter(state__in=_OPEN), key=lambda d: (d.due_at, not d.is_legal_limit))
    if not clocks:
        return DeadlineSummary(None, "", False, None, False, False, 0)
    first = clocks[0]
    return DeadlineSummary(
        due_at=first.due_at,
        label=first.label,
        is_legal_limit=first.is_legal_limit,
        time_left=time_left(first, now),
        overdue=any(is_overdue(d, now) for d in clocks),
        paused=first.state == DeadlineState.PAUSED,
        open_count=len(clocks),
    )


def mla_request_events(*, actor, pk):
    """The status history of a visible request, oldest first."""
    return events_of(mla_request_get(actor=actor, pk=pk)).select_related("actor")


def side_of(req: MlaRequest, actor) -> str | None:
    """'requesting' or 'requested' for the actor's authority; None for auditors and outsiders."""
    authority = getattr(actor, "authority", None)
    if authority is None:
        return None
    if authority.pk in (req.requesting_authority_id, req.requesting_central_authority_id) or (
        authority.kind == AuthorityKind.CENTRAL_AUTHORITY and authority.country_id == req.requesting_state_id
    ):
        return "requesting"
    if authority.country_id == req.requested_state_id:
        return "requested"
    return None


def mla_request_messages(*, actor, pk) -> QuerySet[Message]:
    """The thread as the actor's side may read it: messages to both sides, to their side, and their own."""
    req = mla_request_get(actor=actor, pk=pk)
    qs = Message.objects.filter(request=req).select_related("author", "authority")
    side = side_of(req, actor)
    if actor.is_superuser or (side is None and actor.has_role(RoleCode.AUDITOR)):
        return qs
    audiences = [Audience.EVERYONE] + ([Audience.REQUESTING_SIDE] if side == "requesting" else [Audience.REQUESTED_SIDE] if side == "requested" else [])
    return qs.filter(Q(audience__in=audiences) | Q(author=actor))


def mla_request_persons(*, actor, pk, purpose: str) -> list[PersonConcerned]:
    """Persons concerned are confidential: each read states its purpose and leaves an audit row."""
    if not purpose.strip():
        raise ValidationFailed(
            _("State why you need the persons concerned."), [FieldProblem("purpose", _("a purpose is required"), "required")], code="purpose_required"
        )
    req = mla_request_get(actor=actor, pk=pk)
    persons = list(PersonConcerned.objects.filter(request=req).select_related("nationality"))
    audit_record(actor=actor, action="view", obj=req, after={"persons_concerned": [p.pk for p in persons]}, purpose=purpose)
    return persons
