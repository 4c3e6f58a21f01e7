"""Computing due moments: hours, calendar days or working days of the state that must act.

Rules follow Reg. (EEC, Euratom) 1182/71 Art. 3 where they say so (domain.md §2.2): a period in days does not
count the day of the event and ends at the end of its last day; with `roll_forward`, a last day that is a
Saturday, Sunday or public holiday moves to the end of the next working day. Periods in hours run from the event.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from networks.models import DeadlineUnit

END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=256)
def _library_holidays(calendar_code: str, year: int) -> frozenset[date]:
    if not calendar_code:
        return frozenset()
    try:
        return frozenset(holidays_lib.country_holidays(calendar_code, years=year).keys())
    except NotImplementedError:
        return frozenset()


class StateCalendar:
    """Working days of one state: weekends, the `holidays` library, then the admin's overrides."""

    def __init__(self, country=None):
        self.country = country
        self.zone = ZoneInfo(country.time_zone) if country and country.time_zone else ZoneInfo("UTC")
        self.code = (country.holiday_calendar if country else "") or ""
        self._overrides = (
            {o.date: o.is_holiday for o in country.holiday_overrides.all()}
            if country is not None and not country._state.adding
            else {}
        )

    def is_holiday(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        return day in _library_holidays(self.code, day.year)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def end_of(self, day: date) -> datetime:
        return datetime.combine(day, END_OF_DAY, tzinfo=self.zone)


def compute_due(trigger_at: datetime, period: int, unit: str, country=None, roll_forward: bool = False) -> datetime:
    """The due moment of a period of `period` `unit`s starting at `trigger_at`, in the acting state's calendar."""
    cal = StateCalendar(country)
    if unit == DeadlineUnit.HOURS:
        return trigger_at + timedelta(hours=period)
    local_day = trigger_at.astimezone(cal.zone).date()
    if unit == DeadlineUnit.CALENDAR_DAYS:
        last = local_day + timedelta(days=period)
        if roll_forward:
            last = cal.next_working_day(last)
        return cal.end_of(last)
    if unit == DeadlineUnit.WORKING_DAYS:
        return cal.end_of(cal.add_working_days(local_day, period))
    raise ValueError(f"unit {unit!r} has no computable period")


def shift_after_pause(due_at: datetime, paused_for: timedelta, unit: str, country=None, roll_forward: bool = False) -> datetime:
    """A clock paused for `paused_for` resumes with the same time left; day periods keep whole days."""
    cal = StateCalendar(country)
    if unit in (DeadlineUnit.CALENDAR_DAYS, DeadlineUnit.WORKING_DAYS):
        days = paused_for.days + (1 if paused_for.seconds or paused_for.microseconds else 0)
        local_last = due_at.astimezone(cal.zone).date()
        if unit == DeadlineUnit.WORKING_DAYS:
            return cal.end_of(cal.add_working_days(local_last, days))
        last = local_last + timedelta(days=days)
        return cal.end_of(cal.next_working_day(last) if roll_forward else last)
    return due_at + paused_for
