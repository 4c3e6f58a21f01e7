"""Processes the fault tests own: a PostgreSQL cluster and a redis-server of their own (temporary folder, free
loopback port), Celery workers and a gunicorn server run against them, and a webhook receiver that counts ids.

Never the machine's shared services: every process here is started by the test, on 127.0.0.1, and stopped by it.
Every wait is bounded (WAIT_SECONDS by default) and fails loudly with the process log.
"""

from __future__ import annotations

import glob
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60
PG_USER = "postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, *, timeout: float = WAIT_SECONDS, interval: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout}s")


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL binary {name} not found under /usr/lib/postgresql/*/bin")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: drop to the postgres system user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PgCluster:
    """An ephemeral PostgreSQL cluster: initdb in a temporary folder, trust auth, loopback only, its own port."""

    def __init__(self):
        # Its own folder under /tmp: pytest's folders are private to root, and the server runs as postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="coop-faults-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()

    def init(self) -> PgCluster:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            _as_postgres([pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", PG_USER, "-E", "UTF8", "--no-sync"]),
            check=True, capture_output=True, timeout=120,
        )
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c full_page_writes=off "
            f"-c max_connections=200 -c shared_buffers=64MB"
        )
        subprocess.run(
            _as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"]),
            check=True, capture_output=True, timeout=90,
        )
        wait_until(self.accepting, what="postgres accepting connections")

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects clients and shuts down cleanly; `immediate` is a crash (recovery on next start)."""
        subprocess.run(
            _as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"]),
            capture_output=True, timeout=90,
        )

    def restart(self, mode: str = "fast", down_for: float = 0.0) -> None:
        self.stop(mode)
        time.sleep(down_for)
        self.start()

    def accepting(self) -> bool:
        try:
            with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def dsn(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={PG_USER} dbname={dbname}"

    def url(self, dbname: str) -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        with psycopg.connect(self.dsn(dbname), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """redis-server on a free loopback port, no persistence: a stop loses whatever it held, as a real crash can."""

    def __init__(self, base: Path):
        self.dir = base / "redis"
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--protected-mode", "yes"],
            stdout=(self.dir / "redis.log").open("a"), stderr=subprocess.STDOUT,
        )
        try:
            wait_until(self.answering, what="redis answering")
        except TimeoutError:
            self.stop()
            raise

    def answering(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def django_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HYPOTHESIS"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_KEY_PREFIX": "",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    })
    env.update(extra)
    return env


class ManagedProcess:
    """A child in its own process group, so that a SIGKILL takes the Celery pool children with it."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.name, self.command, self.env = name, command, env
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> ManagedProcess:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def celery_worker(env: dict, log_dir: Path, name: str = "worker", concurrency: int = 2) -> ManagedProcess:
    command = [
        sys.executable, "-m", "celery", "-A", "tests.faults.worker_app", "worker", "--pool=prefork",
        f"--concurrency={concurrency}", "-Q", "default,sweeps,deliveries", "-n", f"{name}-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO", "--prefetch-multiplier=1",
    ]
    return ManagedProcess(name, command, env, log_dir)


def gunicorn_server(env: dict, log_dir: Path, port: int, workers: int = 2, threads: int = 4,
                    name: str = "gunicorn") -> ManagedProcess:
    # No control socket: its default path (~/.gunicorn/gunicorn.ctl) is shared with every other gunicorn here.
    command = [
        sys.executable, "-m", "gunicorn", "tests.faults.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--threads", str(threads), "--timeout", "30", "--graceful-timeout", "5", "--access-logfile", "-",
        "--no-control-socket",
    ]
    return ManagedProcess(name, command, env, log_dir)


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A sender that timed out has closed its socket before the answer: expected in timeout scenarios."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Receiver:
    """A partner endpoint on 127.0.0.1 that applies each webhook-id once (its idempotency key) and counts copies.

    `mode` decides the answer: "ok" (200), "fail" (503), "slow" (sleeps `delay` seconds, then 200).
    """

    url: str = ""
    mode: str = "ok"
    delay: float = 0.0
    received: Counter = field(default_factory=Counter)  # webhook-id -> copies received
    applied: list = field(default_factory=list)  # (webhook-id, object key, sequence) in the order first applied
    per_object: dict = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def effects(self) -> Counter:
        """How many times each id took effect at the partner: 1 for each id received, thanks to deduplication."""
        return Counter(dict.fromkeys(self.received, 1))

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.applied.clear()
            self.per_object.clear()

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                msg_id = self.headers.get("webhook-id", "")
                if receiver.mode == "slow":
                    time.sleep(receiver.delay)
                if receiver.mode == "fail":
                    self._answer(503)
                    return
                data = json.loads(body or b"{}").get("data", {})
                with receiver.lock:
                    first = msg_id not in receiver.received
                    receiver.received[msg_id] += 1
                    if first:
                        key = f"{data.get('object_type')}:{data.get('object_id')}"
                        receiver.applied.append((msg_id, key, data.get("sequence")))
                        receiver.per_object[key].append(data.get("sequence"))
                self._answer(200)

            def _answer(self, status: int):
                payload = b"{}"
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
