"""The baseline of `make bench`: the same MLA request list page from raw psycopg and orjson, as a bare WSGI app.

No Django, no DRF: one keyset query with the same filters, the same visibility rule for a central authority (its
authority id and country come in the query string) and the same fields as the API's list, rows to dicts, orjson. Served by gunicorn exactly like
the application, so that the ratio of the two is the framework's cost over HTTP.

    gunicorn -w 3 coopcases.bench.rawapp:application
"""

from __future__ import annotations

import base64
import os
from urllib.parse import parse_qs

import orjson
import psycopg

# The representation of /api/v1/mla-requests/ (requests/api/serializers.py), built by PostgreSQL: codes of the
# related authorities and network by join, legal bases and offences as arrays, the earliest open clock and the
# overdue flag as subqueries (requests.selectors.with_deadlines).
SELECT = """
SELECT r.id, r.reference, r.kind, r.title, r.state, r.version, r.case_id AS "case",
       ra.code AS requesting_authority, r.requesting_state_id AS requesting_state, rca.code AS requesting_central_authority,
       r.requested_state_id AS requested_state, qca.code AS requested_central_authority, ea.code AS executing_authority,
       ARRAY(SELECT i.code FROM mla_mlarequest_legal_bases l JOIN networks_instrument i ON i.id = l.instrument_id
             WHERE l.mlarequest_id = r.id ORDER BY i.code) AS legal_bases,
       r.channel, n.code AS channel_network,
       ARRAY(SELECT o.code FROM mla_mlarequest_offences l JOIN networks_offence o ON o.id = l.offence_id
             WHERE l.mlarequest_id = r.id ORDER BY o.code) AS offences,
       r.subject_and_authority, r.facts_summary, r.purpose, r.special_procedure, r.persons_unknown_reason, r.urgent,
       r.urgency_reason, r.confidentiality_required, r.confidentiality_note, r.use_restriction, r.requested_due_date,
       r.due_reason, r.language, r.additional_content,
       (SELECT d.due_at FROM deadlines_deadline d WHERE d.content_type_id = %(ct)s AND d.object_id = r.id::text
          AND d.state IN ('open', 'paused') ORDER BY d.due_at LIMIT 1) AS next_due_at,
       (EXISTS (SELECT 1 FROM deadlines_deadline d WHERE d.content_type_id = %(ct)s AND d.object_id = r.id::text
          AND d.state = 'open' AND d.due_at < now())
        OR (r.transmitted_at IS NULL AND r.requested_due_date < current_date)) IS TRUE AS overdue,
       r.created_at, r.updated_at, r.submitted_at, r.approved_at, r.transmitted_at, r.finished_at
FROM mla_mlarequest r
JOIN networks_authority ra ON ra.id = r.requesting_authority_id
LEFT JOIN networks_authority rca ON rca.id = r.requesting_central_authority_id
LEFT JOIN networks_authority qca ON qca.id = r.requested_central_authority_id
LEFT JOIN networks_authority ea ON ea.id = r.executing_authority_id
LEFT JOIN networks_network n ON n.id = r.channel_network_id
WHERE (r.requesting_authority_id = %(authority)s OR r.executing_authority_id = %(authority)s
       OR (r.requesting_state_id = %(country)s AND r.submitted_at IS NOT NULL)
       OR (r.requested_state_id = %(country)s AND r.transmitted_at IS NOT NULL))
  AND r.state = %(state)s AND r.requested_state_id = %(requested_state)s AND r.id < %(before)s
ORDER BY r.id DESC LIMIT %(limit)s
"""
_connection = None
_content_type: int | None = None


def _conn():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _connection


def _mla_content_type(cursor) -> int:
    global _content_type
    if _content_type is None:
        cursor.execute("SELECT id FROM django_content_type WHERE app_label = 'mla' AND model = 'mlarequest'")
        _content_type = cursor.fetchone()[0]
    return _content_type


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
        params["ct"] = _mla_content_type(cursor)
        cursor.execute(SELECT, params, prepare=True)
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    results = [dict(zip(names, row, strict=True)) for row in rows[:size]]
    following = None
    if len(rows) > size:
        token = base64.urlsafe_b64encode(f"p={results[-1]['id']}".encode()).decode()
        following = f"?cursor={token}"
    body = orjson.dumps({"next": following, "previous": None, "results": results}, option=orjson.OPT_UTC_Z)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
