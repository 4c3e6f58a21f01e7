"""Fixtures of the fault tests: an ephemeral PostgreSQL cluster and redis-server, a fresh database per test,
Celery workers and gunicorn run against them, a webhook receiver; and the Hypothesis profiles.

`make test` runs the quick tests here (Hypothesis profile "ci"); `make faults` sets FAULTS=long, which adds
the tests marked `faults_long` and switches to the "long" profile. The total of stateful steps executed is
printed at the end of the run (tests/conftest.py). Nothing here talks to the machine's shared
PostgreSQL or Redis, except the stateful tests, which use pytest-django's ordinary test database.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import uuid

import pytest
from django.db import connections
from hypothesis import HealthCheck, settings

from tests.faults.harness import (
    ROOT,
    PgCluster,
    Receiver,
    RedisServer,
    celery_worker,
    django_env,
    free_port,
    gunicorn_server,
    pg_bin,
)

LONG = os.environ.get("FAULTS") == "long"
TEMPLATE_DB = "coop_faults_template"
CACHE_DIR = ROOT / "var" / "faults-cache"

settings.register_profile("ci", max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile("long" if LONG else "ci")
# Steps per example of each stateful machine, and the floor each test asserts on the steps it really executed
# (Hypothesis ends some JIT examples early). `make test`: at most 10 × (130 + 150 + 90) = 3,700, at least 3,050;
# `make faults`: at most 100 × (300 + 300 + 150) = 75,000, at least 60,000.
STEPS = (
    {"mla": 300, "assets": 300, "jit": 150, "mla_floor": 24_000, "assets_floor": 24_000, "jit_floor": 12_000} if LONG
    else {"mla": 130, "assets": 150, "jit": 90, "mla_floor": 1_200, "assets_floor": 1_350, "jit_floor": 500}
)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    config.addinivalue_line("markers", "faults_long: fault test run only by `make faults` (FAULTS=long)")
    config.addinivalue_line("markers", "ephemeral: starts its own PostgreSQL and redis-server")
    config.addinivalue_line("markers", "sqlmap: runs sqlmap against a live server (`make test` runs the minimal scan)")
    # A SIGTERM (`timeout`, a cancelled CI job) would end pytest without teardown and leave our PostgreSQL, redis,
    # gunicorn and workers running (they are in their own sessions). As an interrupt, the fixtures stop them.
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)


def pytest_collection_modifyitems(config, items):
    if LONG:
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("faults_long") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def fault_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="session")
def pg():
    """The cluster, with a migrated template database each test copies (CREATE DATABASE … TEMPLATE)."""
    cluster = PgCluster()
    try:
        cluster.init()
        cluster.start()
        cluster.create_database(TEMPLATE_DB)
        migrated_template(cluster)
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def redis_server(fault_dir):
    server = RedisServer(fault_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def schema_key() -> str:
    """Changes whenever a migration or a pinned dependency does."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("*/migrations/*.py"), *ROOT.glob("coopcases/*/migrations/*.py")]):
        digest.update(path.read_bytes())
    digest.update((ROOT / "requirements.txt").read_bytes())
    return digest.hexdigest()[:16]


def migrated_template(cluster: PgCluster) -> None:
    """Migrate once, keep a dump under var/faults-cache/ (migrating takes minutes on a busy 2-core machine);
    later runs restore the dump in seconds."""
    dump = CACHE_DIR / f"template-{schema_key()}.dump"
    if dump.exists():
        restored = subprocess.run(
            [pg_bin("pg_restore"), "--no-owner", "-d", cluster.url(TEMPLATE_DB), str(dump)], capture_output=True, text=True, timeout=300
        )
        if restored.returncode == 0:
            return
        cluster.create_database(TEMPLATE_DB)
    env = django_env(cluster.url(TEMPLATE_DB), "")
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = dump.with_suffix(f".{os.getpid()}.partial")
    subprocess.run([pg_bin("pg_dump"), "-Fc", "-f", str(partial), cluster.url(TEMPLATE_DB)], check=True, timeout=300)
    partial.rename(dump)


_names = itertools.count(1)


@pytest.fixture
def fresh_db(pg, broker, django_db_blocker):
    """A new database copied from the template; this process's Django connections point at it for the test, and
    what it publishes goes to the test's own redis-server (never the machine's)."""
    name = f"coop_faults_{os.getpid()}_{next(_names)}"
    pg.create_database(name, template=TEMPLATE_DB)
    for conn in connections.all():
        conn.close()
    settings_dict = connections["default"].settings_dict
    saved = dict(settings_dict)
    settings_dict.update(NAME=name, HOST="127.0.0.1", PORT=str(pg.port), USER="postgres", PASSWORD="", CONN_MAX_AGE=0)
    settings_dict.setdefault("OPTIONS", {})
    with django_db_blocker.unblock():
        yield name
        for conn in connections.all():
            conn.close()
    settings_dict.clear()
    settings_dict.update(saved)


def reset_publishing(app) -> None:
    """Forget the pooled broker connections (kombu keeps producer pools per connection, process-wide)."""
    from kombu import pools

    pools.reset()
    app._pool, app.amqp._producer_pool = None, None


@pytest.fixture
def broker(redis_server, monkeypatch):
    """This process publishes to the test's own redis-server (empty at the start of each test)."""
    from coopcases.celery import app
    from coopcases.events import enqueue as enqueue_module

    subprocess.run(["redis-cli", "-p", str(redis_server.port), "FLUSHALL"], capture_output=True, timeout=10)
    saved_url, saved_options = app.conf.broker_url, dict(app.conf.broker_transport_options)
    reset_publishing(app)
    app.conf.broker_url = redis_server.url
    app.conf.broker_transport_options = {**saved_options, "global_keyprefix": "", "socket_connect_timeout": 2}
    monkeypatch.setattr(enqueue_module, "_paused_until", 0.0)
    yield redis_server
    reset_publishing(app)
    app.conf.broker_url, app.conf.broker_transport_options = saved_url, saved_options


@pytest.fixture
def partner_visibility(monkeypatch):
    from coopcases.notifications import recipients
    from tests.faults.partner import PARTNER_VISIBLE

    for object_type in PARTNER_VISIBLE:
        monkeypatch.setitem(recipients._visibility, object_type, lambda user, obj: True)


@pytest.fixture
def receiver():
    endpoint = Receiver().start()
    yield endpoint
    endpoint.stop()


@pytest.fixture
def process_env(pg, redis_server, fresh_db):
    return django_env(pg.url(fresh_db), redis_server.url)


@pytest.fixture
def workers(process_env, fault_dir):
    """Start Celery workers with `workers.start()`; all are stopped (or already killed) at the end."""
    started = []

    class Workers:
        def start(self, name: str = "worker", concurrency: int = 2):
            worker = celery_worker(process_env, fault_dir, name=f"{name}-{uuid.uuid4().hex[:6]}", concurrency=concurrency)
            started.append(worker.start())
            return worker

    yield Workers()
    for worker in started:
        worker.stop()


def serve(env: dict, log_dir, **options):
    """Start gunicorn serving tests.faults.wsgi on a free loopback port and wait until it answers; the caller
    stops it. `base_url` is set on the returned process."""
    import httpx

    from tests.faults.harness import wait_until

    port = free_port()
    server = gunicorn_server(env, log_dir, port, **options).start()

    def up():
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, timeout=60, what="gunicorn up")
    except TimeoutError:
        server.stop()
        raise AssertionError(server.tail()) from None
    server.base_url = f"http://127.0.0.1:{port}"
    return server


@pytest.fixture
def live_server_process(process_env, fault_dir):
    """gunicorn serving tests.faults.wsgi on a free loopback port; yields the process (with its `base_url`)."""
    server = serve(process_env, fault_dir)
    yield server
    server.stop()
