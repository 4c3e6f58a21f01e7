import socket
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from coopcases.audit.models import AuditEntry
from coopcases.celery import visibility_timeout
from coopcases.core.exceptions import ActionForbidden, ValidationFailed
from coopcases.deadlines.sweeps import sweep_reminders
from coopcases.events.dispatch import event_dispatch
from coopcases.events.models import Event
from coopcases.notifications import recipients, tasks, webhooks
from coopcases.notifications.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSecret
from coopcases.notifications.services import (
    webhook_delivery_redeliver,
    webhook_secret_rotate,
    webhook_subscription_create,
)
from coopcases.notifications.webhooks import (
    JITTER,
    LEASE,
    MAX_ATTEMPTS,
    MAX_LOST_ATTEMPTS,
    RETRY_DELAYS,
    AddressRefused,
    Outcome,
    forbidden_kind,
    pinned_request,
    webhook_deliver,
    webhooks_due,
)
from tests.factories import UserFactory
from tests.notifications.factories import open_deadline, service_account, staff, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def partners_may_see_requests(monkeypatch):
    monkeypatch.setitem(recipients._visibility, "mla.mlarequest", lambda user, obj: True)


def make_deliveries(*urls: str) -> list[tuple[WebhookDelivery, str]]:
    """One deadline reminder delivered to a new subscription per URL."""
    subscriptions = [subscribe(url=url, event_types=["deadline.*"]) for url in urls]
    open_deadline(now=timezone.now(), due_in=timedelta(hours=10), offsets=[24])
    sweep_reminders(now=timezone.now())
    event_dispatch(event_id=Event.objects.latest("id").pk)
    return [(WebhookDelivery.objects.get(subscription=s), secret) for s, secret in subscriptions]


def make_delivery(url: str) -> tuple[WebhookDelivery, str]:
    return make_deliveries(url)[0]


def answering(monkeypatch, handler):
    """Route the sender through httpx.MockTransport: `handler(request)` returns a response or raises."""
    seen = []

    def record(request):
        seen.append(request)
        return handler(request)

    monkeypatch.setattr(webhooks, "client_for", lambda origin: httpx.Client(transport=httpx.MockTransport(record)))
    return seen


def test_the_receiver_verifies_the_signature_with_the_standard_webhooks_library(receiver):
    delivery, secret = make_delivery(receiver.url)

    assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.SUCCEEDED
    (received,) = receiver.requests
    payload = Webhook(secret).verify(received.body, received.headers)
    assert payload["type"] == "deadline.reminder"
    assert payload["data"]["event_id"] == delivery.event_id
    assert received.headers["webhook-id"] == f"evt_{delivery.event_id}"
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.generate_secret()).verify(received.body, received.headers)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.response_excerpt) == (1, 200, '{"ok": true}')


def test_during_a_rotation_old_and_new_secrets_both_sign_until_the_old_one_expires(receiver):
    delivery, old = make_delivery(receiver.url)
    new = webhook_secret_rotate(actor=staff(), subscription=delivery.subscription, overlap=timedelta(hours=1))
    assert new.startswith("whsec_") and new != old

    webhook_deliver(delivery_id=delivery.pk, attempt=1)
    received = receiver.requests[-1]
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(received.body, received.headers)
    Webhook(new).verify(received.body, received.headers)

    webhook_delivery_redeliver(actor=staff(), delivery=delivery)
    webhook_deliver(delivery_id=delivery.pk, attempt=1, now=timezone.now() + timedelta(hours=2))
    received = receiver.requests[-1]
    Webhook(new).verify(received.body, received.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(received.body, received.headers)
    assert AuditEntry.objects.filter(action="webhook_secret.rotate").count() == 1
    assert not AuditEntry.objects.filter(after__icontains=new).exists()  # secrets never reach the audit log


def test_the_retry_schedule_spans_at_least_72_hours_with_upward_jitter():
    assert len(RETRY_DELAYS) == 9 and MAX_ATTEMPTS == 10
    assert sum(RETRY_DELAYS, timedelta()) * JITTER[0] >= timedelta(hours=72)
    for attempt, base in enumerate(RETRY_DELAYS, start=1):
        delay = webhooks.retry_delay(attempt)
        assert base <= delay <= base * JITTER[1]
    assert webhooks.retry_delay(1, retry_after=timedelta(minutes=10)) == timedelta(minutes=10)  # Retry-After wins
    assert webhooks.retry_delay(1, retry_after=timedelta(days=9)) == timedelta(hours=24)  # but is capped


def test_failures_are_retried_on_schedule_then_dead_lettered(monkeypatch, caplog):
    seen = answering(monkeypatch, lambda request: httpx.Response(500, text="database is down"))
    delivery, _ = make_delivery("https://partner.example/hooks")

    before = timezone.now()
    assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.RETRY
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 500
    assert delivery.response_excerpt == "database is down"
    assert before + timedelta(seconds=5) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=6.25)

    for attempt in range(2, MAX_ATTEMPTS):
        assert webhook_deliver(delivery_id=delivery.pk, attempt=attempt) == Outcome.RETRY
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - timezone.now() > timedelta(hours=20)  # the ninth wait is 20 h or more

    assert webhook_deliver(delivery_id=delivery.pk, attempt=MAX_ATTEMPTS) == Outcome.DEAD
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.DEAD, MAX_ATTEMPTS, None)
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == MAX_ATTEMPTS == len(seen)
    assert "dead after 10 attempts" in caplog.text
    assert webhooks_due(now=timezone.now() + timedelta(days=10)) == []


def test_a_short_wait_is_enqueued_with_a_countdown_the_broker_can_hold(monkeypatch, django_capture_on_commit_callbacks):
    answering(monkeypatch, lambda request: httpx.Response(503))
    published = []
    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", lambda args, **options: published.append((args, options)))
    delivery, _ = make_delivery("https://partner.example/hooks")

    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliver(delivery_id=delivery.pk, attempt=1)
    ((args, options),) = published
    assert args == (delivery.pk, 2)
    assert 5 <= options["countdown"] <= 6.25 < visibility_timeout()

    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliver(delivery_id=delivery.pk, attempt=2)  # the next wait is 5 minutes: left to the sweep
    assert len(published) == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("timed out"),
        httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"),
        httpx.ConnectError("[Errno 111] Connection refused"),
    ],
    ids=["timeout", "invalid certificate", "refused"],
)
def test_network_and_tls_errors_are_recorded_and_retried_without_holding_up_other_deliveries(monkeypatch, failure):
    def handler(request):
        if request.url.host == "broken.example":
            raise failure
        return httpx.Response(204)

    answering(monkeypatch, handler)
    (broken, _), (healthy, _) = make_deliveries("https://broken.example/hooks", "https://healthy.example/hooks")

    assert sorted(webhooks_due()) == sorted([(broken.pk, 1), (healthy.pk, 1)])
    assert webhook_deliver(delivery_id=broken.pk, attempt=1) == Outcome.RETRY
    assert webhook_deliver(delivery_id=healthy.pk, attempt=1) == Outcome.SUCCEEDED
    broken.refresh_from_db()
    assert broken.status == DeliveryStatus.FAILED and broken.last_status_code is None
    assert str(failure) in broken.last_error or broken.last_error.startswith("timeout")


def test_a_redirect_is_a_failure(monkeypatch):
    answering(monkeypatch, lambda request: httpx.Response(302, headers={"location": "https://elsewhere.example/"}))
    delivery, _ = make_delivery("https://partner.example/hooks")

    assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.RETRY


def test_410_gone_disables_the_subscription(monkeypatch):
    answering(monkeypatch, lambda request: httpx.Response(410))
    delivery, _ = make_delivery("https://partner.example/hooks")

    assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.GONE
    delivery.refresh_from_db()
    subscription = delivery.subscription
    assert delivery.status == DeliveryStatus.DEAD
    assert not subscription.active and subscription.disabled_reason == "the endpoint answered 410 Gone"
    assert AuditEntry.objects.filter(action="webhook_subscription.disable", object_id=str(subscription.pk)).exists()
    with pytest.raises(ValidationFailed, match="disabled"):
        webhook_delivery_redeliver(actor=staff(), delivery=delivery)


def test_a_duplicate_or_stale_message_sends_nothing(receiver):
    delivery, _ = make_delivery(receiver.url)

    assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.SUCCEEDED
    assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.SKIPPED
    assert webhook_deliver(delivery_id=delivery.pk, attempt=2) == Outcome.SKIPPED
    assert len(receiver.requests) == 1


def test_an_attempt_whose_worker_died_is_retried_after_its_lease_without_using_up_the_schedule(monkeypatch):
    answering(monkeypatch, lambda request: httpx.Response(200))
    delivery, _ = make_delivery("https://partner.example/hooks")
    now = timezone.now()
    assert webhooks._claim_many([(delivery.pk, 1)], now) != []  # claimed, then the worker was killed: no outcome

    assert webhooks_due(now=now + LEASE - timedelta(seconds=1)) == []
    assert webhook_deliver(delivery_id=delivery.pk, attempt=1, now=now + timedelta(minutes=1)) == Outcome.SKIPPED  # in flight
    assert webhooks_due(now=now + LEASE) == [(delivery.pk, 1)]  # the same attempt again: the lost one did not count
    assert webhook_deliver(delivery_id=delivery.pk, attempt=1, now=now + LEASE) == Outcome.SUCCEEDED
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.lost_attempts, delivery.leased_until) == (1, 1, None)


def test_lost_attempts_do_not_shorten_the_72_hour_schedule(monkeypatch):
    """Fault-matrix seed 69: a partner timing out for ~66 h while two attempts die with their worker."""
    answering(monkeypatch, lambda request: httpx.Response(503))
    delivery, _ = make_delivery("https://partner.example/hooks")
    now = timezone.now()
    for attempt in range(1, MAX_ATTEMPTS):
        if attempt in (3, 6):  # this attempt's worker is killed after claiming it, twice over the outage
            assert webhooks._claim_many([(delivery.pk, attempt)], now) != []
            now += LEASE
            assert webhooks_due(now=now) == [(delivery.pk, attempt)]
        assert webhook_deliver(delivery_id=delivery.pk, attempt=attempt, now=now) == Outcome.RETRY
        now = WebhookDelivery.objects.get(pk=delivery.pk).next_attempt_at
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.lost_attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS - 1, 2)
    answering(monkeypatch, lambda request: httpx.Response(200))  # the partner is back for the last attempt
    assert webhooks_due(now=now) == [(delivery.pk, MAX_ATTEMPTS)]
    assert webhook_deliver(delivery_id=delivery.pk, attempt=MAX_ATTEMPTS, now=now) == Outcome.SUCCEEDED


def test_a_delivery_that_keeps_killing_its_worker_is_dead_lettered(monkeypatch):
    answering(monkeypatch, lambda request: httpx.Response(200))
    delivery, _ = make_delivery("https://partner.example/hooks")
    now = timezone.now()
    for _ in range(MAX_LOST_ATTEMPTS + 1):
        assert webhooks._claim_many([(delivery.pk, 1)], now) != []
        now += LEASE
    assert webhooks._claim_many([(delivery.pk, 1)], now) == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD and "worker lost" in delivery.last_error
    assert webhooks_due(now=now + timedelta(days=1)) == []


def test_redelivery_restarts_a_dead_delivery(monkeypatch):
    statuses = iter([410, 200])
    answering(monkeypatch, lambda request: httpx.Response(next(statuses)))
    delivery, _ = make_delivery("https://partner.example/hooks")
    webhook_deliver(delivery_id=delivery.pk, attempt=1)
    subscription = delivery.subscription
    subscription.active = True
    subscription.save()

    with pytest.raises(ActionForbidden):
        webhook_delivery_redeliver(actor=UserFactory(), delivery=delivery)
    webhook_delivery_redeliver(actor=staff(), delivery=delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert AuditEntry.objects.filter(action="webhook_delivery.redeliver").count() == 1
    with pytest.raises(ValidationFailed, match="still being tried"):
        webhook_delivery_redeliver(actor=staff(), delivery=delivery)

    assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.SUCCEEDED
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2  # the log keeps both rounds


def test_a_disabled_subscription_kills_its_waiting_deliveries_on_their_next_attempt(monkeypatch):
    answering(monkeypatch, lambda request: httpx.Response(200))
    delivery, _ = make_delivery("https://partner.example/hooks")
    delivery.subscription.__class__.objects.filter(pk=delivery.subscription_id).update(active=False)

    assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.SKIPPED
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD and delivery.last_error == "subscription inactive"


class TestSsrfGuard:
    @pytest.fixture(autouse=True)
    def guard_on(self, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False

    @pytest.mark.parametrize(
        ("address", "kind"),
        [
            ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"),
            ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
            ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"),  # noqa: S104
            ("::ffff:127.0.0.1", "loopback"), ("100.64.0.1", "non-public"), ("fd00::1", "private"),
        ],
    )
    def test_private_and_special_addresses_are_refused(self, address, kind):
        assert forbidden_kind(address) == kind

    def test_public_addresses_pass(self):
        assert forbidden_kind("93.184.216.34") is None
        assert forbidden_kind("2606:2800:220:1:248:1893:25c8:1946") is None

    def test_a_name_resolving_to_a_private_address_is_refused(self, monkeypatch):
        monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))])
        with pytest.raises(AddressRefused, match="10.0.0.7, a private address"):
            pinned_request("https://partner.example/hooks")

    def test_the_connection_is_pinned_to_the_checked_address(self, monkeypatch):
        monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 8443))])
        url, headers, extensions = pinned_request("https://partner.example:8443/hooks?x=1")
        assert str(url) == "https://93.184.216.34:8443/hooks?x=1"
        assert headers == {"host": "partner.example:8443"}
        assert extensions == {"sni_hostname": "partner.example"}

    def test_a_delivery_to_loopback_is_refused_and_never_reaches_it(self, receiver, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True  # to register the local endpoint at all
        delivery, _ = make_delivery(receiver.url)
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False

        assert webhook_deliver(delivery_id=delivery.pk, attempt=1) == Outcome.RETRY
        delivery.refresh_from_db()
        assert delivery.last_error == "refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address"
        assert receiver.requests == []

    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("https://10.0.0.1/hooks", "10.0.0.1 is a private address"),
            ("https://[::1]/hooks", "::1 is a loopback address"),
            ("http://partner.example/hooks", "the URL must use https"),
        ],
    )
    def test_subscribing_a_refused_url_names_the_field(self, url, reason):
        with pytest.raises(ValidationFailed) as caught:
            subscribe(url=url)
        assert [(p.name, p.reason) for p in caught.value.problems] == [("target_url", reason)]


def test_a_subscription_to_an_unknown_event_type_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        subscribe(url="https://partner.example/hooks", event_types=["deadline.reminder", "mla_request.teleport", "nothing.*"])
    assert caught.value.code == "validation_failed"
    assert "Unknown event type(s): mla_request.teleport, nothing.*" in caught.value.detail
    assert [(p.name, p.code) for p in caught.value.problems] == [("event_types", "unknown_event_type")] * 2


def test_a_subscription_needs_an_administrator_and_a_service_account_of_its_authority():
    owner, person = service_account(), UserFactory()

    def create(actor, owner, authority):
        return webhook_subscription_create(actor=actor, owner=owner, authority=authority, name="x",
                                           target_url="https://partner.example/", event_types=["deadline.*"])

    with pytest.raises(ActionForbidden):
        create(owner, owner, owner.authority)
    with pytest.raises(ValidationFailed) as caught:
        create(staff(), person, person.authority)
    assert caught.value.problems[0].reason == "the owner must be a partner-system service account"
    with pytest.raises(ValidationFailed) as caught:
        create(staff(), owner, UserFactory().authority)
    assert caught.value.problems[0].reason == "the service account must belong to the subscription's authority"
    subscription, secret = create(staff(), owner, owner.authority)
    assert WebhookSecret.objects.get(subscription=subscription).secret == secret
    assert len(Webhook(secret)._whsecret) == 32
