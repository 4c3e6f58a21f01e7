"""Peak memory of a streamed CSV export of N rows (issue 10: a 1M-row export under 200 MB). Not a test; `make bench`.

The export measured is the one that can reach millions of rows: the audit log (`audit.export.audit_export_csv`,
*Admin › Audit entries › Export*; the statistics CSV is a few hundred aggregated lines). A forked child process
builds the response for the first N audit rows and consumes its streamed content as a WSGI server would; it
reports its resident memory before the export and its peak (`ru_maxrss`), the bytes and the rows written. The
export is recorded in the audit log like any other.

    manage.py bench_export --rows 1000000
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from coopcases.audit.export import audit_export_csv
from coopcases.audit.models import AuditEntry

TARGET_MB = 200


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _export(rows: int, results) -> None:
    connections.close_all()  # never share the parent's connection
    last_id = AuditEntry.objects.order_by("id").values_list("id", flat=True)[rows - 1:rows].first()
    queryset = AuditEntry.objects.filter(id__lte=last_id) if last_id else AuditEntry.objects.all()
    before = _rss_mb()
    started = time.perf_counter()
    response = audit_export_csv(actor=None, queryset=queryset, filters={"bench": rows}, purpose="bench_export")
    written = lines = 0
    for chunk in response.streaming_content:
        written += len(chunk)
        lines += chunk.count(b"\n")
    results.put({
        "rows": lines - 1, "mb_written": round(written / 2**20, 1), "seconds": round(time.perf_counter() - started, 1),
        "rss_before_mb": round(before, 1), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    })
    connections.close_all()


class Command(BaseCommand):
    help = "Peak resident memory of a streamed CSV export of N audit rows."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, rows=1_000_000, as_json=False, **options):
        if not AuditEntry.objects.exists():
            raise CommandError("No audit entries: run generate_load_data first.")
        connections.close_all()
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        child = context.Process(target=_export, args=(rows, results))
        child.start()
        result = results.get(timeout=3600)
        child.join(timeout=60)
        result["target_mb"] = TARGET_MB
        if as_json:
            self.stdout.write(json.dumps(result))
            return
        verdict = "✔" if result["peak_rss_mb"] < TARGET_MB else "✘"
        self.stdout.write(
            f"audit CSV export of {result['rows']:,} rows ({result['mb_written']} MB) in {result['seconds']} s: "
            f"peak RSS {result['peak_rss_mb']} MB (before the export {result['rss_before_mb']} MB; "
            f"target < {TARGET_MB} MB {verdict})"
        )
