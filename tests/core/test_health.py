import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_names_database_and_broker_when_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["failing"] == {}


def test_readyz_names_the_failing_broker(client, settings, monkeypatch):
    from coopcases.core import health

    monkeypatch.setattr(health, "_check_broker", lambda: "broker unreachable: ConnectionError")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == {"broker": "broker unreachable: ConnectionError"}


def test_our_app_shadows_the_http_library_and_drf_took_its_fallback():
    import rest_framework.compat

    import requests

    assert Path(requests.__file__).parent.name == "requests"
    assert Path(requests.__file__).parent.parent == Path(__file__).resolve().parents[2]
    assert rest_framework.compat.requests is None  # DRF saw "library absent", did not crash on our app
    assert not any(name.startswith("requests.adapters") for name in sys.modules)
