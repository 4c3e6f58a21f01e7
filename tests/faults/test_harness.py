"""The harness itself: its own PostgreSQL and Redis answer, and the Django connection points at the copy."""

import httpx
import pytest
from django.db import connection

from tests.faults.harness import ManagedProcess

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
