"""Soak: steady mixed load for SOAK_SECONDS (600 in `make faults` / `make soak`) against gunicorn and a Celery
worker on the test's own PostgreSQL and Redis: reads, filings (new drafts), transitions over HTTP, webhooks to a
partner. Zero errors, every webhook applied once, and flat memory (gunicorn RSS at the end within 10% + 5 MB of
its level after warm-up). Figures are printed for docs/reliability-figures.md."""

import os
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from django.db.models import Q

from coopcases.events.tasks import dispatch_pending
from coopcases.notifications.tasks import retry_webhooks
from tests.faults.scenarios import WALK, all_delivered, ledger, mla_world, partner_subscription, pump, undispatched

pytestmark = [pytest.mark.ephemeral, pytest.mark.xdist_group("faults"), pytest.mark.faults_long]
SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
CLIENTS = 4


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (gunicorn master and workers)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if int(status.parent.name) == pid or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


def test_steady_mixed_load(fresh_db, broker, receiver, partner_visibility, workers, live_server_process):
    from tests.requests.factories import complete_draft

    world, _ = mla_world(0)
    partner_subscription(receiver.url, event_types=["mla_request.*"])
    workers.start("soak", concurrency=2)
    lock, queue, counts, errors = threading.Lock(), [], Counter(), []
    stop = threading.Event()

    def filer():  # filings: new drafts, each walked by the clients
        while not stop.is_set():
            req = complete_draft(world)
            with lock:
                queue.append([req.pk, 0])
                counts["filings"] += 1
            time.sleep(0.5)

    def client():
        with httpx.Client(base_url=live_server_process.base_url, timeout=30) as http:
            while not stop.is_set():
                answer = http.get("/_faults/ping")
                counts["reads"] += 1
                if answer.status_code != 200:
                    errors.append(("read", answer.status_code))
                with lock:
                    job = next((j for j in queue if j[1] < len(WALK)), None)
                    if job:
                        queue.remove(job)
                if job is None:
                    time.sleep(0.1)
                    continue
                action, who = WALK[job[1]]
                answer = http.post(f"/_faults/mla/{job[0]}/transition", json={"action": action},
                                   headers={"X-Fault-Actor": str(world.user(who).pk)})
                counts["transitions"] += 1
                if answer.status_code != 200:
                    errors.append((action, answer.status_code, answer.text[:200]))
                job[1] += 1
                with lock:
                    queue.append(job)

    threads = [threading.Thread(target=filer)] + [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    pid = live_server_process.process.pid
    time.sleep(min(30, SOAK_SECONDS / 5))
    warm = rss_kb(pid)
    started = time.monotonic()
    while time.monotonic() - started < SOAK_SECONDS:
        dispatch_pending.apply_async()
        retry_webhooks.apply_async()
        time.sleep(10)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    end = rss_kb(pid)
    pump(lambda: undispatched() == 0 and all_delivered(), timeout=180, tick=lambda: (dispatch_pending.apply_async(), retry_webhooks.apply_async()))
    result = ledger(receiver, Q(event_type__startswith="mla_request."))
    print(f"soak: {SOAK_SECONDS}s {dict(counts)} webhooks={len(result.expected)} errors={len(errors)} rss_kb warm={warm} end={end}")  # noqa: T201
    assert errors == []
    assert result.clean, result
    assert end <= warm * 1.10 + 5 * 1024, f"memory grew: {warm} kB -> {end} kB"
