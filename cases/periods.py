"""A JIT's period in the coordinating party's time zone: the agreement's dates are that state's calendar dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def jit_zone(jit) -> ZoneInfo:
    cached = jit.__dict__.get("_zone")
    if cached is None:
        party = jit.parties.filter(coordinating=True).select_related("country").first()
        name = party.country.time_zone if party and party.country.time_zone else settings.TIME_ZONE
        cached = ZoneInfo(name)
        jit.__dict__["_zone"] = cached
    return cached


def local_today(jit, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(jit_zone(jit)).date()


def end_moment(jit, end_date: date | None = None) -> datetime:
    """The team expires at the end of its last day: midnight after `end_date`, local time."""
    last_day = end_date or jit.end_date
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=jit_zone(jit))


def has_expired(jit, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= end_moment(jit)
