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
