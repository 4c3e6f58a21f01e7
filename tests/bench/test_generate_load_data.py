"""generate_load_data: deterministic per seed, every lifecycle state, constraints and the audit chain intact, and the
rows readable through the app's own selectors."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from coopcases.accounts.models import User
from coopcases.audit.chain import audit_chain_verify
from coopcases.bench.generator import PATHS, TABLE_ORDER, Generator, check_references
from coopcases.deadlines.models import Deadline
from coopcases.events.models import Event
from requests.models import MlaRequest, MlaRequestState
from requests.selectors import awaiting_decision_of, mla_request_get, mla_requests_visible_to, with_deadlines

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
N = 240

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference_data(db):
    call_command("load_reference_data", stdout=StringIO(), stderr=StringIO())


def _generate(seed: int, n: int = N) -> None:
    # The bench users take ids from a sequence, which a rollback does not rewind: rewind it, as a fresh database would be.
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM accounts_user")
    Generator(requests=n, seed=seed, now=NOW, chunk=100).run()


def _fingerprint() -> str:
    """Every generated row of every table, in id order, as one digest."""
    parts = []
    with connection.cursor() as cursor:
        for table in TABLE_ORDER:
            # The link table's own id comes from a sequence a rollback does not rewind: its pairs are what counts.
            row, order = ("(t.mlarequest_id, t.instrument_id)", "t.mlarequest_id") if table.endswith("_legal_bases") else ("t", "t.id")
            cursor.execute(f"SELECT md5(string_agg({row}::text, '|' ORDER BY {order})) FROM {table} t")  # noqa: S608
            parts.append(f"{table}:{cursor.fetchone()[0]}")
    return ";".join(parts)


def _secondary_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [list(TABLE_ORDER)])
        return {row[0] for row in cursor.fetchall()}


def test_same_seed_same_rows_other_seed_other_rows(reference_data):
    fingerprints = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            _generate(seed)
            fingerprints.append(_fingerprint())
            transaction.set_rollback(True)
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[0] != fingerprints[2]


def test_every_state_constraints_chain_and_indexes(reference_data):
    indexes_before = _secondary_indexes()
    call_command("generate_load_data", requests=N, seed=3, now="2026-11-23T12:00:00", chunk=100, stdout=StringIO())

    assert MlaRequest.objects.count() == N
    assert set(MlaRequest.objects.values_list("state", flat=True)) == set(MlaRequestState.values)
    assert check_references() == []
    assert audit_chain_verify().intact
    assert _secondary_indexes() == indexes_before  # dropped for the load, rebuilt identically
    # One event per step of each request's path: creation plus each transition, a gapless sequence.
    for req in MlaRequest.objects.order_by("?")[:20]:
        events = list(Event.objects.filter(object_type="mla.mlarequest", object_id=str(req.pk)).order_by("sequence"))
        assert [e.sequence for e in events] == list(range(1, len(PATHS[req.state]) + 1))
        assert events[-1].to_state == req.state
        assert req.version == len(events)
    # No open clock has a reminder already due: the sweep benchmark starts from a quiet table.
    assert not Deadline.objects.filter(state="open", next_reminder_at__lte=NOW).exists()
    assert Deadline.objects.filter(state="open").exists()
    # Most traffic between a few pairs of states.
    pairs = MlaRequest.objects.values_list("requesting_state_id", "requested_state_id")
    counts: dict = {}
    for pair in pairs:
        counts[pair] = counts.get(pair, 0) + 1
    top = sorted(counts.values(), reverse=True)[:10]
    assert sum(top) > N / 2


def test_refuses_a_database_that_holds_requests(reference_data):
    _generate(1, n=20)
    with pytest.raises(CommandError, match="already holds rows"):
        call_command("generate_load_data", requests=10, stdout=StringIO())


def test_the_app_selectors_read_the_generated_rows(reference_data, django_assert_max_num_queries):
    _generate(5)
    submitted = MlaRequest.objects.filter(state=MlaRequestState.SUBMITTED).first()
    officer = User.objects.filter(authority_id=submitted.requesting_central_authority_id, roles__code="central_authority_officer").first()
    queue = list(awaiting_decision_of(officer))
    assert submitted in queue
    visible = mla_requests_visible_to(officer)
    assert visible.filter(pk=submitted.pk).exists()
    assert visible.count() < MlaRequest.objects.count()  # visibility filters: other states' drafts are not shown
    assert mla_request_get(actor=officer, pk=submitted.pk) == submitted
    rows = list(with_deadlines(visible.filter(transmitted_at__isnull=False))[:50])
    assert rows and any(r.next_due_at is not None for r in rows)
