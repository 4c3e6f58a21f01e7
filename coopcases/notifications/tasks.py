"""Delivery tasks (queue `deliveries`) take a row id and the attempt number they are for; the retry sweeps
(queue `sweeps`) find due rows and enqueue them. Every task re-reads its row and exits if the work is done."""

import logging

from django.utils import timezone

from coopcases.celery import MUST_NOT_LOSE, SWEEP, app
from coopcases.core.context import Door, acting
from coopcases.events.enqueue import enqueue
from coopcases.notifications.emails import digests_send, emails_due, notification_email_send
from coopcases.notifications.models import DeliveryStatus, WebhookDelivery
from coopcases.notifications.webhooks import webhook_deliver, webhooks_deliver_due

logger = logging.getLogger(__name__)


@app.task(name="notifications.deliver_webhook", soft_time_limit=60, time_limit=90, **MUST_NOT_LOSE)
def deliver_webhook(delivery_id: int, attempt: int) -> None:
    with acting(Door.TASK):
        webhook_deliver(delivery_id=delivery_id, attempt=attempt)


@app.task(name="notifications.deliver_webhooks", soft_time_limit=120, time_limit=150, **MUST_NOT_LOSE)
def deliver_webhooks() -> None:
    """Deliver every due webhook in batches for up to 30 s, then hand the rest to a continuation message.
    Several of these may run at once: their claims take disjoint rows."""
    with acting(Door.TASK):
        result = webhooks_deliver_due(budget_seconds=30)
    if result.more:
        enqueue(deliver_webhooks)


@app.task(name="notifications.send_email", soft_time_limit=60, time_limit=90, **MUST_NOT_LOSE)
def send_email(notification_id: int, attempt: int) -> None:
    with acting(Door.TASK):
        notification_email_send(notification_id=notification_id, attempt=attempt)


@app.task(name="notifications.retry_webhooks", soft_time_limit=25, time_limit=30, **SWEEP)
def retry_webhooks() -> None:
    """Beat's safety net: start the batch sender when anything is due (after a broker outage, a lost message, a
    retry wait or a dead worker's lease)."""
    due = WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=timezone.now()
    )
    if due.exists():
        enqueue(deliver_webhooks)


@app.task(name="notifications.retry_emails", soft_time_limit=50, time_limit=60, **SWEEP)
def retry_emails(limit: int = 500) -> None:
    for notification_id, attempt in emails_due(limit=limit):
        enqueue(send_email, notification_id, attempt)


@app.task(name="notifications.send_digests", soft_time_limit=1800, time_limit=1900, **SWEEP)
def send_digests() -> None:
    with acting(Door.TASK):
        sent = digests_send()
    logger.info("daily digests sent: %s", sent)
