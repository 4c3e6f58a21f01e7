from datetime import UTC, datetime, timedelta

from coopcases.deadlines.calendar import compute_due, shift_after_pause
from networks.models import Country, DeadlineUnit


def spain():
    return Country(code="ES", code3="ESP", name_en="Spain", time_zone="Europe/Madrid", holiday_calendar="ES")


def test_hours_run_from_the_event():
    start = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assert compute_due(start, 48, DeadlineUnit.HOURS, spain()) == start + timedelta(hours=48)


def test_calendar_days_exclude_the_event_day_and_end_at_end_of_last_day():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday
    due = compute_due(start, 7, DeadlineUnit.CALENDAR_DAYS, spain())
    assert due.date().isoformat() == "2026-03-09"
    assert (due.hour, due.minute) == (23, 59)


def test_roll_forward_moves_a_sunday_to_monday():
    start = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)  # Saturday; +1 day = Sunday 1 March
    due = compute_due(start, 1, DeadlineUnit.CALENDAR_DAYS, spain(), roll_forward=True)
    assert due.date().isoformat() == "2026-03-02"


def test_roll_forward_skips_a_national_holiday():
    # 12 October is Spain's national day (a Monday in 2026): a period ending then rolls to Tuesday.
    start = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
    due = compute_due(start, 10, DeadlineUnit.CALENDAR_DAYS, spain(), roll_forward=True)
    assert due.date().isoformat() == "2026-10-13"


def test_working_days_skip_weekends_and_holidays():
    start = datetime(2026, 10, 9, 9, 0, tzinfo=UTC)  # Friday before the 12 October holiday
    due = compute_due(start, 2, DeadlineUnit.WORKING_DAYS, spain())
    assert due.date().isoformat() == "2026-10-14"  # Tue 13, Wed 14


def test_pause_keeps_whole_days_left():
    due = datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC)
    shifted = shift_after_pause(due, timedelta(days=3, hours=2), DeadlineUnit.CALENDAR_DAYS, spain())
    assert shifted.date().isoformat() == "2026-03-13"
