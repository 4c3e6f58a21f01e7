"""Benchmark of the reminder sweep on PostgreSQL: N open deadlines, K of them due (not a test; `make bench`).

For each table size it builds the rows with one INSERT … SELECT generate_series, VACUUM ANALYZEs the table, then
1. EXPLAIN (ANALYZE, BUFFERS) of one claim (`ORDER BY next_reminder_at LIMIT batch FOR UPDATE SKIP LOCKED`),
   with K due and with nothing due (rolled back: the rows stay due);
2. times full sweeps (`sweep_reminders`: claim, reminder rows, events, next moments) of the K due rows, `--repeat`
   times, resetting the due rows in between; the after-commit enqueue is off, so the figure is the database side.
The bench rows (label `bench:…`), their reminders and events are deleted at the end, whatever happens.

    manage.py bench_sweep --open 10000 --open 1000000 --due 1000
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from coopcases.deadlines.models import Deadline
from coopcases.deadlines.sweeps import claim_query, sweep_reminders

LABEL = "bench:"
# From each deadline event to its deadline by primary key: `object_id IN (SELECT … FROM deadlines_deadline …)` became,
# with stale statistics on a large events table, a scan of every deadline once per event (minutes at 1M rows).
_DELETE_EVENTS = (
    "DELETE FROM events_event e WHERE e.object_type = 'deadlines.deadline' AND EXISTS "
    "(SELECT 1 FROM deadlines_deadline d WHERE d.id = e.object_id::bigint AND d.label LIKE %s)"
)


class Command(BaseCommand):
    help = "Benchmark the deadline reminder sweep: time and buffers with N open deadlines of which K are due."

    def add_arguments(self, parser):
        parser.add_argument("--open", type=int, action="append", dest="sizes",
                            help="Open deadlines in the table (repeatable; default 10000 and 1000000)")
        parser.add_argument("--due", type=int, default=1000, help="How many of them are due (default 1000)")
        parser.add_argument("--batch", type=int, default=500, help="Sweep batch size (default 500)")
        parser.add_argument("--repeat", type=int, default=3, help="Timed sweeps per size; the median is reported")
        parser.add_argument("--allow-existing", action="store_true",
                            help="Run even if the table holds other deadlines (they would skew the figures)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the results as JSON")

    def handle(self, *args, sizes=None, due=1000, batch=500, repeat=3, allow_existing=False, as_json=False,
               **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_sweep measures PostgreSQL (partial indexes, SKIP LOCKED); DATABASE_URL is not.")
        sizes = sorted(sizes or [10_000, 1_000_000])
        if any(n < due for n in sizes):
            raise CommandError("--due cannot exceed --open.")
        if not allow_existing and Deadline.objects.exclude(label__startswith=LABEL).exists():
            raise CommandError("The database holds deadlines; use an empty bench database or --allow-existing.")
        results = []
        try:
            for n in sizes:
                self._cleanup()
                results.append(self._measure(n, due, batch, repeat))
        finally:
            self._cleanup()
        self._report(results, as_json)

    def _measure(self, n: int, due: int, batch: int, repeat: int) -> dict:
        now = timezone.now()
        started = time.perf_counter()
        self._build(n, due, now)
        built = time.perf_counter() - started
        with_due = self._explain(now, batch)
        none_due = self._explain(now - timedelta(days=1), batch)
        sweeps = []
        for _ in range(repeat):
            self._reset_due(now)
            with override_settings(EVENTS_DISPATCH_ON_COMMIT=False):
                t0 = time.perf_counter()
                result = sweep_reminders(now=now, batch=batch)
                sweeps.append(time.perf_counter() - t0)
            if result.reminders != due:
                raise CommandError(f"the sweep sent {result.reminders} reminders, expected {due}")
        return {
            "open": n, "due": due, "batch": batch, "build_seconds": round(built, 1),
            "claim_ms": with_due["ms"], "claim_buffers": with_due["buffers"], "claim_rows": with_due["rows"],
            "claim_index": with_due["index"], "seq_scan": with_due["seq_scan"] or none_due["seq_scan"],
            "idle_claim_ms": none_due["ms"], "idle_claim_buffers": none_due["buffers"],
            "sweep_seconds": round(statistics.median(sweeps), 4), "sweeps": [round(s, 4) for s in sweeps],
            "due_per_second": round(due / statistics.median(sweeps)),
        }

    def _build(self, n: int, due: int, now) -> None:
        content_type = ContentType.objects.get_for_model(Deadline)
        with connection.cursor() as cursor:
            # Due rows: reminder 24 h before a due moment 12 h away. The others: due in 30–90 days, reminder later.
            cursor.execute(
                """
                INSERT INTO deadlines_deadline
                    (content_type_id, object_id, kind, label, is_legal_limit, trigger_at, due_at, state,
                     paused_total_seconds, reminder_offsets_hours, next_reminder_at, extension_reason, created_at, updated_at)
                SELECT %(ct)s, g::text, 'other', %(label)s || CASE WHEN g <= %(due)s THEN 'due' ELSE 'later' END, false,
                       %(now)s - interval '30 days', d.due_at, 'open', 0, '[24]'::jsonb,
                       d.due_at - interval '24 hours', '', %(now)s, %(now)s
                FROM generate_series(1, %(n)s) AS g,
                     LATERAL (SELECT CASE WHEN g <= %(due)s THEN %(now)s + interval '12 hours'
                                          ELSE %(now)s + interval '30 days' + (g %% 86400) * interval '1 minute' END
                              AS due_at) AS d
                """,
                {"ct": content_type.pk, "label": LABEL, "due": due, "now": now, "n": n},
            )
            cursor.execute("VACUUM ANALYZE deadlines_deadline")

    def _explain(self, now, batch: int) -> dict:
        with transaction.atomic(), connection.cursor() as cursor:
            sql, params = claim_query(now, batch).query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]
            transaction.set_rollback(True)
        root = plan["Plan"]
        text = json.dumps(plan)
        return {
            "ms": round(plan["Execution Time"], 3),
            "buffers": root.get("Shared Hit Blocks", 0) + root.get("Shared Read Blocks", 0),
            "rows": root.get("Actual Rows", 0),
            "index": "deadline_reminder_due_idx" in text,
            "seq_scan": '"Seq Scan"' in text,
        }

    def _reset_due(self, now) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_DELETE_EVENTS, [LABEL + "due"])
            cursor.execute(
                "DELETE FROM deadlines_deadlinereminder WHERE deadline_id IN "
                "(SELECT id FROM deadlines_deadline WHERE label = %s)", [LABEL + "due"],
            )
            cursor.execute(
                "UPDATE deadlines_deadline SET next_reminder_at = due_at - interval '24 hours' WHERE label = %s",
                [LABEL + "due"],
            )
            cursor.execute("VACUUM ANALYZE deadlines_deadline")

    def _cleanup(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_DELETE_EVENTS, [LABEL + "%"])
            cursor.execute(
                "DELETE FROM deadlines_deadlinereminder WHERE deadline_id IN "
                "(SELECT id FROM deadlines_deadline WHERE label LIKE %s)", [LABEL + "%"],
            )
            cursor.execute("DELETE FROM deadlines_deadline WHERE label LIKE %s", [LABEL + "%"])

    def _report(self, results: list[dict], as_json: bool) -> None:
        smallest = results[0]
        for r in results:
            r["ratio_to_smallest"] = round(r["sweep_seconds"] / smallest["sweep_seconds"], 2)
        if as_json:
            self.stdout.write(json.dumps(results, indent=2))
            return
        self.stdout.write(
            f"{'open':>10} {'due':>6} {'claim ms':>9} {'buffers':>8} {'idle ms':>8} {'idle buf':>8} "
            f"{'index':>6} {'seqscan':>7} {'sweep s':>8} {'due/s':>7} {'ratio':>6}"
        )
        for r in results:
            self.stdout.write(
                f"{r['open']:>10} {r['due']:>6} {r['claim_ms']:>9} {r['claim_buffers']:>8} {r['idle_claim_ms']:>8} "
                f"{r['idle_claim_buffers']:>8} {'yes' if r['claim_index'] else 'NO':>6} "
                f"{'YES' if r['seq_scan'] else 'no':>7} {r['sweep_seconds']:>8} {r['due_per_second']:>7} "
                f"{r['ratio_to_smallest']:>6}"
            )
        self.stdout.write(
            "claim = EXPLAIN (ANALYZE, BUFFERS) of one batch claim; idle = the same with nothing due; "
            "sweep = median wall time of a full sweep of the due rows (reminder rows, events, next moments), "
            "after-commit enqueue off."
        )
