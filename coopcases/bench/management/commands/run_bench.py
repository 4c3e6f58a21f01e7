"""`make bench`: start the real stack on generated data, load it with `hey`, and print the table of issue 10.

Starts gunicorn (the application, production settings, PostgreSQL, Redis cache and broker), a Celery worker, and
gunicorn serving the raw psycopg + orjson baseline (coopcases/bench/rawapp.py); authenticates with an OAuth2 bearer
token of a central authority officer (visibility filtering and audit as in production; the client throttle is
raised so that it does not cut the run short). Then measures, with `hey` (Debian package), the list page (cursor
of 50, filtered by state and requested state), a page 10,000 deep, the detail and the raw baseline at each
concurrency; the `updated_since` sync of the last hour; approvals end to end (state, event, audit, outbox); a
mixed load (every read and approvals at once);
query counts; EXPLAIN of the list and of the sweep; `bench_sweep`; `bench_webhooks`; the RSS of a web worker and
of the Celery worker. Results go to --out (JSON) and, with --plot, a PNG of latency against concurrency.

The endpoint URLs are parameters.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken

from coopcases.accounts.models import User
from coopcases.audit.chain import entry_digest
from coopcases.audit.models import AuditEntry
from coopcases.core.context import acting
from coopcases.events.models import Event
from requests.models import MlaRequest, MlaRequestState
from requests.selectors import awaiting_decision_of, mla_requests_visible_to
from requests.services import mla_request_transition


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _chain_from(head_id: int) -> str:
    """The audit rows appended after `head_id` (concurrent writers) still form one chain: each links to the one before
    and re-hashes to its stored hash. The whole chain is `manage.py verify_audit`'s walk; this checks the run's part."""
    previous = AuditEntry.objects.filter(id__lte=head_id).order_by("-id").values_list("hash", flat=True).first()
    count = 0
    for entry in AuditEntry.objects.filter(id__gt=head_id).order_by("id").iterator():
        if (previous is not None and entry.prev_hash != previous) or entry_digest(entry) != entry.hash:
            return f"broken at entry #{entry.pk}"
        previous, count = entry.hash, count + 1
    return f"intact ({count} new entries)"


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p={position}".encode()).decode()


class Command(BaseCommand):
    help = "Benchmark the running stack on generated data (see docs/benchmarks.md)."

    def add_arguments(self, parser):
        parser.add_argument("--list-url", default="/api/v1/mla-requests/")
        parser.add_argument("--detail-url", default="/api/v1/mla-requests/{id}/")
        parser.add_argument("--approve-url", default="/api/v1/mla-requests/{id}/transitions/",
                            help="POST URL of the transitions, {id} templated; used over HTTP when the API list answers, else in-process")
        parser.add_argument("--clients", default="1,8,32")
        parser.add_argument("--duration", type=int, default=10, help="Seconds per hey run")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (application and baseline alike)")
        parser.add_argument("--port", type=int, default=8761)
        parser.add_argument("--raw-port", type=int, default=8762)
        parser.add_argument("--approvals", type=int, default=300)
        parser.add_argument("--approval-threads", type=int, default=4)
        parser.add_argument("--mixed-approvals", type=int, default=100, help="Approvals made during the mixed-load run")
        parser.add_argument("--sweep-open", type=int, default=1_000_000)
        parser.add_argument("--sweep-due", type=int, default=1000)
        parser.add_argument("--webhooks", type=int, default=2000)
        parser.add_argument("--webhook-backlog", type=int, default=100_000, help="Backlog drained by bench_webhooks (0: none)")
        parser.add_argument("--out", default="var/bench/results.json")
        parser.add_argument("--plot", default="", help="Write a PNG of latency against concurrency here")
        parser.add_argument("--export-rows", type=int, default=1_000_000, help="Rows of the streamed CSV export measured")
        parser.add_argument("--skip", default="", help="Comma-separated parts to skip: sweep,webhooks,export,approve,mixed")

    # -- orchestration ---------------------------------------------------------------------------------------------

    def handle(self, *args, **opts):
        if shutil.which("hey") is None:
            raise CommandError("`hey` is not installed: apt-get install -y hey")
        if not MlaRequest.objects.exists():
            raise CommandError("No MLA requests: run generate_load_data first.")
        self.opts = opts
        self.skip = set(filter(None, opts["skip"].split(",")))
        self.clients = [int(c) for c in opts["clients"].split(",")]
        self.results: dict = {"date": timezone.now().isoformat(timespec="seconds"), "machine": self._machine(),
                              "data": self._data_size(), "clients": self.clients}
        self.actor, self.country, self.requested_state, self.state = self._actor()
        token = self._token(self.actor)
        self.auth = f"Bearer {token}"
        self.processes: list[subprocess.Popen] = []
        try:
            self._start()
            self._endpoints()
            self._reads()
            self.results["query_counts"] = self._query_counts()
            self.results["in_process"] = self._in_process()
            self.results["visibility_cost"] = self._visibility_cost()
            self.results["explain_list"] = self._explain_list()
            if "approve" not in self.skip:
                self.results["approve"] = self._approve()
            if "mixed" not in self.skip:
                self.results["mixed"] = self._mixed()
            self.results["rss_mb"] = self._rss()
        finally:
            self._stop()
        out = Path(opts["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(self.results, indent=2, default=str))  # kept even if a command below fails
        for part, measure in (("sweep", self._sweep), ("webhooks", self._webhooks), ("export", self._export)):
            if part not in self.skip:
                try:
                    self.results[part] = measure()
                except subprocess.CalledProcessError as exc:
                    self.results[part] = {"error": (exc.stderr or "")[-500:]}
                out.write_text(json.dumps(self.results, indent=2, default=str))
        self._report()
        if opts["plot"]:
            self._plot(Path(opts["plot"]))

    def _machine(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            buffers = cursor.fetchone()[0]
        meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
        return {"nproc": os.cpu_count(), "ram_gib": round(int(meminfo[1]) / 1024 / 1024, 1), "postgresql": pg,
                "shared_buffers": buffers, "python": sys.version.split()[0], "load_before": os.getloadavg()}

    def _data_size(self) -> dict:
        sizes = {}
        with connection.cursor() as cursor:
            for table in ("mla_mlarequest", "events_event", "audit_auditentry", "deadlines_deadline", "cases_case",
                          "cases_jointinvestigationteam", "assets_asset"):
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
                sizes[table] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            sizes["database"] = cursor.fetchone()[0]
        return sizes

    def _actor(self):
        """The central authority officer of the busiest requesting state, filtering by its busiest partner."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT requesting_state_id FROM mla_mlarequest GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
            country = cursor.fetchone()[0]
            cursor.execute("SELECT requested_state_id FROM mla_mlarequest WHERE state = 'in_execution' AND requesting_state_id = %s "
                           "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", [country])
            requested = cursor.fetchone()[0]
        actor = (User.objects.filter(authority__country_id=country, authority__kind="central_authority",
                                     roles__code="central_authority_officer", username__startswith="bench-")
                 .select_related("authority").order_by("id").first())
        return actor, country, requested, MlaRequestState.IN_EXECUTION

    def _token(self, user) -> str:
        raw = secrets.token_urlsafe(32)
        AccessToken.objects.create(user=user, token=raw, scope=" ".join(settings.OAUTH2_PROVIDER["SCOPES"]),
                                   expires=timezone.now() + timedelta(hours=6))
        return raw

    def _env(self) -> dict:
        env = dict(os.environ)
        env.update(DJANGO_SETTINGS_MODULE="coopcases.settings.prod", SECRET_KEY=secrets.token_urlsafe(64),
                   SECURE_SSL_REDIRECT="false", DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost",
                   API_THROTTLE_RATE="100000000/min", LOG_LEVEL="WARNING",
                   DATABASE_URL=os.environ.get("DATABASE_URL", ""), REDIS_URL=os.environ.get("REDIS_URL", ""))
        return env

    def _start(self) -> None:
        bindir = Path(sys.executable).parent
        env = self._env()
        workers = str(self.opts["workers"])
        log = open(Path(self.opts["out"]).with_suffix(".servers.log"), "w")  # noqa: SIM115 (lives as long as the servers)
        self.web = subprocess.Popen([  # noqa: S603 (our own binaries and arguments)
            str(bindir / "gunicorn"), "coopcases.wsgi:application", "-w", workers, "-b",
                                     f"127.0.0.1:{self.opts['port']}", "--log-level", "warning"], env=env, stdout=log, stderr=log)
        self.raw = subprocess.Popen([  # noqa: S603
            str(bindir / "gunicorn"), "coopcases.bench.rawapp:application", "-w", workers, "-b",
                                     f"127.0.0.1:{self.opts['raw_port']}", "--log-level", "warning"], env=env, stdout=log, stderr=log)
        self.worker = subprocess.Popen([  # noqa: S603
            str(bindir / "celery"), "-A", "coopcases", "worker", "--pool=threads", "--concurrency=2",
                                        "-Q", "default,sweeps,deliveries", "--loglevel=WARNING"], env=env, stdout=log, stderr=log)
        self.processes = [self.web, self.raw, self.worker]
        self.base = f"http://127.0.0.1:{self.opts['port']}"
        self.raw_base = f"http://127.0.0.1:{self.opts['raw_port']}/"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            raise CommandError("gunicorn did not answer /healthz within 2 minutes (see the .servers.log next to --out)")
        self.stdout.write(f"stack up: gunicorn ×{workers} on {self.base}, baseline on {self.raw_base}, celery worker")

    def _stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    # -- endpoints ------------------------------------------------------------------------------------------------

    def _endpoints(self) -> None:
        list_url, detail_url = self.opts["list_url"], self.opts["detail_url"]
        filters = {"state": self.state, "requested_state": self.requested_state}
        visible = mla_requests_visible_to(self.actor)
        detail_id = visible.filter(**{"state": self.state, "requested_state_id": self.requested_state}).order_by("-id").values_list("id", flat=True).first()
        ids = visible.order_by("-id").values_list("id", flat=True)
        deep = ids[500_000] if ids.count() > 500_001 else ids[ids.count() - 51]
        deep_filter = {"state": self.state, "requested_state": self.requested_state}
        self.deep_note = "page 10,000 (500,000 rows deep), unfiltered" if ids.count() > 500_001 else "last page, unfiltered"
        self.urls = {
            "list": f"{self.base}{list_url}?{urlencode(filters)}",
            "list_deep": f"{self.base}{list_url}?{urlencode({'cursor': _cursor(deep)})}",
            "detail": f"{self.base}{detail_url.format(id=detail_id)}",
            "raw_list": f"{self.raw_base}?{urlencode({**deep_filter, 'authority': self.actor.authority_id, 'country': self.country})}",
        }
        for name, url in self.urls.items():
            headers = {} if name == "raw_list" else {"Authorization": self.auth}
            r = httpx.get(url, headers=headers, timeout=30)
            if r.status_code != 200:
                raise CommandError(f"{name}: {url} answered {r.status_code}: {r.text[:300]}")
        ours = httpx.get(self.urls["list"], headers={"Authorization": self.auth}, timeout=30).json()
        raw = httpx.get(self.urls["raw_list"], timeout=30).json()
        same = [r["id"] for r in ours["results"]] == [r["id"] for r in raw["results"]]
        ours_fields = set(ours["results"][0]) if ours["results"] else set()
        raw_fields = set(raw["results"][0]) if raw["results"] else set()
        self.results["baseline_field_difference"] = sorted(ours_fields ^ raw_fields)
        self.results["endpoints"] = {"measured": "api", "list_url": list_url, "detail_url": detail_url, "urls": self.urls,
                                     "actor": self.actor.username, "filters": filters, "deep_page": self.deep_note,
                                     "baseline_same_rows": same, "page_rows": len(ours["results"])}
        if not same:
            self.stdout.write(self.style.WARNING("the baseline page and ours hold different rows"))

    def _hey_command(self, url: str, clients: int, *, auth: bool = True, duration: int | None = None) -> list[str]:
        command = ["hey", "-z", f"{duration or self.opts['duration']}s", "-c", str(clients)]
        if auth:
            command += ["-H", f"Authorization: {self.auth}"]
        return [*command, url]

    @staticmethod
    def _hey_figures(output: str) -> dict:
        percentiles = {int(p): float(s) * 1000 for p, s in re.findall(r"^\s*(\d+)% in ([\d.]+) secs", output, re.M)}
        rps = float(re.search(r"Requests/sec:\s*([\d.]+)", output).group(1))
        codes = dict(re.findall(r"\[(\d+)\]\s+(\d+) responses", output))
        errors = sum(int(n) for code, n in codes.items() if not code.startswith("2"))
        return {"p50": round(percentiles.get(50, 0), 2), "p95": round(percentiles.get(95, 0), 2),
                "p99": round(percentiles.get(99, 0), 2), "rps": round(rps, 1), "non_2xx": errors, "codes": codes}

    def _hey(self, url: str, clients: int, *, auth: bool = True, duration: int | None = None) -> dict:
        command = self._hey_command(url, clients, auth=auth, duration=duration)
        return self._hey_figures(subprocess.run(command, capture_output=True, text=True, check=True).stdout)  # noqa: S603

    def _reads(self) -> None:
        runs: dict = {}
        for clients in self.clients:
            for name in ("raw_list", "list", "list_deep", "detail"):
                runs.setdefault(name, {})[clients] = self._hey(self.urls[name], clients, auth=name != "raw_list")
                self.stdout.write(f"  {name:<10} c={clients:<3} {runs[name][clients]}")
        self.results["reads"] = runs
        # The last hour of the data (generated data stops at its --now, which may be hours ago).
        newest = MlaRequest.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        since = (min(newest, timezone.now()) - timedelta(hours=1)).isoformat()
        url = f"{self.base}{self.results['endpoints']['list_url']}?{urlencode({'updated_since': since})}"
        self.urls["sync"] = url
        page = httpx.get(url, headers={"Authorization": self.auth}, timeout=30).json()
        self.results["sync"] = {"url": url, "rows_first_page": len(page.get("results", [])), **self._hey(url, 1, duration=5)}

    # -- in-process parts -------------------------------------------------------------------------------------------

    def _query_counts(self) -> dict:
        client = Client(HTTP_AUTHORIZATION=self.auth)
        list_url = self.results["endpoints"]["list_url"]
        counts = {}
        client.get(list_url, {"page_size": 1})  # warm the per-process caches (content types), as a running worker has them
        for label, params in (("list_1_row", {"page_size": 1}), ("list_100_rows", {"page_size": 100})):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(list_url, {"state": self.state, "requested_state": self.requested_state, **params})
            counts[label] = {"queries": len(ctx.captured_queries), "status": response.status_code,
                             "rows": len(response.json().get("results", [])) if response.status_code == 200 else 0,
                             "sql": [q["sql"][:300] for q in ctx.captured_queries]}
        detail_path = self.urls["detail"].removeprefix(self.base)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(detail_path)
        counts["detail"] = {"queries": len(ctx.captured_queries), "status": response.status_code}
        return counts

    def _in_process(self, repeat: int = 40) -> dict:
        """The same list page (and our detail) without HTTP in this process, the calls interleaved so that the
        neighbours' load falls on both alike: medians, and ratios to the raw page."""
        from coopcases.bench import rawapp

        client = Client(HTTP_AUTHORIZATION=self.auth)
        paths = {name: self.urls[name].removeprefix(self.base) for name in ("list", "detail")}
        raw_query = self.urls["raw_list"].split("?", 1)[1]
        calls = {"raw": lambda: b"".join(rawapp.application({"QUERY_STRING": raw_query}, lambda status, headers: None)),
                 "ours": lambda: client.get(paths["list"]), "detail": lambda: client.get(paths["detail"])}
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for call in calls.values():
            call()
        with override_settings(DEBUG=False):  # as in production: no query log
            for _ in range(repeat):
                for name, call in calls.items():
                    t0 = time.perf_counter()
                    call()
                    samples[name].append((time.perf_counter() - t0) * 1000)
        timings = {name: round(statistics.median(values), 2) for name, values in samples.items()}
        timings["detail_p95"] = round(sorted(samples["detail"])[int(repeat * 0.95) - 1], 2)
        timings["ratio"] = round(timings["ours"] / timings["raw"], 1) if timings["raw"] else None
        timings["detail_ratio"] = round(timings["detail"] / timings["raw"], 1) if timings["raw"] else None
        return timings

    def _visibility_cost(self, repeat: int = 40) -> dict:
        """What visibility filtering costs the database: the SQL of our list page's rows and of our detail's row, with
        the officer's visibility predicate and without it (the same query otherwise), compiled once and executed
        interleaved; target ≤ 1.3×."""
        from requests.selectors import mla_request_rows, with_deadlines

        detail_id = int(self.urls["detail"].rstrip("/").rsplit("/", 1)[1])
        bases = {"filtered": mla_requests_visible_to(self.actor), "unfiltered": MlaRequest.objects.all()}
        queries = {}
        for name, base in bases.items():
            rows = mla_request_rows(self.actor, with_deadlines(base))
            queries[f"list_{name}"] = rows.filter(state=self.state, requested_state_id=self.requested_state).order_by("-id")[:51]
            queries[f"detail_{name}"] = rows.filter(pk=detail_id)
        compiled = {name: qs.query.sql_with_params() for name, qs in queries.items()}
        samples: dict[str, list[float]] = {name: [] for name in queries}
        with connection.cursor() as cursor:
            for _ in range(repeat):
                for name, (sql, params) in compiled.items():
                    t0 = time.perf_counter()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    samples[name].append((time.perf_counter() - t0) * 1000)
        out = {name: round(statistics.median(values), 3) for name, values in samples.items()}
        for read in ("list", "detail"):
            out[f"{read}_ratio"] = round(out[f"{read}_filtered"] / out[f"{read}_unfiltered"], 2)
        return out

    def _explain_list(self) -> str:
        qs = mla_requests_visible_to(self.actor).filter(state=self.state, requested_state_id=self.requested_state).order_by("-id")[:51]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def _approve(self, count: int | None = None, threads: int | None = None) -> dict:
        """Approvals by the requesting central authority's officer, each one transaction: state, event, audit, outbox."""
        threads = threads or self.opts["approval_threads"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT requesting_central_authority_id FROM mla_mlarequest WHERE state = 'submitted' "
                           "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
            authority_id = cursor.fetchone()[0]
        officers = list(User.objects.filter(authority_id=authority_id, roles__code="central_authority_officer").order_by("id"))
        queue = list(awaiting_decision_of(officers[0]).values_list("id", "created_by_id", "submitted_by_id")[: count or self.opts["approvals"]])
        jobs = []
        for pk, drafter, submitter in queue:
            approver = next(o for o in officers if o.pk not in (drafter, submitter))
            jobs.append((pk, approver))
        events_before, audit_before = Event.objects.count(), AuditEntry.objects.count()
        head_before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        jobs_iter = iter(jobs)
        over_http = self.results["endpoints"]["measured"] == "api"
        tokens = {o.pk: f"Bearer {self._token(o)}" for o in officers} if over_http else {}

        def take():
            with lock:
                return next(jobs_iter, None)

        def approve_in_process(pk, approver):
            with acting("api"):
                mla_request_transition(pk=pk, action="approve", actor=approver)

        def work():
            from django.db import connections

            http = httpx.Client(timeout=60) if over_http else None
            try:
                while (job := take()) is not None:
                    pk, approver = job
                    t0 = time.perf_counter()
                    try:
                        if http is None:
                            approve_in_process(pk, approver)
                        else:
                            response = http.post(self.base + self.opts["approve_url"].format(id=pk), json={"action": "approve"},
                                                 headers={"Authorization": tokens[approver.pk], "Idempotency-Key": secrets.token_hex(16)})
                            if response.status_code >= 300:
                                errors.append(f"{response.status_code} {response.text[:150]}")
                    except Exception as exc:  # noqa: BLE001 (counted and reported, the run goes on)
                        errors.append(repr(exc)[:200])
                    latencies.append((time.perf_counter() - t0) * 1000)
            finally:
                if http is not None:
                    http.close()
                connections.close_all()

        workers = [threading.Thread(target=work) for _ in range(threads)]
        started = time.perf_counter()
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        elapsed = time.perf_counter() - started
        approved = MlaRequest.objects.filter(pk__in=[j[0] for j in jobs], state=MlaRequestState.APPROVED).count()
        time.sleep(3)  # let the worker take the dispatches
        outbox = Event.objects.filter(event_type="mla_request.approve", object_id__in=[str(j[0]) for j in jobs])
        latencies.sort()
        return {
            "how": ("HTTP POST …/transitions/ {action: approve} with each officer's bearer token" if over_http
                    else "in-process service call (mla_request_transition)") + "; on-commit dispatch to the Celery worker",
            "threads": threads, "attempted": len(jobs), "approved": approved, "errors": len(errors),
            "error_sample": errors[:3], "p50": round(statistics.median(latencies), 2) if latencies else None,
            "p95": round(latencies[int(len(latencies) * 0.95) - 1], 2) if latencies else None,
            "per_second": round(len(jobs) / elapsed, 1) if elapsed else None,
            "event_rows": Event.objects.count() - events_before, "audit_rows": AuditEntry.objects.count() - audit_before,
            "outbox_dispatched": outbox.filter(dispatched_at__isnull=False).count(), "outbox_rows": outbox.count(),
            "audit_chain": _chain_from(head_before),
        }

    def _mixed(self) -> dict:
        """Every kind of read and approvals at once, for --duration seconds, as officers and partner systems load it."""
        streams = {"list": 4, "list_deep": 2, "detail": 4, "sync": 2}
        running = {name: subprocess.Popen(self._hey_command(self.urls[name], clients), stdout=subprocess.PIPE, text=True)  # noqa: S603
                   for name, clients in streams.items()}
        approvals: dict = {}
        writer = threading.Thread(target=lambda: approvals.update(self._approve(count=self.opts["mixed_approvals"], threads=2)))
        writer.start()
        reads = {name: self._hey_figures(process.communicate()[0]) for name, process in running.items()}
        writer.join()
        total = sum(r["rps"] for r in reads.values()) + (approvals.get("per_second") or 0)
        worst_p95 = max([r["p95"] for r in reads.values()] + [approvals.get("p95") or 0])
        return {"clients": streams, "reads": reads, "approve": approvals, "requests_per_second": round(total, 1),
                "per_core": round(total / (os.cpu_count() or 1), 1), "worst_p95": worst_p95,
                "errors": sum(r["non_2xx"] for r in reads.values()) + approvals.get("errors", 0)}

    def _rss(self) -> dict:
        web_workers = _children(self.web.pid)
        celery = [self.worker.pid, *_children(self.worker.pid)]
        return {"web_workers": [_rss_mb(p) for p in web_workers], "web_master": _rss_mb(self.web.pid),
                "raw_workers": [_rss_mb(p) for p in _children(self.raw.pid)],
                "celery_worker": [_rss_mb(p) for p in celery]}

    def _manage(self, *args: str) -> str:
        env = dict(os.environ)
        return subprocess.run([sys.executable, "manage.py", *args], capture_output=True, text=True, check=True, env=env).stdout  # noqa: S603

    def _sweep(self) -> dict:
        # The generated clocks' reminders fall due as time passes; the periodic sweep of a running service would have
        # sent them. Send them first, so that bench_sweep finds only its own due rows.
        from coopcases.deadlines.sweeps import sweep_reminders

        with override_settings(EVENTS_DISPATCH_ON_COMMIT=False):
            caught_up = sweep_reminders().reminders
        self.stdout.write(f"caught up {caught_up} generated reminders; bench_sweep with {self.opts['sweep_open']:,} open "
                          f"deadlines, {self.opts['sweep_due']:,} due…")
        output = self._manage("bench_sweep", "--open", str(self.opts["sweep_open"]), "--due", str(self.opts["sweep_due"]),
                              "--allow-existing", "--json")
        return json.loads(output[output.index("["):])[-1]

    def _webhooks(self) -> dict:
        self.stdout.write(f"bench_webhooks with {self.opts['webhooks']:,} deliveries, backlog {self.opts['webhook_backlog']:,}…")
        output = self._manage("bench_webhooks", "--deliveries", str(self.opts["webhooks"]), "--workers", "2",
                              "--backlog", str(self.opts["webhook_backlog"])).strip()
        match = re.search(r"(\d+) deliveries/s", output)
        drained = re.search(r"drained: \d+/\d+ delivered in ([\d.]+) s", output)
        return {"line": " / ".join(output.splitlines()[-2:]), "per_second": int(match.group(1)) if match else None,
                "backlog_seconds": float(drained.group(1)) if drained else None}

    def _export(self) -> dict:
        self.stdout.write(f"bench_export of {self.opts['export_rows']:,} audit rows…")
        output = self._manage("bench_export", "--rows", str(self.opts["export_rows"]), "--json")
        return json.loads(output[output.index("{"):])

    # -- report -----------------------------------------------------------------------------------------------------

    def _report(self) -> None:
        r = self.results
        w = self.stdout.write
        w("")
        w(f"coopcases bench — {r['date']} — {r['machine']} — data {r['data']}")
        w(f"measured: {r['endpoints']['measured']} ({r['endpoints']['list_url']}); actor {r['endpoints']['actor']}; "
          f"filters {r['endpoints']['filters']}; baseline same rows: {r['endpoints']['baseline_same_rows']}")
        w(f"{'endpoint':<12} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'non-2xx':>7} {'p50 ratio':>9} {'rps ratio':>9}")
        reads = r["reads"]
        for name in ("raw_list", "list", "list_deep", "detail"):
            for c in r["clients"]:
                m, base = reads[name][c], reads["raw_list"][c]
                ratio = round(m["p50"] / base["p50"], 2) if base["p50"] else 0
                rps_ratio = round(base["rps"] / m["rps"], 2) if m["rps"] else 0
                w(f"{name:<12} {c:>7} {m['p50']:>8} {m['p95']:>8} {m['p99']:>8} {m['rps']:>8} {m['non_2xx']:>7} {ratio:>9} {rps_ratio:>9}")
        s = r["sync"]
        w(f"sync updated_since last hour: {s['rows_first_page']} rows on the first page, p50 {s['p50']} ms, p95 {s['p95']} ms, {s['rps']} req/s")
        if "approve" in r:
            a = r["approve"]
            w(f"approve end to end ({a['threads']} threads): {a['approved']}/{a['attempted']} approved, {a['errors']} errors, "
              f"p50 {a['p50']} ms, p95 {a['p95']} ms, {a['per_second']}/s; +{a['event_rows']} events, +{a['audit_rows']} audit rows, "
              f"outbox {a['outbox_dispatched']}/{a['outbox_rows']} dispatched by the worker; audit chain {a.get('audit_chain')}")
        if "mixed" in r:
            m = r["mixed"]
            w(f"mixed load (reads {m['clients']} + 2 approving threads): {m['requests_per_second']} req/s = {m['per_core']} per core, "
              f"worst p95 {m['worst_p95']} ms, {m['errors']} errors; "
              + ", ".join(f"{name} p95 {f['p95']} ms {f['rps']}/s" for name, f in m["reads"].items())
              + f", approve p95 {m['approve'].get('p95')} ms {m['approve'].get('per_second')}/s")
        ip = r["in_process"]
        w(f"in process (no HTTP), list page median: ours {ip['ours']} ms, raw {ip['raw']} ms, ratio {ip['ratio']}×; "
          f"detail median {ip['detail']} ms, p95 {ip['detail_p95']} ms ({ip['detail_ratio']}× the raw page)")
        v = r["visibility_cost"]
        w(f"visibility filtering, in process: list rows {v['list_filtered']} ms vs {v['list_unfiltered']} ms unfiltered "
          f"({v['list_ratio']}×), detail row {v['detail_filtered']} ms vs {v['detail_unfiltered']} ms ({v['detail_ratio']}×)")
        q = r["query_counts"]
        w(f"queries: list 1 row {q['list_1_row']['queries']}, list 100 rows {q['list_100_rows']['queries']}, detail {q['detail']['queries']}")
        if "error" in r.get("sweep", {}):
            w(f"sweep: failed: {r['sweep']['error']}")
        elif "sweep" in r:
            sw = r["sweep"]
            w(f"sweep: {sw['open']:,} open (+ generated), {sw['due']} due: claim {sw['claim_ms']} ms / {sw['claim_buffers']} buffers "
              f"(index {sw['claim_index']}, seq scan {sw['seq_scan']}); nothing due {sw['idle_claim_ms']} ms / {sw['idle_claim_buffers']} buffers; "
              f"full sweep {sw['sweep_seconds']} s = {sw['due_per_second']} due/s")
        if "webhooks" in r:
            w(f"webhooks: {r['webhooks'].get('line') or r['webhooks']}")
        if "export" in r:
            e = r["export"]
            w(f"CSV export (audit, streamed): {e.get('rows')} rows, peak RSS {e.get('peak_rss_mb')} MB "
              f"(target < {e.get('target_mb')} MB)" if "rows" in e else f"CSV export: {e}")
        w(f"RSS MB: {r['rss_mb']}")
        w("EXPLAIN ANALYZE of the list query:")
        w(r["explain_list"])

    def _plot(self, path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        r = self.results
        fig, ax = plt.subplots(figsize=(7, 4.2))
        labels = {"raw_list": "raw psycopg + orjson (list)", "list": "our list (page 1)", "list_deep": "our list (deep page)",
                  "detail": "our detail"}
        for name, label in labels.items():
            xs = r["clients"]
            ax.plot(xs, [r["reads"][name][c]["p50"] for c in xs], marker="o", label=f"{label} p50")
            ax.plot(xs, [r["reads"][name][c]["p95"] for c in xs], marker="x", linestyle="--", label=f"{label} p95")
        ax.set_xscale("log", base=2)
        ax.set_xticks(r["clients"], [str(c) for c in r["clients"]])
        ax.set_yscale("log")
        ax.set_xlabel("concurrent clients (hey -c)")
        ax.set_ylabel("latency, ms (log)")
        ax.set_title(f"coopcases latency vs concurrency — {r['data']['mla_mlarequest']:,} requests, {r['machine']['nproc']} cores")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        self.stdout.write(f"plot: {path}")
