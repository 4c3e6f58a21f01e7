"""Worker killed mid-task: a Celery worker (main process and pool children) is SIGKILLed while it delivers
webhooks, and while it sweeps deadlines. A new worker starts; the beat ticks are played by hand, with the clock
moved past the attempt leases the dead worker held. Then every reminder exists exactly once and the partner has
applied every event exactly once (it deduplicates on webhook-id; retransmissions are counted, not applied)."""

import random
import signal
import time

import pytest
from django.db.models import Q

from coopcases.deadlines.tasks import sweep_reminders_task
from coopcases.events.dispatch import events_dispatch_pending
from coopcases.events.tasks import dispatch_pending
from tests.faults.harness import wait_until
from tests.faults.scenarios import (
    all_delivered,
    due_deadlines,
    expire_leases,
    grace_passed,
    ledger,
    partner_subscription,
    pump,
    reminders_once,
    undispatched,
)

pytestmark = [pytest.mark.ephemeral, pytest.mark.xdist_group("faults")]
PARTNER_EVENTS = Q(event_type__startswith="deadline.") | Q(event_type__startswith="mla_request.")


def recover(deadline_ids, timeout=120):
    """Beat, played by hand: sweeps and outbox relay through the broker, lease expiry for stuck attempts."""

    def tick():
        sweep_reminders_task.apply_async()
        dispatch_pending.apply_async()
        events_dispatch_pending(now=grace_passed())
        expire_leases()

    pump(lambda: not reminders_once(deadline_ids)[0] and undispatched() == 0 and all_delivered(), timeout=timeout, tick=tick)


@pytest.mark.parametrize("kill", [signal.SIGKILL])
def test_a_worker_killed_while_delivering_webhooks_loses_and_doubles_nothing(
    fresh_db, broker, receiver, partner_visibility, workers, kill
):
    receiver.mode, receiver.delay = "slow", 0.3
    partner_subscription(receiver.url)
    deadline_ids = [d.pk for d in due_deadlines(12)]
    first = workers.start("first")
    sweep_reminders_task.apply_async()
    # Kill once the partner has seen some deliveries and others are still in the worker's hands.
    wait_until(lambda: len(receiver.received) >= random.randint(2, 5) or not first.alive(), timeout=90, what="first deliveries")
    assert first.alive(), first.tail()
    first.kill(kill)
    receiver.mode = "ok"
    workers.start("second")
    recover(deadline_ids)

    missing, doubled = reminders_once(deadline_ids)
    assert (missing, doubled) == ([], [])
    result = ledger(receiver, PARTNER_EVENTS)
    assert len(result.expected) == len(deadline_ids)
    assert result.clean, result


def test_a_worker_killed_while_sweeping_sends_each_reminder_once(fresh_db, broker, receiver, partner_visibility, workers):
    partner_subscription(receiver.url)
    deadline_ids = [d.pk for d in due_deadlines(150)]
    first = workers.start("first", concurrency=1)
    sweep_reminders_task.apply_async(kwargs={"batch": 5, "max_batches": 1000})
    from coopcases.deadlines.models import DeadlineReminder

    # Mid-sweep: some batches committed, others not yet.
    wait_until(lambda: DeadlineReminder.objects.count() >= random.randint(10, 60), timeout=90, what="sweep under way")
    first.kill(signal.SIGKILL)
    swept_before_kill = DeadlineReminder.objects.count()
    assert swept_before_kill < len(deadline_ids), "the sweep ended before the kill: nothing was tested"
    time.sleep(0.5)
    workers.start("second")
    recover(deadline_ids)

    missing, doubled = reminders_once(deadline_ids)
    assert (missing, doubled) == ([], [])
    result = ledger(receiver, PARTNER_EVENTS)
    assert result.clean, result
