from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from coopcases.accounts.roles import RoleCode
from coopcases.deadlines.models import DeadlineKind
from coopcases.deadlines.sweeps import sweep_reminders
from coopcases.events import dispatch, tasks
from coopcases.events.dispatch import (
    MAX_DISPATCH_ATTEMPTS,
    Outcome,
    event_dispatch,
    event_redispatch,
    events_dispatch_pending,
)
from coopcases.events.models import Event
from coopcases.events.services import event_emit
from coopcases.notifications import fanout, recipients
from coopcases.notifications.models import (
    EmailStatus,
    Notification,
    NotificationPreference,
    NotificationRule,
    WebhookDelivery,
)
from tests.factories import AuthorityFactory, UserFactory, bare_mla_request, central_officer
from tests.notifications.factories import RuleFactory, open_deadline, service_account, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def drafter():
    return UserFactory(preferred_language="es")


@pytest.fixture
def mla_recipients(monkeypatch, drafter):
    """What the requests app will register: here the drafter key resolves to one user."""
    people = {"drafter": [drafter]}
    monkeypatch.setitem(recipients._resolvers, "mla.mlarequest", lambda obj, key: people.get(key, []))
    return people


@pytest.fixture
def approve_rule():
    return NotificationRule.objects.get(event_type="mla_request.approve")


def approve(request, actor=None):
    return event_emit(obj=request, event_type="mla_request.approve", actor=actor or UserFactory(),
                      from_state="validated", to_state="approved")


def test_an_event_becomes_one_notification_per_recipient_with_its_title_in_their_language(mla_recipients, drafter, approve_rule):
    event = approve(bare_mla_request())

    assert event_dispatch(event_id=event.pk, now=NOW) == Outcome.DISPATCHED
    notification = Notification.objects.get()
    assert notification.user == drafter and notification.event == event
    assert notification.title.startswith("[coopcases] mla_request.approve")
    assert notification.email_status == EmailStatus.PENDING and notification.email_next_attempt_at == NOW
    event.refresh_from_db()
    assert event.dispatched_at == NOW and event.dispatch_attempts == 1


def test_dispatching_again_creates_nothing_new(mla_recipients, approve_rule):
    event = approve(bare_mla_request())
    event_dispatch(event_id=event.pk)

    assert event_dispatch(event_id=event.pk) == Outcome.SKIPPED  # already dispatched
    event_redispatch(actor=UserFactory(is_staff=True), event_ids=[event.pk])
    assert event_dispatch(event_id=event.pk) == Outcome.DISPATCHED
    assert Notification.objects.count() == 1


def test_the_actor_inactive_users_and_those_who_may_not_see_are_not_told(monkeypatch, mla_recipients, drafter, approve_rule):
    actor, inactive, hidden = UserFactory(), UserFactory(is_active=False), UserFactory()
    mla_recipients["drafter"] = [drafter, actor, inactive, hidden]
    monkeypatch.setitem(recipients._visibility, "mla.mlarequest", lambda user, obj: user != hidden)

    event_dispatch(event_id=approve(bare_mla_request(), actor=actor).pk)
    assert list(Notification.objects.values_list("user", flat=True)) == [drafter.pk]


def test_preferences_choose_the_channels_and_the_digest(mla_recipients, drafter, approve_rule):
    inbox_only, digest, nothing = UserFactory(), UserFactory(), UserFactory()
    mla_recipients["drafter"] = [drafter, inbox_only, digest, nothing]
    NotificationPreference.objects.create(user=inbox_only, channels=["inbox"])
    NotificationPreference.objects.create(user=digest, channels=["inbox", "email"], email_frequency="daily_digest")
    NotificationPreference.objects.create(user=nothing, channels=[])

    event_dispatch(event_id=approve(bare_mla_request()).pk)
    status = dict(Notification.objects.values_list("user", "email_status"))
    assert status == {drafter.pk: EmailStatus.PENDING, inbox_only.pk: EmailStatus.NONE, digest.pk: EmailStatus.DIGEST}


def test_a_rule_can_ask_for_the_inbox_only_and_rules_match_on_event_data(monkeypatch):
    leader, officer = UserFactory(), UserFactory()
    authority = officer.authority
    monkeypatch.setitem(
        recipients._resolvers, "mla.mlarequest", lambda obj, key: [leader] if key == "jit_leaders" else []
    )
    NotificationRule.objects.filter(event_type="deadline.reminder").update(channels=["inbox"])
    jit = open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[24], kind=DeadlineKind.JIT_EXPIRY, responsible=authority)
    other = open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[24], responsible=authority)
    sweep_reminders(now=NOW)

    for deadline in (jit, other):
        event = Event.objects.get(object_type="deadlines.deadline", object_id=str(deadline.pk))
        event_dispatch(event_id=event.pk)
    told = sorted(Notification.objects.values_list("event__object_id", "user_id", "email_status"))
    assert told == sorted([
        (str(jit.pk), leader.pk, "none"), (str(jit.pk), officer.pk, "none"), (str(other.pk), officer.pk, "none"),
    ])


def test_a_missed_deadline_reaches_the_responsible_authority_and_its_central_authority():
    responsible = UserFactory()
    country = responsible.authority.country
    central = central_officer(authority=AuthorityFactory(central=True, country=country))
    central_officer(authority=AuthorityFactory(central=True))  # another state's: not concerned
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=-1), offsets=[], responsible=responsible.authority)
    sweep_reminders(now=NOW)

    for event in Event.objects.filter(object_id=str(deadline.pk), object_type="deadlines.deadline"):
        event_dispatch(event_id=event.pk)
    told = set(Notification.objects.values_list("event_type", "user_id"))
    assert told == {("deadline.missed", responsible.pk), ("deadline.escalated", central.pk)}
    escalation = Notification.objects.get(event_type="deadline.escalated")
    assert escalation.title == '[coopcases] Escalation: "Answer the request" is overdue'
    assert central.has_role(RoleCode.CENTRAL_AUTHORITY_OFFICER)


def test_an_event_in_a_rolled_back_transaction_leaves_nothing_to_tell(mla_recipients, approve_rule, django_capture_on_commit_callbacks):
    request = bare_mla_request()

    class Refused(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Refused), transaction.atomic():
        approve(request)
        raise Refused
    assert callbacks == []
    assert events_dispatch_pending(now=timezone.now() + timedelta(minutes=1)) == {
        "dispatched": 0, "skipped": 0, "dead": 0, "failed": 0
    }
    assert not Event.objects.exists() and not Notification.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_committed_event_is_enqueued_after_commit(monkeypatch, mla_recipients, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.dispatch_event, "apply_async", lambda args, **options: sent.append((args, options)))

    with django_capture_on_commit_callbacks(execute=True):
        event = approve(bare_mla_request())
        assert sent == []  # not before the commit
    assert sent == [((event.pk,), {"retry": False})]


def test_a_broker_outage_is_swallowed_and_the_sweep_delivers_later(monkeypatch, mla_recipients, approve_rule,
                                                                      django_capture_on_commit_callbacks, caplog):
    calls = []

    def broker_down(args, **options):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.dispatch_event, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        first = approve(bare_mla_request())
    with django_capture_on_commit_callbacks(execute=True):
        approve(bare_mla_request())
    assert len(calls) == 1  # publishing paused after the first failure: no 2-second stall per event
    assert "broker unavailable" in caplog.text

    assert events_dispatch_pending(now=timezone.now())["dispatched"] == 0  # too fresh: left to the fast path
    counts = events_dispatch_pending(now=timezone.now() + dispatch.PENDING_GRACE)
    assert counts["dispatched"] == 2
    assert Notification.objects.filter(event=first).count() == 1


def test_a_poison_event_is_dead_lettered_after_the_last_attempt(monkeypatch, mla_recipients, caplog):
    def explode(event, now):
        raise RuntimeError("resolver crashed")

    monkeypatch.setattr(fanout, "event_fan_out", explode)
    event = approve(bare_mla_request())
    for _ in range(MAX_DISPATCH_ATTEMPTS):
        with pytest.raises(RuntimeError):
            event_dispatch(event_id=event.pk)
    event.refresh_from_db()
    assert event.dispatched_at is None and event.dispatch_error == "RuntimeError: resolver crashed"

    assert event_dispatch(event_id=event.pk, now=NOW) == Outcome.DEAD
    event.refresh_from_db()
    assert event.dispatched_at == NOW and event.dispatch_error.startswith(f"given up after {MAX_DISPATCH_ATTEMPTS} attempts")
    assert "dead-lettered" in caplog.text
    assert events_dispatch_pending(now=timezone.now() + timedelta(hours=1))["failed"] == 0  # not tried again


def test_dispatch_pending_goes_on_after_a_failing_event(monkeypatch, mla_recipients, approve_rule):
    bad, good = approve(bare_mla_request()), approve(bare_mla_request())
    real = fanout.event_fan_out

    def fail_for_bad(event, now):
        if event.pk == bad.pk:
            raise RuntimeError("boom")
        return real(event, now=now)

    monkeypatch.setattr(fanout, "event_fan_out", fail_for_bad)
    counts = events_dispatch_pending(now=timezone.now() + timedelta(minutes=1))
    assert (counts["failed"], counts["dispatched"]) == (1, 1)
    assert Notification.objects.filter(event=good).count() == 1


def test_webhook_deliveries_go_to_matching_subscriptions_of_partners_who_may_see(monkeypatch):
    partner = service_account()
    monkeypatch.setitem(recipients._visibility, "mla.mlarequest", lambda user, obj: user.authority_id == partner.authority_id)
    wanted, _ = subscribe(url="https://partner.example/hooks", event_types=["deadline.*"], owner=partner)
    subscribe(url="https://partner.example/other", event_types=["deadline.missed"], owner=partner)
    subscribe(url="https://stranger.example/hooks", event_types=["deadline.*"])  # may not see the object
    deadline = open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[24])
    sweep_reminders(now=timezone.now())
    event = Event.objects.get(event_type="deadline.reminder")

    event_dispatch(event_id=event.pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == wanted and delivery.webhook_id == f"evt_{event.pk}"
    assert f'"object_id":"{deadline.pk}"' in delivery.body and '"type":"deadline.reminder"' in delivery.body


def test_partners_are_told_nothing_about_objects_without_a_visibility_rule():
    subscribe(url="https://partner.example/hooks", event_types=["deadline.*"])
    open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[24])
    sweep_reminders(now=timezone.now())

    event_dispatch(event_id=Event.objects.get().pk)
    assert not WebhookDelivery.objects.exists()


def test_a_subscription_made_after_the_event_does_not_receive_it(monkeypatch):
    monkeypatch.setitem(recipients._visibility, "mla.mlarequest", lambda user, obj: True)
    open_deadline(now=NOW, due_in=timedelta(hours=10), offsets=[24])
    sweep_reminders(now=timezone.now())
    event = Event.objects.get()
    Event.objects.filter(pk=event.pk).update(at=timezone.now() - timedelta(minutes=5))
    subscribe(url="https://partner.example/hooks", event_types=["deadline.*"])

    event_dispatch(event_id=event.pk)
    assert not WebhookDelivery.objects.exists()


def test_an_event_whose_object_is_gone_is_dispatched_without_telling_anyone(mla_recipients, approve_rule):
    request = bare_mla_request()
    event = approve(request)
    request.delete()

    assert event_dispatch(event_id=event.pk) == Outcome.DISPATCHED
    assert not Notification.objects.exists()


def test_rule_factory_rules_add_up_without_duplicates(mla_recipients, drafter, approve_rule):
    RuleFactory(event_type="mla_request.*", recipient_keys=["drafter"], channels=["inbox"])

    event_dispatch(event_id=approve(bare_mla_request()).pk)
    assert Notification.objects.get().user == drafter


def test_the_default_rules_cover_approval_reminders_jit_expiry_and_escalation():
    rules = {(r.event_type, tuple(sorted(r.data_match.items()))): r.recipient_keys for r in NotificationRule.objects.all()}
    assert rules[("mla_request.approve", ())] == ["drafter"]
    assert rules[("deadline.reminder", ())] == ["responsible_authority"]
    assert rules[("deadline.reminder", (("kind", "jit_expiry"),))] == ["jit_leaders"]
    assert set(rules[("deadline.escalated", ())]) == {
        "requesting_central_authority", "requested_central_authority", "responsible_central_authority"
    }
    for rule in NotificationRule.objects.all():
        rule.event_type = rule.event_type.replace("mla_request.approve", "deadline.missed")  # known without the MLA app
        rule.full_clean()
