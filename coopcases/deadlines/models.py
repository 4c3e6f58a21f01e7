"""One deadline mechanism for every due date: MLA responses, EU legal limits, JIT expiry, freezing orders…

Due dates live here, in indexed rows that periodic sweeps read; never in Celery ETA tasks.
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    MLA_RESPONSE = "mla_response", _("Response to an MLA request")
    LEGAL_LIMIT = "legal_limit", _("Legal time limit")
    ORAL_CONFIRMATION = "oral_confirmation", _("Written confirmation of an oral request")
    JIT_EXPIRY = "jit_expiry", _("JIT expiry")
    FREEZE_RENEWAL = "freeze_renewal", _("Freezing order renewal")
    ACTION_ITEM = "action_item", _("Action-plan item")
    OTHER = "other", _("Other")


DEFAULT_REMINDER_OFFSETS_HOURS = {
    DeadlineKind.MLA_RESPONSE: [14 * 24, 7 * 24, 24],
    DeadlineKind.LEGAL_LIMIT: [7 * 24, 2 * 24, 24, 4],
    DeadlineKind.ORAL_CONFIRMATION: [24, 4],
    DeadlineKind.JIT_EXPIRY: [30 * 24, 14 * 24, 7 * 24],
    DeadlineKind.FREEZE_RENEWAL: [30 * 24, 14 * 24, 7 * 24, 24],
    DeadlineKind.ACTION_ITEM: [7 * 24, 24],
    DeadlineKind.OTHER: [7 * 24, 24],
}


def validate_offsets(value) -> None:
    if not isinstance(value, list) or not all(isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in value):
        raise ValidationError(_("Give a list of positive whole hours before the due moment, e.g. [336, 168, 24]."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Each offset may appear only once."))


class DeadlineState(models.TextChoices):
    OPEN = "open", _("open")
    PAUSED = "paused", _("paused")
    MET = "met", _("met")
    MISSED = "missed", _("missed")
    CANCELLED = "cancelled", _("cancelled")


class Deadline(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="deadlines")
    kind = models.CharField(max_length=20, choices=DeadlineKind.choices)
    rule = models.ForeignKey("networks.DeadlineRule", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=300)
    is_legal_limit = models.BooleanField(default=False, help_text="Only rules of law; requested dates and SLAs never are")
    responsible_authority = models.ForeignKey(
        "networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines",
        help_text="The authority that must act before the due moment",
    )
    calendar_country = models.ForeignKey(
        "networks.Country", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Whose holidays and time zone count",
    )
    trigger_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_total_seconds = models.PositiveBigIntegerField(default=0)
    reminder_offsets_hours = models.JSONField(default=list, blank=True, validators=[validate_offsets], help_text="Hours before the due moment to remind")
    next_reminder_at = models.DateTimeField(null=True, blank=True, help_text="Earliest reminder still to send")
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # For sync clients (`updated_since`); bulk writes (sweeps, closing missed clocks, reassignment) set it explicitly.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="deadline_subject_idx"),
            # Sweeps read only what is due: these partial indexes keep them independent of table size.
            models.Index(fields=["next_reminder_at"], condition=Q(state="open", next_reminder_at__isnull=False), name="deadline_reminder_due_idx"),
            models.Index(fields=["due_at"], condition=Q(state="open"), name="deadline_open_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(due_at__gte=models.F("trigger_at")), name="deadline_due_after_trigger"),
            models.CheckConstraint(condition=~Q(state="paused") | Q(paused_at__isnull=False), name="deadline_paused_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.label} — {self.due_at:%Y-%m-%d %H:%M} ({self.state})"


class DeadlineReminder(models.Model):
    """One row per reminder sent: the unique constraint makes a second send impossible."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    offset_hours = models.IntegerField(help_text="Hours before due; a negative value marks the escalation after it")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deadline", "offset_hours"], name="deadline_reminder_once")]

    def __str__(self) -> str:
        return f"{self.deadline_id} @{self.offset_hours}h"


class DeadlineKindSetting(models.Model):
    """Default reminder offsets per kind of deadline, editable in the admin; deadline_open copies them."""

    kind = models.CharField(max_length=20, choices=DeadlineKind.choices, unique=True)
    reminder_offsets_hours = models.JSONField(
        default=list, validators=[validate_offsets],
        help_text=_("Hours before the due moment at which to remind, e.g. [336, 168, 24] for 14, 7 and 1 days"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("deadline kind setting")

    def __str__(self) -> str:
        return self.get_kind_display()
