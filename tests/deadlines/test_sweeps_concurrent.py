"""Two sweeps at once on PostgreSQL: SKIP LOCKED gives them disjoint rows; nobody is reminded twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from coopcases.deadlines.models import DeadlineReminder
from coopcases.deadlines.sweeps import sweep_reminders
from coopcases.events.models import Event
from tests.factories import AuthorityFactory
from tests.notifications.factories import open_deadline

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED"),
]


def test_two_concurrent_sweeps_and_a_repeat_send_each_reminder_and_escalation_once(settings):
    settings.EVENTS_DISPATCH_ON_COMMIT = False  # this test is about the sweep, not the broker
    now = timezone.now()
    authority = AuthorityFactory()
    reminded = [open_deadline(now=now, due_in=timedelta(hours=10), offsets=[24], responsible=authority) for _ in range(40)]
    missed = [open_deadline(now=now, due_in=timedelta(hours=-1), offsets=[], responsible=authority) for _ in range(40)]
    start = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            start.wait(timeout=10)
            results.append(sweep_reminders(now=now, batch=7))
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sum(r.reminders for r in results) == len(reminded)
    assert sum(r.missed for r in results) == len(missed)
    assert sweep_reminders(now=now).claimed == 0  # the repeat finds nothing left
    assert DeadlineReminder.objects.count() == len(reminded) + len(missed)
    counts = {t: Event.objects.filter(event_type=t).count() for t in ("deadline.reminder", "deadline.missed", "deadline.escalated")}
    assert counts == {"deadline.reminder": 40, "deadline.missed": 40, "deadline.escalated": 40}
