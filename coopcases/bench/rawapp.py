"""The baseline of `make bench`: the same MLA request list page from raw psycopg and orjson, as a bare WSGI app.

No Django, no DRF: one keyset query with the same filters and the same visibility rule for a central authority
(its authority id and country come in the query string), rows to dicts, orjson. Served by gunicorn exactly like
the application, so that the ratio of the two is the framework's cost over HTTP.

    gunicorn -w 3 coopcases.bench.rawapp:application
"""

from __future__ import annotations

import base64
import os
from urllib.parse import parse_qs

import orjson
import psycopg

COLUMNS = ("id", "reference", "kind", "title", "state", "requesting_state_id", "requested_state_id",
           "requesting_authority_id", "requested_central_authority_id", "executing_authority_id", "urgent",
           "requested_due_date", "submitted_at", "transmitted_at", "created_at", "updated_at", "version")
NAMES = ("id", "reference", "kind", "title", "state", "requesting_state", "requested_state", "requesting_authority",
         "requested_central_authority", "executing_authority", "urgent", "requested_due_date", "submitted_at",
         "transmitted_at", "created_at", "updated_at", "version")
SQL = f"""
SELECT {", ".join(COLUMNS)} FROM mla_mlarequest
WHERE (requesting_authority_id = %(authority)s OR executing_authority_id = %(authority)s
       OR (requesting_state_id = %(country)s AND submitted_at IS NOT NULL)
       OR (requested_state_id = %(country)s AND transmitted_at IS NOT NULL))
  AND state = %(state)s AND requested_state_id = %(requested_state)s AND id < %(before)s
ORDER BY id DESC LIMIT %(limit)s
"""  # noqa: S608 (constant column names)
_connection = None


def _conn():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _connection


def application(environ, start_response):
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    size = min(int(query.get("page_size", 50)), 200)
    before = 2**62
    if "cursor" in query:  # DRF's cursor: base64 of "p=<id>"
        position = parse_qs(base64.urlsafe_b64decode(query["cursor"] + "==").decode()).get("p")
        before = int(position[0]) if position else before
    params = {"authority": int(query["authority"]), "country": query["country"], "state": query["state"],
              "requested_state": query["requested_state"], "before": before, "limit": size + 1}
    with _conn().cursor() as cursor:
        cursor.execute(SQL, params, prepare=True)
        rows = cursor.fetchall()
    results = [dict(zip(NAMES, row, strict=True)) for row in rows[:size]]
    following = None
    if len(rows) > size:
        token = base64.urlsafe_b64encode(f"p={results[-1]['id']}".encode()).decode()
        following = f"?cursor={token}"
    body = orjson.dumps({"next": following, "previous": None, "results": results}, option=orjson.OPT_UTC_Z)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
