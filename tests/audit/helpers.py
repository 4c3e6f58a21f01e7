"""Test-only tools: step around the append-only triggers as the database superuser, and rewind the clock."""

import contextlib
from datetime import timedelta

from django.db import connection
from django.utils import timezone


@contextlib.contextmanager
def append_only_triggers_disabled():
    """What an attacker with the table owner's or superuser's rights could do; the tests use it to tamper."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_append_only")
        try:
            yield cursor
        finally:
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_append_only")


@contextlib.contextmanager
def clock_at(monkeypatch, moment):
    """Make django.utils.timezone.now() answer `moment` (audit_record and the middleware read it)."""
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def years_ago(years: int):
    return timezone.now() - timedelta(days=365 * years + 1)
