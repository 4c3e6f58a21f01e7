"""A small hand-built data set for the statistics, every figure worked out by hand in `dataset`'s docstring.

Rows are written directly (not through the workflow) so that every timestamp is exactly the one the figures need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from assets.models import Asset, OrderKind
from cases.models import Case
from coopcases.deadlines.models import Deadline, DeadlineKind, DeadlineState
from coopcases.events.models import Event
from requests.models import DecisionKind, MlaRequest, MlaRequestState, RequestDecision
from tests.assets.factories import AssetFactory, OrderFactory, RateFactory
from tests.requests.factories import World, build_world

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
S = MlaRequestState


def at(y, m, d, hour=9) -> datetime:
    return datetime(y, m, d, hour, 0, tzinfo=UTC)


@dataclass
class Dataset:
    w: World
    requests: dict[str, MlaRequest] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)

    @property
    def es_officer(self):
        return self.w.user("ca:es-mjusticia")

    @property
    def us_officer(self):
        return self.w.user("ca:us-doj-oia")

    @property
    def auditor(self):
        return self.w.user("auditor:uy-accji")


_sequence = iter(range(1, 10_000))


def _request(w: World, origin: str, requested: str, state: str, transmitted_at: datetime | None, network: str | None = None) -> MlaRequest:
    authority = {"PE": "pe-fecor", "BR": "br-mpf-sp", "AR": "ar-procelac", "CO": "co-fgn-ddr"}[origin]
    central = {"ES": "es-mjusticia", "US": "us-doj-oia"}[requested]
    number = next(_sequence)
    return MlaRequest.objects.create(
        reference=f"T-{number:05d}", reference_year=2026, reference_sequence=number, title=f"Request {number}",
        requesting_authority=w.authorities[authority], requesting_state_id=origin, requested_state_id=requested,
        requested_central_authority=w.authorities[central], channel_network=w.networks[network] if network else None,
        language="es", state=state, created_by=w.user(f"magistrate:{authority}"),
        submitted_at=transmitted_at - timedelta(days=2) if transmitted_at else None, transmitted_at=transmitted_at,
    )


def _event(req: MlaRequest, action: str, to_state: str, when: datetime, sequence: int) -> None:
    Event.objects.create(
        at=when, event_type=f"mla_request.{action}", object_type="mla.mlarequest", object_id=str(req.pk), sequence=sequence,
        actor_repr="test", door="ui", to_state=to_state,
    )


def _executed(req: MlaRequest, days: float, *, closed: bool = False) -> None:
    _event(req, "execute", S.EXECUTED, req.transmitted_at + timedelta(days=days), 1)
    if closed:
        _event(req, "close", S.CLOSED, req.transmitted_at + timedelta(days=days + 1), 2)


def _clock(req: MlaRequest, state: str, due_at: datetime) -> None:
    Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(MlaRequest), object_id=str(req.pk), kind=DeadlineKind.MLA_RESPONSE,
        label="Response", trigger_at=req.transmitted_at, due_at=due_at, state=state,
    )


def _refused(w: World, req: MlaRequest, *grounds: str) -> None:
    decision = RequestDecision.objects.create(
        request=req, kind=DecisionKind.REFUSAL, reasons="Refused", decided_by=w.user("ca:es-mjusticia"),
        authority=w.authorities["es-mjusticia"], decided_at=req.transmitted_at + timedelta(days=5),
    )
    decision.grounds.set([w.grounds[g] for g in grounds])


def dataset() -> Dataset:
    """Requests (period January–March 2026; `now` 2026-04-01):

    key  requesting→requested  transmitted   network  outcome
    r1   PE→ES                 2026-01-05    IberRed  executed after 10 days, then closed
    r2   PE→ES                 2026-01-20    —        executed after 20 days
    r3   PE→ES                 2026-02-03    IberRed  executed after 40 days
    r4   PE→ES                 2026-02-10    —        executed after 30 days
    r5   BR→ES                 2026-03-01    —        refused (essential interests + no dual criminality); clock missed
    r6   AR→ES                 2026-03-15    —        in execution; clock open, due 2026-03-25 (overdue)
    r7   PE→ES                 2026-03-20    —        in execution; clock open, due 2026-05-01 (not overdue)
    u1   CO→US                 2026-02-01    —        executed after 5 days            (not visible to Spain)
    u2   CO→US                 2026-03-02    —        refused (tax offence)            (not visible to Spain)
    old  PE→ES                 2025-11-10    —        executed after 1 day             (before the period)
    dft  PE→ES                 never         —        draft                            (not transmitted)

    Spain's central authority: 7 requests (Jan 2, Feb 2, Mar 3); requesting PE 5, BR 1, AR 1; IberRed 2, none 5;
    ES times [10, 20, 30, 40] days: median 25, p90 37 (30 + 0.7 × 10); overdue 2 of 7; refused 1.
    The auditor adds u1 and u2: 9 requests (Jan 2, Feb 3, Mar 4); US [5]: median 5, p90 5; all states
    [5, 10, 20, 30, 40]: median 20, p90 36 (30 + 0.6 × 10); grounds: essential interests 1, no dual criminality 1,
    tax offence 1.

    Assets (rate: 1 EUR = 1.10 USD from 2024-01-01), recorded (created) on the date shown:
    a1  Spain's case  in ES  1 000 EUR  identified             2026-01-10
    a2  Spain's case  in ES  2 200 USD  frozen (= 2 000 EUR)   2026-02-10  traced through CARIN
    a3  Spain's case  in PT  3 000 EUR  confiscated            2026-02-11
    a4  Spain's case  in ES  4 000 EUR  returned (realised 2 500 EUR)  2026-03-01
    a5  Spain's case  in ES    999 EUR  identified             2025-12-01  (before the period)
    a6  Colombia's    in ES    777 EUR  identified             2026-01-15  (not visible to Spain)
    Spain: identified 10 000, frozen 9 000 (a2, a3, a4), confiscated 7 000 (a3, a4), returned 2 500.
    """
    w = build_world()
    d = Dataset(w)
    r = d.requests
    r["r1"] = _request(w, "PE", "ES", S.CLOSED, at(2026, 1, 5), "iberred")
    r["r2"] = _request(w, "PE", "ES", S.EXECUTED, at(2026, 1, 20))
    r["r3"] = _request(w, "PE", "ES", S.EXECUTED, at(2026, 2, 3), "iberred")
    r["r4"] = _request(w, "PE", "ES", S.EXECUTED, at(2026, 2, 10))
    r["r5"] = _request(w, "BR", "ES", S.REFUSED, at(2026, 3, 1))
    r["r6"] = _request(w, "AR", "ES", S.IN_EXECUTION, at(2026, 3, 15))
    r["r7"] = _request(w, "PE", "ES", S.IN_EXECUTION, at(2026, 3, 20))
    r["u1"] = _request(w, "CO", "US", S.EXECUTED, at(2026, 2, 1))
    r["u2"] = _request(w, "CO", "US", S.REFUSED, at(2026, 3, 2))
    r["old"] = _request(w, "PE", "ES", S.EXECUTED, at(2025, 11, 10))
    r["dft"] = _request(w, "PE", "ES", S.DRAFT, None)
    _executed(r["r1"], 10, closed=True)
    _executed(r["r2"], 20)
    _executed(r["r3"], 40)
    _executed(r["r4"], 30)
    _executed(r["u1"], 5)
    _executed(r["old"], 1)
    _refused(w, r["r5"], "ESSENTIAL_INTERESTS", "NO_DUAL_CRIMINALITY")
    _refused(w, r["u2"], "TAX_OFFENCE")
    _clock(r["r5"], DeadlineState.MISSED, at(2026, 3, 10))
    _clock(r["r6"], DeadlineState.OPEN, at(2026, 3, 25))
    _clock(r["r7"], DeadlineState.OPEN, at(2026, 5, 1))
    _clock(r["r2"], DeadlineState.MET, at(2026, 3, 1))

    RateFactory(currency="USD", date=date(2024, 1, 1), rate=Decimal("1.10"))
    es_case = Case.objects.create(national_reference="ES-1", title="Operación Puerto", lead_authority=w.authorities["es-mjusticia"])
    co_case = Case.objects.create(national_reference="CO-1", title="Operación Río", lead_authority=w.authorities["co-fgn"])
    es, pt = w.countries["ES"], w.countries["PT"]
    a = d.assets
    a["a1"] = AssetFactory(case=es_case, location_state=es, estimated_amount=Decimal("1000.00"))
    a["a2"] = AssetFactory(case=es_case, location_state=es, estimated_amount=Decimal("2200.00"), estimated_currency="USD", frozen=True)
    a["a3"] = AssetFactory(case=es_case, location_state=pt, estimated_amount=Decimal("3000.00"), confiscated=True)
    a["a4"] = AssetFactory(
        case=es_case, location_state=es, estimated_amount=Decimal("4000.00"), realised=True, realised_amount=Decimal("2500.00"),
        returned_at=at(2026, 3, 20), state="returned",
    )
    a["a5"] = AssetFactory(case=es_case, location_state=es, estimated_amount=Decimal("999.00"))
    a["a6"] = AssetFactory(case=co_case, location_state=es, estimated_amount=Decimal("777.00"))
    OrderFactory(asset=a["a2"], kind=OrderKind.TRACING_ENQUIRY, network=w.networks["carin"], issuing_authority=None, executing_state=None)
    recorded = {"a1": at(2026, 1, 10), "a2": at(2026, 2, 10), "a3": at(2026, 2, 11), "a4": at(2026, 3, 1), "a5": at(2025, 12, 1), "a6": at(2026, 1, 15)}
    for key, when in recorded.items():
        Asset.objects.filter(pk=a[key].pk).update(created_at=when)
    return d
