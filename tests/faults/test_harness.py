"""The harness itself: its own PostgreSQL and Redis answer, the Django connection points at the copy, and the
gunicorn it starts serves the API as configured (its own tokens accepted)."""

import httpx
import pytest
from django.db import connection

from coopcases.accounts.roles import RoleCode
from coopcases.api.services import api_client_create
from tests.faults.harness import ManagedProcess
from tests.faults.scenarios import mla_world
from tests.security.factories import administrator

pytestmark = [pytest.mark.ephemeral, pytest.mark.xdist_group("faults")]


def test_the_test_database_is_a_fresh_copy_on_the_ephemeral_cluster(pg, fresh_db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), inet_server_port(), count(*) FROM events_event")
        name, port, events = cursor.fetchone()
    assert (name, port, events) == (fresh_db, pg.port, 0)


def test_redis_is_our_own_and_stops_on_demand(redis_server):
    assert redis_server.answering()
    redis_server.stop()
    assert not redis_server.answering()
    redis_server.start()
    assert redis_server.answering()


def test_the_receiver_applies_each_id_once(receiver):
    for _ in range(3):
        httpx.post(receiver.url, json={"data": {"object_type": "x", "object_id": "1", "sequence": 1}}, headers={"webhook-id": "evt_1"})
    assert receiver.received["evt_1"] == 3
    assert receiver.effects == {"evt_1": 1}


def test_a_killed_process_group_is_gone(tmp_path):
    sleeper = ManagedProcess("sleeper", ["sleep", "30"], {}, tmp_path).start()
    sleeper.kill()
    assert not sleeper.alive()


def test_gunicorn_accepts_the_tokens_it_issues(fresh_db, live_server_process):
    """Finding 1 of docs/reliability.md: gunicorn ran DRF on its default settings and refused its own tokens."""
    world, _ = mla_world(0)
    issued = api_client_create(actor=administrator(), name="probe", authority=world.user("ca:pe-fn").authority,
                               scopes=("requests:read",), roles=(RoleCode.CENTRAL_AUTHORITY_OFFICER,))
    with httpx.Client(base_url=live_server_process.base_url, timeout=30) as http:
        token = http.post("/oauth/token/", data={"grant_type": "client_credentials"}, auth=(issued.client_id, issued.client_secret))
        assert token.status_code == 200, token.text
        for _ in range(4):  # both gunicorn workers, most likely
            listed = http.get("/api/v1/mla-requests/", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
            assert listed.status_code == 200, (listed.status_code, listed.text, live_server_process.tail())
        anonymous = http.get("/api/v1/mla-requests/")
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
