"""The clocks of a request: requested dates, service levels and EU legal limits, with holidays, pauses and closing."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from coopcases.deadlines.models import Deadline, DeadlineKind, DeadlineState
from coopcases.deadlines.selectors import deadlines_of
from requests import services
from requests.models import MeasureStatus, MlaRequestKind
from requests.models import MlaRequestState as S
from requests.selectors import mla_request_deadline_summary
from tests.requests.factories import (
    EU_EXTRA,
    advance,
    complete_draft,
    drafter,
    executor,
    informal_enquiry,
    requested_ca,
    requesting_ca,
    step,
)


def _end_of(day: date, zone: str) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=ZoneInfo(zone))


def _by_rule(req):
    return {d.rule.code if d.rule else d.kind: d for d in deadlines_of(req)}


def _eio_transmitted(world, clock, at: datetime):
    clock.set(at - timedelta(days=1))
    req = advance(world, complete_draft(world, "ES", kind=MlaRequestKind.EIO, measures=("SEARCH_SEIZURE",)), S.APPROVED)
    clock.set(at)
    return step(req, "transmit", requesting_ca(world, req))


def test_eio_limits_follow_the_portuguese_calendar(world, clock):
    # Transmitted Tuesday 24 Nov 2026: one week later is 1 December, Portugal's Restoration of Independence
    # holiday, so the acknowledgement limit rolls to the 2nd (Reg. 1182/71 art. 3(4)).
    req = _eio_transmitted(world, clock, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    clocks = _by_rule(req)
    assert set(clocks) == {"EIO_ACK", "EIO_RECOGNITION"}
    assert clocks["EIO_ACK"].due_at == _end_of(date(2026, 12, 2), "Europe/Lisbon")
    assert clocks["EIO_RECOGNITION"].due_at == _end_of(date(2026, 12, 24), "Europe/Lisbon")
    assert all(d.is_legal_limit and d.kind == DeadlineKind.LEGAL_LIMIT for d in clocks.values())
    assert clocks["EIO_ACK"].responsible_authority.code == "pt-pgr" and clocks["EIO_ACK"].calendar_country_id == "PT"


def test_acknowledgement_meets_its_limit_and_recognition_starts_execution(world, clock):
    req = _eio_transmitted(world, clock, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    req = step(req, "acknowledge", requested_ca(world, req))
    assert _by_rule(req)["EIO_ACK"].state == DeadlineState.MET
    assert _by_rule(req)["EIO_RECOGNITION"].state == DeadlineState.OPEN
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    req = step(req, "assign_executing_authority", requested_ca(world, req), executing_authority="pt-dciap")
    clocks = _by_rule(req)
    assert clocks["EIO_RECOGNITION"].state == DeadlineState.MET
    assert clocks["EIO_EXECUTION"].due_at == _end_of(date(2027, 3, 10), "Europe/Lisbon")
    assert clocks["EIO_EXECUTION"].responsible_authority.code == "pt-dciap"


def test_additional_information_pauses_and_resumes_every_clock(world, clock):
    req = _eio_transmitted(world, clock, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    req = step(req, "acknowledge", requested_ca(world, req))
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    req = step(req, "assign_executing_authority", requested_ca(world, req), executing_authority="pt-dciap")
    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    req = step(req, "request_additional_information", requested_ca(world, req), "The address of the premises")
    execution = _by_rule(req)["EIO_EXECUTION"]
    assert execution.state == DeadlineState.PAUSED
    clock.set(datetime(2026, 12, 27, 9, 0, tzinfo=UTC))
    summary = mla_request_deadline_summary(req)
    assert summary.paused and summary.time_left == execution.due_at - datetime(2026, 12, 20, 9, 0, tzinfo=UTC)  # frozen while paused
    req = step(req, "provide_additional_information", drafter(world, req), "Rua Augusta 1, Lisboa")
    execution.refresh_from_db()
    assert execution.state == DeadlineState.OPEN
    assert execution.due_at == _end_of(date(2027, 3, 17), "Europe/Lisbon")  # seven days later
    assert execution.paused_total_seconds == 7 * 24 * 3600


def test_postponement_pauses_the_clocks_too(world, clock):
    req = _eio_transmitted(world, clock, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    req = step(req, "acknowledge", requested_ca(world, req))
    req = step(req, "open_consultation", requested_ca(world, req), "Ongoing proceedings in Lisbon")
    req = step(req, "postpone", requested_ca(world, req), "Ongoing proceedings", ground="ONGOING_PROCEEDINGS")
    assert _by_rule(req)["EIO_RECOGNITION"].state == DeadlineState.PAUSED
    clock.advance(days=5)
    req = step(req, "resume_execution", requested_ca(world, req), executing_authority="pt-dciap")
    clocks = _by_rule(req)
    assert clocks["EIO_RECOGNITION"].state == DeadlineState.MET and clocks["EIO_EXECUTION"].state == DeadlineState.OPEN


def test_urgent_freezing_48_hours_plus_48_hours(world, clock):
    req = complete_draft(
        world, "ES", kind=MlaRequestKind.FREEZING_CERTIFICATE, legal_bases=["REG2018_1805"], measures=("FREEZE",),
        urgent=True, urgency_reason="The funds are being moved abroad",
        additional_content={**EU_EXTRA, "property_description": "Account PT50 0002 0123 1234 5678 9015 4"},
    )
    req = advance(world, req, S.ACKNOWLEDGED)
    transmitted = req.transmitted_at
    assert _by_rule(req)["FREEZE_URGENT_DECISION"].due_at == transmitted + timedelta(hours=48)
    clock.advance(hours=10)
    req = step(req, "assign_executing_authority", requested_ca(world, req), executing_authority="pt-dciap")
    assert _by_rule(req)["FREEZE_URGENT_EXECUTION"].due_at == clock.at + timedelta(hours=48)


def test_non_eu_requests_get_the_requested_date_never_a_legal_limit(world, clock):
    req = complete_draft(world, requested_due_date=date(2026, 6, 30), due_reason="The trial opens on 1 July")
    req = advance(world, req, S.TRANSMITTED)
    (response,) = deadlines_of(req)
    assert response.kind == DeadlineKind.MLA_RESPONSE and not response.is_legal_limit
    assert response.due_at == _end_of(date(2026, 6, 30), "Europe/Madrid")
    assert "not a legal limit" in response.label and "The trial opens on 1 July" in response.label
    summary = mla_request_deadline_summary(req)
    assert (summary.due_at, summary.overdue, summary.is_legal_limit) == (response.due_at, False, False)
    clock.set(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    summary = mla_request_deadline_summary(req)
    assert summary.overdue and summary.time_left < timedelta(0)


def test_network_service_level_counts_working_days_of_the_requested_state(world, clock):
    # Friday 24 April 2026 in Montevideo; 1 May is a holiday in Uruguay: ten working days end on Monday 11 May.
    clock.set(datetime(2026, 4, 24, 15, 0, tzinfo=UTC))
    req = informal_enquiry(world, network="rfai")
    req = step(req, "send_informal", world.user("magistrate:ar-procelac"))
    (sla,) = deadlines_of(req)
    assert sla.rule.code == "RFAI_SLA" and not sla.is_legal_limit
    assert sla.due_at == _end_of(date(2026, 5, 11), "America/Montevideo")


def test_answer_closes_the_clocks_and_a_late_one_stays_missed(world, clock):
    req = complete_draft(world, requested_due_date=date(2026, 3, 20), due_reason="Detention ends")
    req = advance(world, req, S.IN_EXECUTION)
    clock.set(datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    measure = req.measures.get()
    services.measure_record_outcome(measure_pk=measure.pk, actor=executor(world, req), status=MeasureStatus.EXECUTED, outcome="Sent")
    step(req, "execute", executor(world, req))
    assert [d.state for d in deadlines_of(req)] == [DeadlineState.MISSED]


def test_withdrawal_cancels_the_clocks(world, clock):
    req = complete_draft(world, requested_due_date=date(2026, 6, 30), due_reason="Trial")
    req = advance(world, req, S.ACKNOWLEDGED)
    step(req, "withdraw", drafter(world, req), "The suspect confessed")
    assert [d.state for d in deadlines_of(req)] == [DeadlineState.CANCELLED]
    assert mla_request_deadline_summary(req).due_at is None


def test_a_date_already_past_at_transmission_is_due_at_once(world, clock):
    req = advance(world, complete_draft(world, requested_due_date=date(2026, 3, 3), due_reason="Hearing"), S.APPROVED)
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    req = step(req, "transmit", requesting_ca(world, req))
    deadline = Deadline.objects.get(object_id=str(req.pk))
    assert deadline.due_at == clock.at and mla_request_deadline_summary(req, now=clock.at + timedelta(seconds=1)).overdue
