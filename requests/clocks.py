"""The clocks of a request: which deadlines open, stop, pause and resume at which step of the lifecycle.

Legal limits are `networks.DeadlineRule` rows (period, unit, roll-forward, the instrument, `applies_to` = the
request kind). A rule applies to a request when its instrument is one of the request's legal bases and its
kind is the request's. `LIFECYCLE` below binds each limit to the steps of *our* lifecycle: the step that starts
it (transmission = receipt by the requested side; the decision to execute = recognition) and the step that
meets it (acknowledgement, the decision, execution), and whether it runs only for urgent requests. The period
itself is never here. A legal limit not in `LIFECYCLE` (e.g. EIO art. 32 provisional measures, art. 31
interception notices) depends on facts the request does not record: the routing advice shows it as
conditional, and no step opens it.

Outside EU law no instrument sets a numeric limit (UNTOC 18(24)): the response clock is the date the
requesting side asks for, with its reasons, and the configured service levels (`unit=service_level` with a
period, counted in working days of the requested state) of the channel network or of a legal basis whose
trigger is the receipt of the request. None of those is ever a legal limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coopcases.deadlines.calendar import StateCalendar, compute_due
from coopcases.deadlines.models import DeadlineKind, DeadlineState
from coopcases.deadlines.selectors import deadlines_of
from coopcases.deadlines.services import deadline_open, deadlines_close, deadlines_pause, deadlines_resume
from networks.models import DeadlineRule, DeadlineUnit
from requests.models import MlaRequest

TRANSMISSION, ACKNOWLEDGEMENT, DECISION, EXECUTION = "transmission", "acknowledgement", "decision", "execution"


@dataclass(frozen=True)
class LifecycleClock:
    starts: str
    met_by: str
    urgent_only: bool = False


# Rule codes of networks.DeadlineRule (domain.md §8.5) → the steps that start and meet them.
LIFECYCLE: dict[str, LifecycleClock] = {
    "EIO_ACK": LifecycleClock(TRANSMISSION, ACKNOWLEDGEMENT),  # Dir. 2014/41 art. 16(1)
    "EIO_RECOGNITION": LifecycleClock(TRANSMISSION, DECISION),  # art. 12(3)
    "EIO_EXECUTION": LifecycleClock(DECISION, EXECUTION),  # art. 12(4)
    "FREEZE_URGENT_DECISION": LifecycleClock(TRANSMISSION, DECISION, urgent_only=True),  # Reg. 2018/1805 art. 9
    "FREEZE_URGENT_EXECUTION": LifecycleClock(DECISION, EXECUTION, urgent_only=True),  # art. 9
    "CONFISCATION_DECISION": LifecycleClock(TRANSMISSION, DECISION),  # art. 20
}
RECEIPT_TRIGGERS = ("receipt", "transmission")


@dataclass(frozen=True)
class RuleUse:
    rule: DeadlineRule
    clock: LifecycleClock | None  # None: a conditional limit no step opens

    @property
    def conditional(self) -> bool:
        return self.clock is None


def slug(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def fits(rule: DeadlineRule, kind: str | None) -> bool:
    return kind is None or not rule.applies_to.strip() or slug(rule.applies_to) == kind


def legal_rule_uses(*, kind: str | None, urgent: bool, instrument_ids) -> list[RuleUse]:
    """Legal limits of these instruments for `kind` (all kinds when None), bound to the lifecycle where they are."""
    rules = DeadlineRule.objects.filter(instrument_id__in=list(instrument_ids), is_legal_limit=True).select_related("instrument").order_by("code")
    uses = [RuleUse(r, LIFECYCLE.get(r.code)) for r in rules if fits(r, kind)]
    return [u for u in uses if u.conditional or urgent or not u.clock.urgent_only or kind is None]


def service_level_rules(*, kind: str | None, instrument_ids, network_ids) -> list[DeadlineRule]:
    """Configured service levels (never law) of the legal bases or the channel network, counted from receipt."""
    rules = DeadlineRule.objects.filter(
        Q(instrument_id__in=list(instrument_ids)) | Q(network_id__in=list(network_ids)),
        unit=DeadlineUnit.SERVICE_LEVEL,
        period__isnull=False,
    ).select_related("instrument", "network").order_by("code")
    return [r for r in rules if fits(r, kind) and slug(r.trigger).startswith(RECEIPT_TRIGGERS)]


def service_level_due(trigger_at: datetime, rule: DeadlineRule, country) -> datetime:
    return compute_due(trigger_at, rule.period, DeadlineUnit.WORKING_DAYS, country)


# -- what happens at each step -------------------------------------------------------------------------------------


def _clocks_of(req: MlaRequest) -> list[RuleUse]:
    """The legal limits that steps of this request open (conditional ones excluded)."""
    uses = legal_rule_uses(kind=req.kind, urgent=req.urgent, instrument_ids=req.legal_bases.values_list("pk", flat=True))
    return [u for u in uses if not u.conditional]


def _open_rule(req: MlaRequest, use: RuleUse, at: datetime, responsible) -> None:
    deadline_open(
        subject=req,
        kind=DeadlineKind.LEGAL_LIMIT,
        label=use.rule.description[:300],
        trigger_at=at,
        rule=use.rule,
        responsible_authority=responsible,
        calendar_country=req.requested_state,
    )


def on_transmitted(req: MlaRequest, at: datetime | None = None) -> None:
    """The requested side receives the request: its response clocks start."""
    at = at or timezone.now()
    country = req.requested_state
    responsible = req.requested_central_authority
    if req.requested_due_date:
        requested_end = StateCalendar(country).end_of(req.requested_due_date)
        deadline_open(
            subject=req,
            kind=DeadlineKind.MLA_RESPONSE,
            label=(_("Date requested by the requesting side (not a legal limit): %(reason)s") % {"reason": req.due_reason})[:300],
            trigger_at=at,
            due_at=max(requested_end, at),  # a date already past at transmission is due at once, and shows overdue
            responsible_authority=responsible,
            calendar_country=country,
        )
    for rule in service_level_rules(
        kind=req.kind,
        instrument_ids=req.legal_bases.values_list("pk", flat=True),
        network_ids=[req.channel_network_id] if req.channel_network_id else [],
    ):
        deadline_open(
            subject=req,
            kind=DeadlineKind.MLA_RESPONSE,
            label=(_("Service level (not a legal limit): %(rule)s") % {"rule": rule.description})[:300],
            trigger_at=at,
            due_at=service_level_due(at, rule, country),
            rule=rule,
            responsible_authority=responsible,
            calendar_country=country,
        )
    for use in _clocks_of(req):
        if use.clock.starts == TRANSMISSION:
            _open_rule(req, use, at, responsible)


def _close_milestone(req: MlaRequest, milestone: str, at: datetime) -> None:
    running = deadlines_of(req).filter(state__in=(DeadlineState.OPEN, DeadlineState.PAUSED), is_legal_limit=True, rule__isnull=False)
    rules = [d.rule for d in running.select_related("rule") if d.rule.code in LIFECYCLE and LIFECYCLE[d.rule.code].met_by == milestone]
    if rules:
        deadlines_close(subject=req, rules=rules, at=at)


def on_acknowledged(req: MlaRequest, at: datetime | None = None) -> None:
    _close_milestone(req, ACKNOWLEDGEMENT, at or timezone.now())


def on_decided(req: MlaRequest, at: datetime | None = None) -> None:
    """Recognition: decision limits are met, execution limits start (once, even if the decision is revisited)."""
    at = at or timezone.now()
    _close_milestone(req, ACKNOWLEDGEMENT, at)
    _close_milestone(req, DECISION, at)
    started = set(deadlines_of(req).filter(rule__isnull=False).values_list("rule_id", flat=True))
    responsible = req.executing_authority or req.requested_central_authority
    for use in _clocks_of(req):
        if use.clock.starts == DECISION and use.rule.pk not in started:
            _open_rule(req, use, at, responsible)


def on_paused(req: MlaRequest, at: datetime | None = None) -> None:
    deadlines_pause(subject=req, at=at)


def on_resumed(req: MlaRequest, at: datetime | None = None) -> None:
    deadlines_resume(subject=req, at=at)


def on_answered(req: MlaRequest, at: datetime | None = None) -> None:
    """Executed, refused or impossible: every clock of the requested side stops (late ones are recorded missed)."""
    deadlines_close(subject=req, state=DeadlineState.MET, at=at)


def on_withdrawn(req: MlaRequest, at: datetime | None = None) -> None:
    deadlines_close(subject=req, state=DeadlineState.CANCELLED, at=at)
