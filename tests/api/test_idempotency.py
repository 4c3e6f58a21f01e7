"""Idempotency-Key on POST: replay, reuse with another body, retry while running, failures release the key."""

import pytest

from coopcases.api.models import IdempotencyKey
from requests.models import MlaRequest
from tests.api.test_mla_requests import NEW, URL

pytestmark = pytest.mark.django_db


def test_the_same_key_and_body_replays_the_first_response(world, partner):
    p = partner(world.authorities["pe-fecor"])
    first = p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="file-42")
    again = p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="file-42")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["ETag"] == first["ETag"] and again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true" and MlaRequest.objects.count() == 1


def test_the_same_key_with_another_body_is_422(world, partner):
    p = partner(world.authorities["pe-fecor"])
    p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="file-42")
    other = p.api.post(URL, NEW | {"title": "Something else"}, format="json", HTTP_IDEMPOTENCY_KEY="file-42")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert other.json()["invalid_params"][0]["name"] == "Idempotency-Key" and MlaRequest.objects.count() == 1


def test_a_retry_while_the_first_still_runs_is_409(world, partner):
    p = partner(world.authorities["pe-fecor"])
    # The first request claimed the key and has not finished (its row has no response yet).
    first = p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="slow-1")
    IdempotencyKey.objects.filter(key="slow-1").update(completed_at=None, response_status=None, response_body=None)
    retry = p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="slow-1")
    assert first.status_code == 201 and retry.status_code == 409 and retry.json()["code"] == "idempotency_in_progress"
    assert retry["Retry-After"] == "1" and MlaRequest.objects.count() == 1


def test_keys_belong_to_their_client(world, partner):
    one, two = partner(world.authorities["pe-fecor"]), partner(world.authorities["pe-fecor"])
    assert one.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert two.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert MlaRequest.objects.count() == 2


def test_a_failed_request_releases_its_key(world, partner):
    p = partner(world.authorities["pe-fecor"])
    bad = p.api.post(URL, NEW | {"requested_state": "PE"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-me")
    assert bad.status_code == 400 and not IdempotencyKey.objects.filter(key="retry-me").exists()
    fixed = p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="retry-me")
    assert fixed.status_code == 201


def test_transitions_are_idempotent_too(world, partner):
    from tests.requests.factories import complete_draft

    req = complete_draft(world, "PE")
    p = partner(world.authorities["pe-fecor"])
    url = f"{URL}{req.pk}/transitions/"
    first = p.api.post(url, {"action": "submit"}, format="json", HTTP_IDEMPOTENCY_KEY="submit-1")
    again = p.api.post(url, {"action": "submit"}, format="json", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert first.status_code == 200 and again.status_code == 200 and again.json()["state"] == "submitted"
    assert MlaRequest.objects.get(pk=req.pk).version == req.version + 1


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_bad_key_is_named(world, partner, key):
    p = partner(world.authorities["pe-fecor"])
    response = p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and response.json()["invalid_params"][0]["name"] == "Idempotency-Key"


def _key(owner, key, age_hours):
    from datetime import timedelta

    from django.utils import timezone

    row = IdempotencyKey.objects.create(owner=owner, key=key, method="POST", path="/api/v1/mla-requests/", fingerprint="f" * 64)
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=age_hours))
    return row


def test_the_sweep_deletes_keys_past_their_retention_in_batches(settings, django_assert_max_num_queries):
    from coopcases.api.tasks import purge_idempotency_keys

    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 24
    for i in range(5):
        _key("app:1", f"old-{i}", 25)
    fresh = _key("app:1", "fresh", 23)
    with django_assert_max_num_queries(3 * 2 + 1):  # per batch of 2: select then delete; a last empty select
        assert purge_idempotency_keys.apply(kwargs={"batch_size": 2}).get() == 5
    assert list(IdempotencyKey.objects.all()) == [fresh]
    assert purge_idempotency_keys.apply().get() == 0


def test_the_sweep_is_scheduled_hourly_on_the_sweeps_queue():
    from coopcases.celery import SCHEDULES, app

    app.loader.import_default_modules()
    assert "api.purge_idempotency_keys" in app.tasks
    assert app.amqp.router.route({}, "api.purge_idempotency_keys")["queue"].name == "sweeps"
    assert [s.every for s in SCHEDULES if s.task == "api.purge_idempotency_keys"] == [3600]


def test_an_expired_key_is_a_new_key_even_before_the_sweep(world, partner, settings):
    p = partner(world.authorities["pe-fecor"])
    first = p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="daily-1")
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 0
    again = p.api.post(URL, NEW | {"title": "Another request"}, format="json", HTTP_IDEMPOTENCY_KEY="daily-1")
    assert first.status_code == again.status_code == 201 and "Idempotent-Replayed" not in again
    assert MlaRequest.objects.count() == 2 and IdempotencyKey.objects.filter(key="daily-1").count() == 1
