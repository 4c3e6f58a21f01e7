"""Cooperation statistics: reads over the MLA requests and assets the viewer may see (docs/statistics.md).

Every figure starts from the visibility selectors (`mla_requests_visible_to`, `assets_visible_to` through
`asset_report`), so a viewer counts only what they could open. The request population is the requests
*transmitted* to the requested state (drafts and requests stopped at the central authority are not cooperation
yet); the period selects them by the month of transmission. The page costs a fixed number of queries, whatever
the number of requests: each figure is one grouped query.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import connection
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import AssetOrder
from assets.reports import AssetReport, GroupBy, asset_report
from coopcases.accounts.roles import RoleCode
from coopcases.deadlines.models import Deadline, DeadlineState
from coopcases.events.models import Event
from networks.models import Country, Network, RefusalGround
from requests.models import DecisionKind, MlaRequest, RequestDecision
from requests.selectors import mla_requests_visible_to

# Who reaches the statistics: central authorities (their state's traffic) and auditors (everything, read only).
# A programme role would be added here once accounts has one.
STATISTICS_ROLES = (RoleCode.CENTRAL_AUTHORITY_OFFICER, RoleCode.AUDITOR)
EXECUTE_EVENT = "mla_request.execute"
NO_NETWORK = "-"
PERCENTILES = {"median": 0.5, "p90": 0.9}
SECONDS_PER_DAY = 86400


def may_view_statistics(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_role(*STATISTICS_ROLES))


@dataclass(frozen=True)
class StatisticsFilter:
    """The months from `first_month` to `last_month` (first days, inclusive), optionally one state and one network."""

    first_month: date
    last_month: date
    state: Country | None = None
    network: Network | None = None
    currency: str = "EUR"

    @property
    def months(self) -> list[date]:
        months, month = [], self.first_month
        while month <= self.last_month:
            months.append(month)
            month = next_month(month)
        return months

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in the current time zone."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.first_month, time.min, tzinfo=tz),
            datetime.combine(next_month(self.last_month), time.min, tzinfo=tz),
        )

    def describe(self) -> dict:
        return {
            "from": self.first_month.strftime("%Y-%m"),
            "to": self.last_month.strftime("%Y-%m"),
            "state": self.state.pk if self.state else "",
            "network": self.network.code if self.network else "",
            "currency": self.currency,
        }


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


# --- percentiles ---------------------------------------------------------------------------------------------------


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class PercentileCont(Aggregate):
    """`percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)` (PostgreSQL only)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must lie between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


# --- results ---------------------------------------------------------------------------------------------------


@dataclass
class CrossTab:
    """Counts per month and key (a state or network), with each key's label and total."""

    months: list[date]
    labels: dict[str, str] = field(default_factory=dict)
    cells: Counter = field(default_factory=Counter)  # (month, key) -> count

    def add(self, month: date, key: str, n: int) -> None:
        self.cells[(month, key)] += n

    @property
    def keys(self) -> list[str]:
        present = {key for (_month, key), n in self.cells.items() if n}
        return sorted(present, key=lambda k: (k == NO_NETWORK, self.labels.get(k, k)))

    @property
    def headers(self) -> list[str]:
        return [self.labels.get(k, k) for k in self.keys]

    def total(self, key: str) -> int:
        return sum(n for (_month, k), n in self.cells.items() if k == key)

    def rows(self) -> list[tuple[date, list[int], int]]:
        keys = self.keys
        return [(m, [self.cells[(m, k)] for k in keys], sum(self.cells[(m, k)] for k in keys)) for m in self.months]


@dataclass(frozen=True)
class DurationRow:
    state: str
    label: str
    executed: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class OutcomeRow:
    state: str
    label: str
    transmitted: int
    overdue: int
    refused: int

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.transmitted if self.transmitted else None


@dataclass(frozen=True)
class GroundRow:
    code: str
    label: str
    refused: int


@dataclass
class Statistics:
    filters: StatisticsFilter
    per_month: list[tuple[date, int]]
    by_requesting_state: CrossTab
    by_requested_state: CrossTab
    by_network: CrossTab
    durations: list[DurationRow]
    duration_total: DurationRow
    outcomes: list[OutcomeRow]
    outcome_total: OutcomeRow
    grounds: list[GroundRow]
    assets: AssetReport

    @property
    def transmitted(self) -> int:
        return sum(n for _m, n in self.per_month)


# --- queries ---------------------------------------------------------------------------------------------------


def transmitted_requests(actor, filters: StatisticsFilter) -> QuerySet[MlaRequest]:
    """The visible requests transmitted in the period, of the state (either side) and network chosen."""
    start, end = filters.bounds()
    qs = mla_requests_visible_to(actor).filter(transmitted_at__gte=start, transmitted_at__lt=end)
    if filters.state is not None:
        qs = qs.filter(Q(requesting_state=filters.state) | Q(requested_state=filters.state))
    if filters.network is not None:
        qs = qs.filter(channel_network=filters.network)
    return qs


def _month(value) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _monthly(qs: QuerySet[MlaRequest], filters: StatisticsFilter):
    """One grouped query feeds the three cross tables (requesting state, requested state, network)."""
    tabs = [CrossTab(filters.months) for _ in range(3)]
    per_month: Counter = Counter()
    rows = (
        qs.annotate(month=TruncMonth("transmitted_at"))
        .values("month", "requesting_state_id", "requested_state_id", "channel_network_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        month, n = _month(row["month"]), row["n"]
        per_month[month] += n
        tabs[0].add(month, row["requesting_state_id"], n)
        tabs[1].add(month, row["requested_state_id"], n)
        tabs[2].add(month, str(row["channel_network_id"]) if row["channel_network_id"] else NO_NETWORK, n)
    return [(m, per_month[m]) for m in filters.months], *tabs


def _executed_at() -> Subquery:
    """When the request was marked executed: the `mla_request.execute` event of its status history."""
    events = Event.objects.filter(
        object_type=MlaRequest._meta.label_lower, object_id=Cast(OuterRef("pk"), CharField()), event_type=EXECUTE_EVENT
    ).order_by("sequence")
    return Subquery(events.values("at")[:1])


def _durations_sql(executed: QuerySet[MlaRequest]):
    days = EpochSeconds(ExpressionWrapper(F("executed_at") - F("transmitted_at"), output_field=DurationField())) / SECONDS_PER_DAY
    aggregates = {name: PercentileCont(days, fraction) for name, fraction in PERCENTILES.items()}
    per_state = {
        row["requested_state_id"]: (row["n"], row["median"], row["p90"])
        for row in executed.values("requested_state_id").annotate(n=Count("pk"), **aggregates).order_by()
    }
    total = executed.aggregate(n=Count("pk"), **aggregates)
    return per_state, (total["n"], total["median"], total["p90"])


def _durations_python(executed: QuerySet[MlaRequest]):
    samples: dict[str, list[float]] = defaultdict(list)
    for state, transmitted_at, executed_at in executed.values_list("requested_state_id", "transmitted_at", "executed_at"):
        samples[state].append((executed_at - transmitted_at).total_seconds() / SECONDS_PER_DAY)

    def summary(values):
        return (len(values), percentile_cont(values, PERCENTILES["median"]), percentile_cont(values, PERCENTILES["p90"]))

    every = [v for values in samples.values() for v in values]
    return {state: summary(values) for state, values in samples.items()}, summary(every)


def _durations(qs: QuerySet[MlaRequest]):
    """(per requested state, overall): count executed, median and 90th percentile of days from transmission."""
    executed = qs.annotate(executed_at=_executed_at()).filter(executed_at__isnull=False)
    if connection.vendor == "postgresql":
        return _durations_sql(executed)
    return _durations_python(executed)


def _outcomes(qs: QuerySet[MlaRequest], now: datetime) -> dict[str, tuple[int, int, int]]:
    """Per requested state: transmitted, overdue (a clock missed, or open and past due), refused."""
    clocks = Deadline.objects.filter(
        content_type__app_label=MlaRequest._meta.app_label,
        content_type__model=MlaRequest._meta.model_name,
        object_id=Cast(OuterRef("pk"), CharField()),
    )
    late = Exists(clocks.filter(Q(state=DeadlineState.MISSED) | Q(state=DeadlineState.OPEN, due_at__lt=now)))
    refused = Exists(RequestDecision.objects.filter(request=OuterRef("pk"), kind=DecisionKind.REFUSAL))
    rows = (
        qs.annotate(late=late, was_refused=refused)
        .values("requested_state_id")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(late=True)), refused=Count("pk", filter=Q(was_refused=True)))
        .order_by()
    )
    return {row["requested_state_id"]: (row["n"], row["overdue"], row["refused"]) for row in rows}


def _grounds(qs: QuerySet[MlaRequest]) -> list[tuple[int, int]]:
    """(ground id, requests refused citing it): a refusal citing two grounds counts under both."""
    through = RequestDecision.grounds.through
    rows = (
        through.objects.filter(requestdecision__kind=DecisionKind.REFUSAL, requestdecision__request__in=qs.values("pk"))
        .values("refusalground_id")
        .annotate(n=Count("requestdecision__request_id", distinct=True))
        .order_by()
    )
    return [(row["refusalground_id"], row["n"]) for row in rows]


def _asset_scope(filters: StatisticsFilter) -> Q:
    """Assets recorded (identified) in the period, located in the state, traced through the network."""
    start, end = filters.bounds()
    scope = Q(created_at__gte=start, created_at__lt=end)
    if filters.state is not None:
        scope &= Q(location_state=filters.state)
    if filters.network is not None:
        scope &= Q(Exists(AssetOrder.objects.filter(asset=OuterRef("pk"), network=filters.network)))
    return scope


def _by_label(row) -> tuple[str, str]:
    return row.label, row.state


def cooperation_statistics(*, actor, filters: StatisticsFilter, now: datetime | None = None) -> Statistics:
    """Every figure of the statistics page over what `actor` may see, in a fixed number of queries."""
    now = now or timezone.now()
    qs = transmitted_requests(actor, filters)
    per_month, requesting, requested, networks = _monthly(qs, filters)
    duration_rows, duration_total = _durations(qs)
    outcome_rows = _outcomes(qs, now)
    ground_rows = _grounds(qs)
    assets = asset_report(actor=actor, group_by=GroupBy.STATE, currency=filters.currency, within=_asset_scope(filters))

    codes = set(duration_rows) | set(outcome_rows) | {k for tab in (requesting, requested) for (_m, k) in tab.cells}
    countries = {code: str(c) for code, c in Country.objects.in_bulk(codes).items()}
    network_ids = [int(k) for (_m, k) in networks.cells if k != NO_NETWORK]
    network_labels = {str(pk): net.acronym for pk, net in Network.objects.in_bulk(network_ids).items()}
    grounds = RefusalGround.objects.in_bulk([pk for pk, _n in ground_rows])

    requesting.labels = requested.labels = countries
    networks.labels = {**network_labels, NO_NETWORK: _("(no network)")}
    durations = sorted((DurationRow(s, countries.get(s, s), *values) for s, values in duration_rows.items()), key=_by_label)
    outcomes = sorted((OutcomeRow(s, countries.get(s, s), *values) for s, values in outcome_rows.items()), key=_by_label)
    totals = [sum(values[i] for values in outcome_rows.values()) for i in range(3)]
    return Statistics(
        filters=filters,
        per_month=per_month,
        by_requesting_state=requesting,
        by_requested_state=requested,
        by_network=networks,
        durations=durations,
        duration_total=DurationRow("", _("All requested states"), *duration_total),
        outcomes=outcomes,
        outcome_total=OutcomeRow("", _("All requested states"), *totals),
        grounds=sorted(
            (GroundRow(grounds[pk].code, str(grounds[pk]), n) for pk, n in ground_rows), key=lambda g: (-g.refused, g.label)
        ),
        assets=assets,
    )
