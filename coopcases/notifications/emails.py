"""E-mail: one message per notification (immediate) or one digest a day, in the recipient's language.

Templates: `notifications/email/<event type>.subject.txt` and `.body.txt`, falling back to `generic.*`.
Sending is claimed like a webhook attempt: the attempt is counted and leased in one committed transaction, the
message sent outside any transaction, the outcome recorded in another. A message carries the attempt number it
is for, so a duplicate message, or one redelivered after its worker died, finds nothing to claim.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string, select_template
from django.utils import timezone, translation

from coopcases.notifications.models import EmailStatus, Notification

logger = logging.getLogger(__name__)

EMAIL_RETRY_DELAYS = (
    timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6),
)
MAX_EMAIL_ATTEMPTS = len(EMAIL_RETRY_DELAYS) + 1
EMAIL_LEASE = timedelta(minutes=5)  # a claimed send not finished by then (worker died) is retried by the sweep
DIGEST_MAX_ITEMS = 200


def object_url(obj) -> str:
    target = getattr(obj, "subject", None) if obj._meta.label_lower == "deadlines.deadline" else obj
    get_url = getattr(target, "get_absolute_url", None)
    return f"{settings.SITE_URL.rstrip('/')}{get_url()}" if callable(get_url) else ""


def _context(event, obj, user=None) -> dict:
    return {
        "event": event,
        "data": event.data,
        "object": obj,
        "object_label": str(obj) if obj is not None else f"{event.object_type} {event.object_id}",
        "object_url": object_url(obj) if obj is not None else "",
        "user": user,
        "site_url": settings.SITE_URL,
    }


def _render(event, part: str, context: dict) -> str:
    template = select_template([f"notifications/email/{event.event_type}.{part}.txt", f"notifications/email/generic.{part}.txt"])
    return template.render(context).strip()


def notification_title(event, obj) -> str:
    """The one-line subject, in the active language: the inbox title and the e-mail subject."""
    return " ".join(_render(event, "subject", _context(event, obj)).split())[:300]


def render_email(notification: Notification, obj) -> tuple[str, str]:
    user = notification.user
    with translation.override(user.message_language):
        context = _context(notification.event, obj, user)
        return notification_title(notification.event, obj), _render(notification.event, "body", context)


def _claim(notification_id: int, attempt: int, now: datetime) -> Notification | None:
    skip = connection.features.has_select_for_update_skip_locked
    with transaction.atomic(durable=True):
        notification = (
            Notification.objects.select_for_update(skip_locked=skip)
            .filter(pk=notification_id, email_status=EmailStatus.PENDING, email_attempts=attempt - 1)
            .first()
        )
        if notification is None:
            return None
        notification.email_attempts = attempt
        notification.email_next_attempt_at = now + EMAIL_LEASE
        notification.save(update_fields=["email_attempts", "email_next_attempt_at"])
    return notification


def notification_email_send(*, notification_id: int, attempt: int, now: datetime | None = None) -> bool | None:
    """Send attempt number `attempt` of this notification's e-mail: True sent, False failed, None nothing to do."""
    from coopcases.notifications.fanout import load_object

    now = now or timezone.now()
    if _claim(notification_id, attempt, now) is None:
        return None
    notification = Notification.objects.select_related("user", "event").get(pk=notification_id)
    error = ""
    try:
        subject, body = render_email(notification, load_object(notification.event))
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])
    except Exception as exc:  # SMTP, DNS and template errors alike: recorded, retried, then marked failed
        error = f"{exc.__class__.__name__}: {exc}"[:2000]
        logger.warning("e-mail of notification %s, attempt %s failed: %s", notification_id, attempt, error)
    with transaction.atomic(durable=True):
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.email_attempts != attempt or notification.email_status != EmailStatus.PENDING:
            return not error
        if not error:
            notification.email_status, notification.email_sent_at, notification.email_next_attempt_at = EmailStatus.SENT, timezone.now(), None
        elif attempt >= MAX_EMAIL_ATTEMPTS:
            notification.email_status, notification.email_next_attempt_at = EmailStatus.FAILED, None
        else:
            delay = EMAIL_RETRY_DELAYS[attempt - 1] * random.uniform(1.0, 1.25)
            notification.email_next_attempt_at = timezone.now() + delay
        notification.email_error = error
        notification.save(update_fields=["email_status", "email_sent_at", "email_next_attempt_at", "email_error"])
    return not error


def emails_due(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """(notification id, next attempt number) of e-mails due, leased so that the next sweep does not repeat them;
    an e-mail whose last attempt never finished is failed here once attempts are used up."""
    now = now or timezone.now()
    skip = connection.features.has_select_for_update_skip_locked
    due = []
    with transaction.atomic(durable=True):
        rows = list(
            Notification.objects.select_for_update(skip_locked=skip)
            .filter(email_status=EmailStatus.PENDING, email_next_attempt_at__lte=now)
            .order_by("email_next_attempt_at")[:limit]
        )
        for n in rows:
            if n.email_attempts >= MAX_EMAIL_ATTEMPTS:
                n.email_status, n.email_next_attempt_at = EmailStatus.FAILED, None
                n.email_error = n.email_error or "no outcome recorded for the last attempt (worker lost)"
            else:
                n.email_next_attempt_at = now + EMAIL_LEASE
                due.append((n.pk, n.email_attempts + 1))
            n.save(update_fields=["email_status", "email_next_attempt_at", "email_error"])
    return due


def digests_send(*, now: datetime | None = None) -> int:
    """One e-mail per user listing the notifications waiting for the digest; returns the number of e-mails sent.

    Each user's digest is one transaction: its rows are locked, the message sent, the rows marked sent. A failed
    send rolls back and waits for the next run.
    """
    now = now or timezone.now()
    skip = connection.features.has_select_for_update_skip_locked
    user_ids = list(Notification.objects.filter(email_status=EmailStatus.DIGEST).values_list("user_id", flat=True).distinct())
    sent = 0
    for user_id in user_ids:
        try:
            with transaction.atomic(durable=True):
                rows = list(
                    Notification.objects.select_for_update(skip_locked=skip, of=("self",))
                    .filter(user_id=user_id, email_status=EmailStatus.DIGEST)
                    .select_related("user")
                    .order_by("created_at")[:DIGEST_MAX_ITEMS]
                )
                if not rows:
                    continue
                user = rows[0].user
                with translation.override(user.message_language):
                    context = {"user": user, "notifications": rows, "site_url": settings.SITE_URL}
                    subject = " ".join(render_to_string("notifications/email/digest.subject.txt", context).split())
                    body = render_to_string("notifications/email/digest.body.txt", context).strip()
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
                Notification.objects.filter(pk__in=[n.pk for n in rows]).update(email_status=EmailStatus.SENT, email_sent_at=now)
                sent += 1
        except Exception:  # one user's failed digest must not stop the others; it is tried again next run
            logger.exception("digest for user %s failed", user_id)
    return sent
