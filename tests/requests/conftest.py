from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.requests.factories import build_world

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


class Clock:
    """`timezone.now()` for the test: fixed, moved on explicitly."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> datetime:
        self.at += timedelta(**delta)
        return self.at

    def set(self, at: datetime) -> datetime:
        self.at = at
        return at


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    c = Clock(START)
    monkeypatch.setattr(timezone, "now", c)
    return c


@pytest.fixture
def world(db):
    return build_world()
