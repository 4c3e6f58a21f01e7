"""Data retention: per record kind, a period after closure, then purge or pseudonymise (RetentionPolicy rows).

Each app that owns a kind registers a handler in its `retention.py` (imported at start-up by the audit app):

    register_retention_handler(RetentionHandler(
        object_type="mla.mlarequest",
        expired=lambda cutoff: MlaRequest.objects.filter(closed_at__lt=cutoff, pseudonymised_at__isnull=True),
        pseudonymise=mla_request_scrub,   # obj -> dict naming what was scrubbed (never the values)
    ))

`retention_apply` walks the active policies, asks each handler for what expired, and handles each record in
its own transaction with one audit row, so a failure leaves the rest done and the next run continues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast

from coopcases.audit.models import RetentionPolicy
from coopcases.audit.services import audit_record
from coopcases.events.models import Event


@dataclass(frozen=True)
class RetentionHandler:
    object_type: str
    expired: Callable[[datetime], models.QuerySet]  # records closed before the cutoff and not handled yet
    pseudonymise: Callable[[models.Model], dict] | None = None
    purge: Callable[[models.Model], dict] | None = None


_handlers: dict[str, RetentionHandler] = {}


def register_retention_handler(handler: RetentionHandler) -> RetentionHandler:
    _handlers[handler.object_type] = handler
    return handler


def closed_before(qs: models.QuerySet, *, closed_state: str, cutoff: datetime) -> models.QuerySet:
    """Records of `qs` in `closed_state` whose last move into it (their status-history event) is before `cutoff`.

    The closure date comes from the event log, which every workflow writes in the transition's transaction, so the
    domain tables need no column of their own; a record reopened and closed again counts from its last closure.
    """
    closures = Event.objects.filter(
        object_type=qs.model._meta.label_lower, object_id=Cast(OuterRef("pk"), CharField()), to_state=closed_state
    )
    return qs.filter(Exists(closures.filter(at__lt=cutoff))).exclude(Exists(closures.filter(at__gte=cutoff)))


def retention_handler(object_type: str) -> RetentionHandler | None:
    return _handlers.get(object_type)


@dataclass
class RetentionReport:
    done: dict[str, int] = field(default_factory=dict)  # object type -> records handled
    unhandled: list[str] = field(default_factory=list)  # policies without a handler able to do their action


def _apply_one(*, actor, handler: RetentionHandler, policy: RetentionPolicy, cutoff: datetime, pk) -> bool:
    act = getattr(handler, policy.action)
    with transaction.atomic():
        obj = handler.expired(cutoff).select_for_update().filter(pk=pk).first()
        if obj is None:  # handled meanwhile by another run
            return False
        object_id = str(obj.pk)
        summary = act(obj)
        audit_record(
            actor=actor, action=policy.action, object_type=policy.object_type, object_id=object_id, after=summary,
            reason=f"retention: {policy.get_action_display()} {policy.days_after_closure} days after closure ({policy.source})",
        )
    return True


def retention_apply(*, now: datetime, actor=None, batch_size: int = 500) -> RetentionReport:
    """Purge or pseudonymise what has passed its retention period; at most `batch_size` records per kind per run."""
    report = RetentionReport()
    for policy in RetentionPolicy.objects.filter(active=True):
        handler = retention_handler(policy.object_type)
        if handler is None or getattr(handler, policy.action) is None:
            report.unhandled.append(policy.object_type)
            continue
        cutoff = now - timedelta(days=policy.days_after_closure)
        due = list(handler.expired(cutoff).order_by("pk").values_list("pk", flat=True)[:batch_size])
        report.done[policy.object_type] = sum(
            _apply_one(actor=actor, handler=handler, policy=policy, cutoff=cutoff, pk=pk) for pk in due
        )
    return report

