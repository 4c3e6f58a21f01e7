"""Append-only, hash-chained audit log. Rows are never updated or deleted by the application.

PostgreSQL enforces it: triggers refuse UPDATE, DELETE and TRUNCATE of `audit_auditentry`; the only way
rows leave is `audit_purge_before(cutoff)`, which removes entries past the retention period (at least three
years) and writes an `AuditPurge` row that anchors the rest of the chain (migration 0002).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coopcases.core.models import Sourced


class AuditEntry(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_repr = models.CharField(max_length=300)
    authority_id = models.BigIntegerField(null=True, db_index=True)
    on_behalf_of = models.CharField(max_length=200, blank=True)
    door = models.CharField(max_length=10)
    ip = models.GenericIPAddressField(null=True)
    request_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=30, db_index=True, help_text="create, update, transition, view, export, disclose, purge…")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    case_id = models.BigIntegerField(null=True, db_index=True)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    reason = models.TextField(blank=True)
    purpose = models.TextField(blank=True, help_text="Stated purpose for reads and disclosures of confidential data")
    outcome = models.CharField(max_length=20, default="success")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_type}:{self.object_id}"


class AuditPurge(models.Model):
    """Written only by the database function `audit_purge_before`: the anchor of the chain that remains."""

    at = models.DateTimeField()
    cutoff = models.DateTimeField(help_text=_("Entries older than this were removed"))
    purged_count = models.PositiveIntegerField()
    last_purged_id = models.BigIntegerField()
    last_purged_hash = models.CharField(max_length=64, help_text=_("The oldest kept entry's prev_hash must equal this"))
    db_user = models.CharField(max_length=100, help_text=_("Database role that ran the purge"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit purge")
        verbose_name_plural = _("audit purges")

    def __str__(self) -> str:
        return f"purge #{self.pk} of {self.purged_count} entries before {self.cutoff:%Y-%m-%d}"


class RetentionAction(models.TextChoices):
    PURGE = "purge", _("purge (delete)")
    PSEUDONYMISE = "pseudonymise", _("pseudonymise (scrub personal data, keep the record)")


class RetentionPolicy(Sourced):
    """How long a kind of record is kept after it is closed, and what happens then. A legal fact: data, sourced."""

    object_type = models.CharField(
        _("record kind"), max_length=60, unique=True, help_text=_("app_label.model, e.g. mla.mlarequest")
    )
    days_after_closure = models.PositiveIntegerField(_("days after closure"))
    action = models.CharField(max_length=20, choices=RetentionAction.choices)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["object_type"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.CheckConstraint(condition=Q(object_type__regex=r"^[a-z0-9_]+\.[a-z0-9_]+$"), name="retention_object_type_label"),
            models.CheckConstraint(condition=Q(action__in=RetentionAction.values), name="retention_action_known"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type}: {self.get_action_display()} {self.days_after_closure} days after closure"
