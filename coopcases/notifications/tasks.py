"""Delivery tasks (queue `deliveries`) take a row id and the attempt number they are for; the retry sweeps
(queue `sweeps`) find due rows and enqueue them. Every task re-reads its row and exits if the work is done."""

import logging

from coopcases.celery import MUST_NOT_LOSE, SWEEP, app
from coopcases.core.context import Door, acting
from coopcases.events.enqueue import enqueue
from coopcases.notifications.emails import digests_send, emails_due, notification_email_send
from coopcases.notifications.webhooks import webhook_deliver, webhooks_due

logger = logging.getLogger(__name__)


@app.task(name="notifications.deliver_webhook", soft_time_limit=60, time_limit=90, **MUST_NOT_LOSE)
def deliver_webhook(delivery_id: int, attempt: int) -> None:
    with acting(Door.TASK):
        webhook_deliver(delivery_id=delivery_id, attempt=attempt)


@app.task(name="notifications.send_email", soft_time_limit=60, time_limit=90, **MUST_NOT_LOSE)
def send_email(notification_id: int, attempt: int) -> None:
    with acting(Door.TASK):
        notification_email_send(notification_id=notification_id, attempt=attempt)


@app.task(name="notifications.retry_webhooks", soft_time_limit=25, time_limit=30, **SWEEP)
def retry_webhooks(limit: int = 500) -> None:
    for delivery_id, attempt in webhooks_due(limit=limit):
        enqueue(deliver_webhook, delivery_id, attempt)


@app.task(name="notifications.retry_emails", soft_time_limit=50, time_limit=60, **SWEEP)
def retry_emails(limit: int = 500) -> None:
    for notification_id, attempt in emails_due(limit=limit):
        enqueue(send_email, notification_id, attempt)


@app.task(name="notifications.send_digests", soft_time_limit=1800, time_limit=1900, **SWEEP)
def send_digests() -> None:
    with acting(Door.TASK):
        sent = digests_send()
    logger.info("daily digests sent: %s", sent)
