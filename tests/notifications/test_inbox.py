from datetime import timedelta

import pytest
from django.utils import timezone

from coopcases.core.exceptions import ValidationFailed
from coopcases.deadlines.sweeps import sweep_reminders
from coopcases.events.dispatch import event_dispatch
from coopcases.events.models import Event
from coopcases.notifications.models import EmailFrequency
from coopcases.notifications.selectors import notifications_visible_to, unread_count
from coopcases.notifications.services import notification_preference_set, notifications_mark_read
from tests.factories import UserFactory
from tests.notifications.factories import open_deadline

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]


def tell(*users):
    authority = users[0].authority
    for _ in range(2):
        open_deadline(now=timezone.now(), due_in=timedelta(hours=10), offsets=[24], responsible=authority)
    sweep_reminders(now=timezone.now())
    for event in Event.objects.all():
        event_dispatch(event_id=event.pk)


def test_each_user_sees_and_marks_read_only_their_own_notifications():
    alice = UserFactory()
    bob = UserFactory(authority=alice.authority)
    tell(alice, bob)
    assert unread_count(alice) == unread_count(bob) == 2

    first = notifications_visible_to(alice).first()
    assert notifications_mark_read(actor=bob, notification_ids=[first.pk]) == 0  # not bob's
    assert notifications_mark_read(actor=alice, notification_ids=[first.pk]) == 1
    assert unread_count(alice) == 1
    assert notifications_mark_read(actor=alice) == 1
    assert notifications_mark_read(actor=alice) == 0
    assert unread_count(alice) == 0 and unread_count(bob) == 2


def test_a_user_without_the_inbox_channel_has_an_empty_inbox():
    user = UserFactory()
    notification_preference_set(actor=user, channels=["email"], email_frequency=EmailFrequency.IMMEDIATE)
    tell(user)

    assert not notifications_visible_to(user).exists()
    assert user.notifications.count() == 2  # still recorded: they carry the e-mail state


def test_preferences_are_checked():
    with pytest.raises(ValidationFailed) as caught:
        notification_preference_set(actor=UserFactory(), channels=["sms"], email_frequency="hourly")
    assert [p.name for p in caught.value.problems] == ["channels", "email_frequency"]
