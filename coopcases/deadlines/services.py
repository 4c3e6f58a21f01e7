"""Opening, pausing, resuming and closing deadlines. Called inside the owning service's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone

from coopcases.audit.services import object_ref
from coopcases.core.exceptions import FieldProblem, ValidationFailed
from coopcases.deadlines.calendar import compute_due, shift_after_pause
from coopcases.deadlines.models import (
    DEFAULT_REMINDER_OFFSETS_HOURS,
    Deadline,
    DeadlineKindSetting,
    DeadlineState,
    validate_offsets,
)
from networks.models import DeadlineUnit

OPEN_STATES = (DeadlineState.OPEN, DeadlineState.PAUSED)


def next_reminder_at(deadline: Deadline, sent: set[int] | None = None) -> datetime | None:
    """The earliest reminder moment not yet sent (the sweep's index key); past-due → the escalation moment.

    `sent`: the offsets already sent, when the caller has them (the sweep reads them for a whole batch at once).
    """
    if sent is None:
        sent = set(deadline.reminders.values_list("offset_hours", flat=True)) if deadline.pk else set()
    moments = [
        deadline.due_at - timedelta(hours=h)
        for h in sorted(deadline.reminder_offsets_hours, reverse=True)
        if h not in sent and deadline.due_at - timedelta(hours=h) > deadline.trigger_at
    ]
    if -1 not in sent:
        moments.append(deadline.due_at)  # escalation when missed
    return min(moments) if moments else None


def default_reminder_offsets(kind: str) -> list[int]:
    """The admin's offsets for this kind (DeadlineKindSetting), else the built-in defaults."""
    setting = DeadlineKindSetting.objects.filter(kind=kind).values_list("reminder_offsets_hours", flat=True).first()
    return list(setting if setting is not None else DEFAULT_REMINDER_OFFSETS_HOURS.get(kind, []))


def deadline_open(
    *,
    subject,
    kind: str,
    label: str,
    trigger_at: datetime,
    due_at: datetime | None = None,
    rule=None,
    responsible_authority=None,
    calendar_country=None,
    reminder_offsets_hours: list[int] | None = None,
) -> Deadline:
    """Open a deadline on `subject`: from a rule (period computed) or an explicit due moment (requested date)."""
    if due_at is None:
        if rule is None or rule.period is None:
            raise ValidationFailed(f"Deadline '{label}' needs a due date or a rule with a period.")
        due_at = compute_due(trigger_at, rule.period, rule.unit, calendar_country, rule.roll_forward)
    if due_at < trigger_at:
        raise ValidationFailed(f"Deadline '{label}' would be due before it starts.")
    offsets = list(reminder_offsets_hours) if reminder_offsets_hours is not None else default_reminder_offsets(kind)
    try:
        validate_offsets(offsets)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            f"Deadline '{label}': invalid reminder offsets.",
            [FieldProblem("reminder_offsets_hours", " ".join(exc.messages))],
        ) from exc
    _, _, case_id = object_ref(subject)
    deadline = Deadline(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        case_id=case_id,
        kind=kind,
        rule=rule,
        label=label,
        is_legal_limit=bool(rule and rule.is_legal_limit),
        responsible_authority=responsible_authority,
        calendar_country=calendar_country,
        trigger_at=trigger_at,
        due_at=due_at,
        reminder_offsets_hours=offsets,
    )
    deadline.next_reminder_at = next_reminder_at(deadline)
    deadline.save()
    return deadline


def _open_deadlines_of(subject, kinds=None, rules=None):
    # of=("self",): callers add select_related on nullable relations (rule), which PostgreSQL cannot lock.
    qs = Deadline.objects.select_for_update(of=("self",)).filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk), state__in=OPEN_STATES
    )
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if rules is not None:
        qs = qs.filter(rule__in=rules)
    return qs


def deadlines_pause(*, subject, kinds=None, at: datetime | None = None) -> int:
    """Stop the clocks of `subject` (e.g. additional information requested, UNTOC 18(16))."""
    at = at or timezone.now()
    count = 0
    for d in _open_deadlines_of(subject, kinds).filter(state=DeadlineState.OPEN):
        d.state, d.paused_at, d.next_reminder_at = DeadlineState.PAUSED, at, None
        d.save(update_fields=["state", "paused_at", "next_reminder_at", "updated_at"])
        count += 1
    return count


def deadlines_resume(*, subject, kinds=None, at: datetime | None = None) -> int:
    """Restart paused clocks with the time they had left when paused."""
    at = at or timezone.now()
    count = 0
    for d in _open_deadlines_of(subject, kinds).filter(state=DeadlineState.PAUSED).select_related("rule", "calendar_country"):
        paused_for = at - d.paused_at
        unit = d.rule.unit if d.rule else DeadlineUnit.HOURS
        roll = bool(d.rule and d.rule.roll_forward)
        d.due_at = shift_after_pause(d.due_at, paused_for, unit, d.calendar_country, roll)
        d.paused_total_seconds += int(paused_for.total_seconds())
        d.state, d.paused_at = DeadlineState.OPEN, None
        d.next_reminder_at = next_reminder_at(d)
        d.save()
        count += 1
    return count


def deadlines_close(*, subject, state: str = DeadlineState.MET, kinds=None, rules=None, at: datetime | None = None) -> int:
    """Close the open clocks of `subject` as met (the act was done) or cancelled (no longer needed).

    `rules` narrows the closing to the clocks of those rules (e.g. only the acknowledgement limit).
    A clock the sweep already marked missed is closed too (closed_at records when the act came) and stays missed.
    """
    at = at or timezone.now()
    count = 0
    missed = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk),
        state=DeadlineState.MISSED, closed_at__isnull=True,
    )
    missed = missed.filter(kind__in=kinds) if kinds else missed
    missed = missed.filter(rule__in=rules) if rules is not None else missed
    count += missed.update(closed_at=at, updated_at=timezone.now())
    for d in _open_deadlines_of(subject, kinds, rules):
        final = state
        if state == DeadlineState.MET and d.due_at < at:
            final = DeadlineState.MISSED  # done, but late: the record says so
        d.state, d.closed_at, d.next_reminder_at = final, at, None
        d.save(update_fields=["state", "closed_at", "next_reminder_at", "updated_at"])
        count += 1
    return count


def deadline_extend(*, deadline: Deadline, due_at: datetime, reason: str) -> Deadline:
    if not reason.strip():
        raise ValidationFailed("An extension needs a reason.")
    if due_at <= deadline.due_at:
        raise ValidationFailed("An extension must move the due date later.")
    deadline.due_at, deadline.extension_reason = due_at, reason
    deadline.next_reminder_at = next_reminder_at(deadline)
    deadline.save()
    return deadline


def deadlines_reassign(*, subject, responsible_authority, kinds=None) -> int:
    """Hand the open clocks of `subject` to another authority (e.g. a JIT's leader replaced)."""
    return _open_deadlines_of(subject, kinds).update(responsible_authority=responsible_authority, updated_at=timezone.now())
