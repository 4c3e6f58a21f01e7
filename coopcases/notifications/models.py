"""Who is told what, and through which channel: rules, the in-app inbox, e-mail state, signed webhooks.

Every side effect is keyed by the event: one Notification per (event, user), one WebhookDelivery per
(event, subscription). Dispatching an event again therefore creates nothing new.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coopcases.core.exceptions import ValidationFailed


class Channel(models.TextChoices):
    INBOX = "inbox", _("in-app inbox")
    EMAIL = "email", _("e-mail")


class EmailFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("immediately")
    DAILY_DIGEST = "daily_digest", _("in a daily digest")


def _as_django_error(exc: ValidationFailed) -> ValidationError:
    return ValidationError([p.reason for p in exc.problems] or [exc.detail])


class NotificationRule(models.Model):
    """Per event type, the recipient keys told and through which channels (webhooks go to subscriptions)."""

    name = models.CharField(_("name"), max_length=200)
    event_type = models.CharField(
        _("event type"), max_length=100, help_text=_("An exact event type (mla_request.approve) or a prefix (deadline.*)")
    )
    data_match = models.JSONField(
        _("event data must contain"), default=dict, blank=True,
        help_text=_('Only events whose data has these values, e.g. {"kind": "jit_expiry"}'),
    )
    recipient_keys = models.JSONField(_("recipient keys"), default=list, help_text=_("e.g. [\"drafter\"]"))
    channels = models.JSONField(_("channels"), default=list, help_text=_('Any of ["inbox", "email"]'))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["event_type", "name"]
        indexes = [models.Index(fields=["event_type"], condition=Q(active=True), name="notifrule_active_type_idx")]
        verbose_name = _("notification rule")

    def __str__(self) -> str:
        return f"{self.event_type} → {', '.join(self.recipient_keys)}"

    def clean(self):
        from coopcases.events.registry import check_event_type_patterns
        from coopcases.notifications.recipients import known_recipient_keys

        errors = {}
        try:
            check_event_type_patterns([self.event_type], field="event_type")
        except ValidationFailed as exc:
            errors["event_type"] = _as_django_error(exc)
        keys = known_recipient_keys()
        if not isinstance(self.recipient_keys, list) or not self.recipient_keys or not set(self.recipient_keys) <= keys:
            errors["recipient_keys"] = ValidationError(_("Give a list of known keys: %(keys)s") % {"keys": ", ".join(sorted(keys))})
        if not isinstance(self.channels, list) or not self.channels or not set(self.channels) <= set(Channel.values):
            errors["channels"] = ValidationError(_("Give a list of channels among: inbox, email"))
        if not isinstance(self.data_match, dict):
            errors["data_match"] = ValidationError(_("Give an object of field names and values"))
        if errors:
            raise ValidationError(errors)

    def applies_to(self, event) -> bool:
        return all(event.data.get(k) == v for k, v in self.data_match.items())


class NotificationPreference(models.Model):
    """A user's channels and e-mail rhythm; without a row, both channels, immediately."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    channels = models.JSONField(_("channels"), default=list, help_text=_('Any of ["inbox", "email"]'))
    email_frequency = models.CharField(
        _("e-mail"), max_length=20, choices=EmailFrequency.choices, default=EmailFrequency.IMMEDIATE
    )

    class Meta:
        verbose_name = _("notification preference")

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.channels)} ({self.email_frequency})"

    def clean(self):
        if not isinstance(self.channels, list) or not set(self.channels) <= set(Channel.values):
            raise ValidationError({"channels": _("Give a list of channels among: inbox, email")})


class EmailStatus(models.TextChoices):
    NONE = "none", _("not by e-mail")
    PENDING = "pending", _("to send")
    DIGEST = "digest", _("waiting for the digest")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Notification(models.Model):
    """One event told to one user: an inbox entry and the state of its e-mail."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event_type = models.CharField(max_length=80)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(max_length=500, blank=True)
    in_inbox = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="notification_once_per_event_user")]
        indexes = [
            models.Index(fields=["user", "-created_at"], condition=Q(in_inbox=True), name="notif_inbox_idx"),
            models.Index(fields=["user"], condition=Q(in_inbox=True, read_at__isnull=True), name="notif_unread_idx"),
            models.Index(fields=["email_next_attempt_at"], condition=Q(email_status="pending"), name="notif_email_due_idx"),
            models.Index(fields=["user"], condition=Q(email_status="digest"), name="notif_digest_idx"),
        ]
        verbose_name = _("notification")

    def __str__(self) -> str:
        return f"{self.user} · {self.title}"


class WebhookSubscription(models.Model):
    """A partner system's endpoint: the event types it wants, signed with its own secrets."""

    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_subscriptions",
        help_text=_("The partner's service account: events are sent only about objects it may see"),
    )
    authority = models.ForeignKey("networks.Authority", on_delete=models.PROTECT, related_name="webhook_subscriptions")
    target_url = models.URLField(_("target URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list, help_text=_('e.g. ["mla_request.approve", "deadline.*"]'))
    active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, help_text=_("Rises with every change; the API's ETag"))

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["created_at"], condition=Q(active=True), name="webhooksub_active_idx")]
        verbose_name = _("webhook subscription")

    def __str__(self) -> str:
        return f"{self.name} → {self.target_url}"

    def wants(self, event_type: str) -> bool:
        from coopcases.events.registry import matches

        return any(matches(p, event_type) for p in self.event_types)


class WebhookSecret(models.Model):
    """A signing secret (`whsec_…`). During a rotation the old one stays valid until `valid_until`: both sign."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True, help_text=_("Empty: the current secret"))

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subscription", "valid_until"], name="webhooksecret_validity_idx")]
        verbose_name = _("webhook secret")

    def __str__(self) -> str:
        return self.hint

    @property
    def hint(self) -> str:
        return f"{self.secret[:10]}…"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("dead (no more retries)")


class WebhookDelivery(models.Model):
    """One event to one subscription; retried from `next_attempt_at` until it succeeds or dies."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="webhook_deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(max_length=64, help_text=_("Stable message id (webhook-id): receivers deduplicate on it"))
    body = models.TextField(help_text=_("The exact JSON sent on every attempt"))
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)  # attempts whose outcome was recorded
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # An attempt is in flight until then; once past, its worker was lost and the attempt is made again, uncounted.
    leased_until = models.DateTimeField(null=True, blank=True)
    lost_attempts = models.PositiveSmallIntegerField(default=0)  # attempts whose worker died before an outcome
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=["pending", "failed"]), name="webhook_delivery_due_idx"
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub_idx"),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.webhook_id} → {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """Every HTTP attempt of a delivery, kept for the delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["delivery", "at", "id"]
        verbose_name = _("webhook attempt")

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"
