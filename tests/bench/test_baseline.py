"""The raw psycopg + orjson baseline of `make bench` returns the page the app's selectors give the same officer."""

import base64
from io import StringIO

import orjson
import pytest
from django.core.management import call_command
from django.db import connection

from coopcases.accounts.models import User
from coopcases.bench import rawapp
from coopcases.bench.generator import Generator
from requests.selectors import mla_requests_visible_to
from tests.bench.test_generate_load_data import NOW

pytestmark = pytest.mark.django_db


def _page(**query) -> dict:
    environ = {"QUERY_STRING": "&".join(f"{k}={v}" for k, v in query.items())}
    body = b"".join(rawapp.application(environ, lambda status, headers: None))
    return orjson.loads(body)


def test_the_baseline_page_is_the_selectors_page(monkeypatch):
    call_command("load_reference_data", stdout=StringIO(), stderr=StringIO())
    Generator(requests=400, seed=2, now=NOW, chunk=200).run()
    monkeypatch.setattr(rawapp, "_connection", connection.connection)  # the test's transaction sees the rows
    row = (mla_requests_visible_to(User.objects.get(username="bench-auditor")).filter(state="in_execution")
           .values("requesting_state_id", "requested_state_id", "requesting_central_authority_id").first())
    officer = User.objects.filter(authority_id=row["requesting_central_authority_id"], roles__code="central_authority_officer").first()
    query = {"state": "in_execution", "requested_state": row["requested_state_id"], "authority": officer.authority_id,
             "country": row["requesting_state_id"], "page_size": 2}
    expected = list(mla_requests_visible_to(officer).filter(state="in_execution", requested_state_id=row["requested_state_id"])
                    .order_by("-id").values_list("id", flat=True))
    first = _page(**query)
    assert [r["id"] for r in first["results"]] == expected[:2]
    if len(expected) > 2:
        cursor = first["next"].split("cursor=")[1]
        assert base64.urlsafe_b64decode(cursor).decode() == f"p={expected[1]}"
        assert [r["id"] for r in _page(**query, cursor=cursor)["results"]] == expected[2:4]
