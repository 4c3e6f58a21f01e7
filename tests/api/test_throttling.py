import pytest

from coopcases.api.throttling import ClientRateThrottle
from tests.api.test_mla_requests import URL

pytestmark = pytest.mark.django_db


def test_each_client_has_its_own_bucket_and_429_says_when_to_retry(world, partner, monkeypatch):
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "3/min"})
    one, two = partner(world.authorities["pe-fecor"]), partner(world.authorities["pe-fecor"])
    assert [one.api.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    limited = one.api.get(URL)
    assert limited.status_code == 429 and limited["Content-Type"] == "application/problem+json"
    assert 0 < int(limited["Retry-After"]) <= 60 and limited.json()["code"] == "throttled"
    assert two.api.get(URL).status_code == 200
