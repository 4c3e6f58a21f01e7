"""Events: the status history of every object and the transactional outbox in one table.

A service writes an Event in its own transaction; the dispatcher (notifications app) delivers it after
commit and again from a periodic sweep, so a broker outage loses nothing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Event(models.Model):
    at = models.DateTimeField(db_index=True)
    event_type = models.CharField(max_length=80, db_index=True, help_text="<object kind>.<action>, e.g. mla_request.approve")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField(help_text="1, 2, 3… per object: a gapless chain")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_repr = models.CharField(max_length=300)
    authority = models.ForeignKey("networks.Authority", null=True, on_delete=models.SET_NULL, related_name="+")
    door = models.CharField(max_length=10)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatch_attempts = models.PositiveIntegerField(default=0)
    dispatch_error = models.TextField(blank=True, help_text="Why the last dispatch failed; set with dispatched_at when given up")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "object_id", "sequence"], name="event_gapless_sequence"),
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id", "sequence"], name="event_object_idx"),
            models.Index(fields=["case", "-at"], name="event_case_timeline_idx"),
            models.Index(fields=["at"], condition=Q(dispatched_at__isnull=True), name="event_undispatched_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_type}:{self.object_id} #{self.sequence}"
