from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from coopcases.deadlines.sweeps import sweep_reminders
from coopcases.events.dispatch import event_dispatch
from coopcases.events.models import Event
from coopcases.events.services import event_emit
from coopcases.notifications import emails, recipients
from coopcases.notifications.emails import (
    EMAIL_LEASE,
    MAX_EMAIL_ATTEMPTS,
    digests_send,
    emails_due,
    notification_email_send,
)
from coopcases.notifications.models import EmailStatus, Notification, NotificationPreference
from tests.factories import UserFactory, bare_mla_request
from tests.notifications.factories import RuleFactory, open_deadline

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]


def reminder_for(user, **deadline):
    open_deadline(now=timezone.now(), due_in=timedelta(hours=10), offsets=[24], responsible=user.authority, **deadline)
    sweep_reminders(now=timezone.now())
    event_dispatch(event_id=Event.objects.latest("id").pk)
    return Notification.objects.get(user=user, event_id=Event.objects.latest("id").pk)


def test_an_immediate_email_uses_the_template_of_its_event_type():
    user = UserFactory()
    notification = reminder_for(user, label="Execute the search warrant")

    assert notification_email_send(notification_id=notification.pk, attempt=1) is True
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject.startswith('[coopcases] Reminder: "Execute the search warrant" is due')
    assert 'The deadline "Execute the search warrant" is due on' in message.body
    assert "&quot;" not in message.body  # plain text, not HTML-escaped
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT and notification.email_sent_at is not None


def test_an_event_type_without_a_template_falls_back_to_the_generic_one(monkeypatch):
    drafter = UserFactory()
    monkeypatch.setitem(recipients._resolvers, "mla.mlarequest", lambda obj, key: [drafter])
    RuleFactory(event_type="mla_request.approve", recipient_keys=["drafter"])
    request = bare_mla_request()
    event = event_emit(obj=request, event_type="mla_request.approve", actor=None,
                       from_state="validated", to_state="approved")
    event_dispatch(event_id=event.pk)

    notification_email_send(notification_id=Notification.objects.get().pk, attempt=1)
    (message,) = mail.outbox
    assert message.subject.startswith(f"[coopcases] mla_request.approve: {request}")
    assert "State: validated → approved" in message.body


def test_the_email_is_rendered_in_the_recipients_language(settings, tmp_path):
    folder = tmp_path / "notifications" / "email"
    folder.mkdir(parents=True)
    (folder / "deadline.reminder.subject.txt").write_text("{% load i18n %}{% get_current_language as lang %}lang={{ lang }}")
    (folder / "deadline.reminder.body.txt").write_text("{% load i18n %}{% get_current_language as lang %}body in {{ lang }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    user = UserFactory(preferred_language="pt")
    notification = reminder_for(user)

    assert notification.title == "lang=pt"
    notification_email_send(notification_id=notification.pk, attempt=1)
    assert (mail.outbox[0].subject, mail.outbox[0].body) == ("lang=pt", "body in pt")


def test_a_failed_send_is_retried_then_marked_failed(monkeypatch):
    def smtp_down(*args, **kwargs):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    notification = reminder_for(UserFactory())
    monkeypatch.setattr(emails, "send_mail", smtp_down)
    for attempt in range(1, MAX_EMAIL_ATTEMPTS):
        assert notification_email_send(notification_id=notification.pk, attempt=attempt) is False
        notification.refresh_from_db()
        assert notification.email_status == EmailStatus.PENDING
        assert notification.email_next_attempt_at > timezone.now() + emails.EMAIL_RETRY_DELAYS[attempt - 1] - timedelta(seconds=5)
    assert notification_email_send(notification_id=notification.pk, attempt=MAX_EMAIL_ATTEMPTS) is False
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.FAILED
    assert notification.email_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert emails_due(now=timezone.now() + timedelta(days=2)) == []


def test_a_duplicate_message_sends_one_email():
    notification = reminder_for(UserFactory())

    assert notification_email_send(notification_id=notification.pk, attempt=1) is True
    assert notification_email_send(notification_id=notification.pk, attempt=1) is None
    assert len(mail.outbox) == 1


def test_the_retry_sweep_finds_due_emails_and_leases_them():
    notification = reminder_for(UserFactory())
    now = timezone.now()

    assert emails_due(now=now) == [(notification.pk, 1)]
    assert emails_due(now=now) == []  # leased: the next sweep does not enqueue it again
    assert emails_due(now=now + EMAIL_LEASE) == [(notification.pk, 1)]


def test_users_who_chose_the_digest_get_one_email_a_day_listing_everything():
    user = UserFactory()
    NotificationPreference.objects.create(user=user, channels=["inbox", "email"], email_frequency="daily_digest")
    first = reminder_for(user, label="First")
    second = reminder_for(user, label="Second")
    assert {first.email_status, second.email_status} == {EmailStatus.DIGEST}
    assert emails_due(now=timezone.now() + timedelta(days=1)) == []

    assert digests_send() == 1
    (message,) = mail.outbox
    assert message.subject == "[coopcases] Your daily digest: 2 notifications"
    assert '"First"' in message.body and '"Second"' in message.body
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
    assert digests_send() == 0


def test_a_digest_that_fails_to_send_waits_for_the_next_run(monkeypatch):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, channels=["email"], email_frequency="daily_digest")
    reminder_for(user)
    monkeypatch.setattr(emails, "send_mail", lambda *a, **k: (_ for _ in ()).throw(SMTPServerDisconnected("down")))

    assert digests_send() == 0
    assert Notification.objects.get().email_status == EmailStatus.DIGEST
