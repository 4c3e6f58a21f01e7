from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ValidationFailed
from coopcases.deadlines.models import DeadlineKind, DeadlineKindSetting, DeadlineReminder, DeadlineState
from coopcases.deadlines.services import deadline_open, deadlines_close, deadlines_pause, deadlines_resume
from coopcases.deadlines.sweeps import ESCALATION_OFFSET, sweep_reminders
from coopcases.events.models import Event
from tests.factories import bare_mla_request
from tests.notifications.factories import open_deadline

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def events(deadline, event_type=None):
    qs = Event.objects.filter(object_type="deadlines.deadline", object_id=str(deadline.pk)).order_by("sequence")
    return list(qs.filter(event_type=event_type) if event_type else qs)


def test_nothing_is_sent_before_the_first_offset():
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=72), offsets=[48, 24])
    assert deadline.next_reminder_at == deadline.due_at - timedelta(hours=48)

    assert sweep_reminders(now=NOW).reminders == 0
    assert events(deadline) == []


def test_each_offset_is_reminded_once_in_turn():
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=72), offsets=[48, 24])

    first = NOW + timedelta(hours=25)  # 47 h before due: the 48 h offset is reached
    assert sweep_reminders(now=first).reminders == 1
    assert sweep_reminders(now=first).reminders == 0  # a repeated sweep sends nothing
    deadline.refresh_from_db()
    assert deadline.next_reminder_at == deadline.due_at - timedelta(hours=24)

    sweep_reminders(now=NOW + timedelta(hours=49))
    reminders = events(deadline, "deadline.reminder")
    assert [e.data["offset_hours"] for e in reminders] == [48, 24]
    assert set(deadline.reminders.values_list("offset_hours", flat=True)) == {48, 24}
    deadline.refresh_from_db()
    assert deadline.next_reminder_at == deadline.due_at  # next: the escalation moment
    assert reminders[0].data["kind"] == DeadlineKind.OTHER and reminders[0].actor is None


def test_offsets_reached_while_the_sweep_was_down_give_one_reminder_naming_the_most_urgent():
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=72), offsets=[48, 24, 4])

    sweep_reminders(now=NOW + timedelta(hours=70))  # 2 h before due: all three offsets passed
    (reminder,) = events(deadline, "deadline.reminder")
    assert reminder.data["offset_hours"] == 4
    assert reminder.data["skipped_offsets_hours"] == [24, 48]
    assert deadline.reminders.count() == 3


def test_offsets_before_the_clock_started_are_not_sent():
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[48, 4], started_ago=timedelta(hours=1))

    sweep_reminders(now=NOW + timedelta(hours=7))
    (reminder,) = events(deadline, "deadline.reminder")
    assert reminder.data["offset_hours"] == 4
    assert not deadline.reminders.filter(offset_hours=48).exists()


def test_a_passed_due_moment_marks_the_deadline_missed_and_escalates_once():
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=1), offsets=[])

    result = sweep_reminders(now=NOW + timedelta(hours=2))
    assert result.missed == 1
    assert sweep_reminders(now=NOW + timedelta(hours=3)).claimed == 0

    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.MISSED
    assert deadline.escalated_at == NOW + timedelta(hours=2)
    assert deadline.next_reminder_at is None
    assert [e.event_type for e in events(deadline)] == ["deadline.missed", "deadline.escalated"]
    missed = events(deadline, "deadline.missed")[0]
    assert (missed.from_state, missed.to_state) == ("open", "missed")
    assert deadline.reminders.get().offset_hours == ESCALATION_OFFSET
    assert AuditEntry.objects.filter(action="deadline.missed", object_id=str(deadline.pk)).count() == 1


def test_a_late_close_keeps_the_missed_record_and_dates_the_act():
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=1), offsets=[])
    sweep_reminders(now=NOW + timedelta(hours=2))

    assert deadlines_close(subject=deadline.subject, at=NOW + timedelta(hours=5)) == 1
    deadline.refresh_from_db()
    assert (deadline.state, deadline.closed_at) == (DeadlineState.MISSED, NOW + timedelta(hours=5))


def test_a_paused_clock_is_not_reminded_and_resumes_with_the_time_it_had_left():
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=72), offsets=[48, 24])
    subject = deadline.subject
    assert deadlines_pause(subject=subject, at=NOW + timedelta(hours=10)) == 1

    assert sweep_reminders(now=NOW + timedelta(hours=100)).claimed == 0  # long past the old due moment
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.PAUSED and deadline.next_reminder_at is None

    resumed_at = NOW + timedelta(hours=100)
    assert deadlines_resume(subject=subject, at=resumed_at) == 1
    deadline.refresh_from_db()
    assert deadline.due_at == NOW + timedelta(hours=72 + 90)  # paused for 90 hours
    assert deadline.next_reminder_at == deadline.due_at - timedelta(hours=48)

    sweep_reminders(now=deadline.due_at - timedelta(hours=47))
    assert [e.data["offset_hours"] for e in events(deadline, "deadline.reminder")] == [48]
    assert deadline.reminders.count() == 1


def test_closed_deadlines_are_not_swept():
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=1), offsets=[])
    deadlines_close(subject=deadline.subject, at=NOW)

    assert sweep_reminders(now=NOW + timedelta(days=3)).claimed == 0
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.MET


def test_deadline_open_takes_the_offsets_set_in_the_admin_for_its_kind():
    DeadlineKindSetting.objects.update_or_create(kind=DeadlineKind.FREEZE_RENEWAL, defaults={"reminder_offsets_hours": [100, 10]})
    deadline = deadline_open(
        subject=bare_mla_request(), kind=DeadlineKind.FREEZE_RENEWAL, label="Renew the freezing order",
        trigger_at=NOW, due_at=NOW + timedelta(days=30),
    )
    assert deadline.reminder_offsets_hours == [100, 10]

    explicit = deadline_open(
        subject=bare_mla_request(), kind=DeadlineKind.FREEZE_RENEWAL, label="No reminders",
        trigger_at=NOW, due_at=NOW + timedelta(days=30), reminder_offsets_hours=[],
    )
    assert explicit.reminder_offsets_hours == []


def test_offsets_must_be_positive_whole_hours():
    with pytest.raises(ValidationFailed) as caught:
        open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[24, -1])
    assert caught.value.problems[0].name == "reminder_offsets_hours"


@pytest.mark.usefixtures("default_rules")
def test_the_kind_settings_are_seeded_with_the_defaults():
    assert DeadlineKindSetting.objects.get(kind=DeadlineKind.MLA_RESPONSE).reminder_offsets_hours == [336, 168, 24]


def test_a_sweep_that_dies_mid_batch_leaves_the_work_for_the_next_one(monkeypatch):
    from coopcases.deadlines import sweeps

    deadline = open_deadline(now=NOW, due_in=timedelta(hours=72), offsets=[48])
    real_emit = sweeps.event_emit_many

    class WorkerDied(Exception):
        pass

    def emit_then_die(**kwargs):
        real_emit(**kwargs)
        raise WorkerDied

    monkeypatch.setattr(sweeps, "event_emit_many", emit_then_die)
    with pytest.raises(WorkerDied):
        sweep_reminders(now=NOW + timedelta(hours=30))
    assert not DeadlineReminder.objects.filter(deadline=deadline).exists()
    assert events(deadline) == []

    monkeypatch.setattr(sweeps, "event_emit_many", real_emit)
    assert sweep_reminders(now=NOW + timedelta(hours=30)).reminders == 1
    assert len(events(deadline, "deadline.reminder")) == 1


def test_batches_continue_until_a_short_one():
    deadlines = [open_deadline(now=NOW, due_in=timedelta(hours=1), offsets=[]) for _ in range(5)]

    result = sweep_reminders(now=NOW + timedelta(hours=2), batch=2)
    assert (result.claimed, result.missed, result.batches) == (5, 5, 3)
    assert all(d.reminders.count() == 1 for d in deadlines)


def test_max_batches_bounds_one_run():
    for _ in range(5):
        open_deadline(now=NOW, due_in=timedelta(hours=1), offsets=[])

    assert sweep_reminders(now=NOW + timedelta(hours=2), batch=2, max_batches=1).claimed == 2
    assert sweep_reminders(now=NOW + timedelta(hours=2), batch=2).claimed == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's partial index")
def test_the_claim_query_reads_the_partial_index_not_the_table():
    from django.contrib.contenttypes.models import ContentType

    from coopcases.deadlines.models import Deadline
    from coopcases.deadlines.sweeps import claim_query

    subject = bare_mla_request()
    ct = ContentType.objects.get_for_model(subject)
    Deadline.objects.bulk_create(
        Deadline(content_type=ct, object_id=str(subject.pk), kind=DeadlineKind.OTHER, label=f"closed {i}",
                 trigger_at=NOW - timedelta(days=60), due_at=NOW - timedelta(days=1), state=DeadlineState.MET)
        for i in range(5000)
    )
    for _ in range(3):
        open_deadline(now=NOW, due_in=timedelta(hours=1), offsets=[])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deadlines_deadline")

    with transaction.atomic():
        plan = claim_query(NOW + timedelta(hours=2), 500).explain()
    assert "deadline_reminder_due_idx" in plan
    assert "Seq Scan" not in plan
    assert "LockRows" in plan
    assert "FOR UPDATE SKIP LOCKED" in str(claim_query(NOW, 500).query)


def test_a_batch_writes_one_reminder_and_one_event_per_deadline_in_bulk(django_capture_on_commit_callbacks, monkeypatch):
    """The set-based path: a reminder row per offset, one event per deadline (next in its sequence, with its id for
    the after-commit dispatch), one missed + escalated pair per passed clock, and the next moments written."""
    from coopcases.events import services as event_services

    dispatched = []
    monkeypatch.setattr(event_services, "_after_commit_hooks", [dispatched.append])
    reminded = [open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[48, 24]) for _ in range(30)]
    missed = [open_deadline(now=NOW, due_in=timedelta(hours=-1), offsets=[]) for _ in range(10)]

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_reminders(now=NOW, batch=25)

    assert (result.claimed, result.reminders, result.missed) == (40, 30, 10)
    for deadline in reminded:
        deadline.refresh_from_db()
        (event,) = events(deadline)
        assert (event.event_type, event.sequence, event.data["offset_hours"], event.data["skipped_offsets_hours"]) == (
            "deadline.reminder", 1, 24, [48])  # both offsets passed at once: one reminder naming the most urgent
        assert sorted(deadline.reminders.values_list("offset_hours", flat=True)) == [24, 48]
        assert deadline.next_reminder_at == deadline.due_at  # next: the escalation
    for deadline in missed:
        deadline.refresh_from_db()
        assert [(e.event_type, e.sequence) for e in events(deadline)] == [("deadline.missed", 1), ("deadline.escalated", 2)]
        assert (deadline.state, deadline.next_reminder_at) == (DeadlineState.MISSED, None)
    all_events = Event.objects.filter(object_type="deadlines.deadline")
    assert sorted(dispatched) == sorted(all_events.values_list("pk", flat=True)) and len(dispatched) == 50
    assert sweep_reminders(now=NOW).claimed == 0  # exactly once: a repeat finds nothing


def test_the_statements_of_a_sweep_do_not_grow_with_the_batch():
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (2, 40):
        for _ in range(size):
            open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[24])
        with CaptureQueriesContext(connection) as queries:
            assert sweep_reminders(now=NOW, batch=100).reminders == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
