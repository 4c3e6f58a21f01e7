"""End to end through Redis and a real `celery worker` process: sweep → event → dispatch → inbox."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from urllib.parse import quote

import kombu
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from coopcases.celery import app
from coopcases.deadlines.tasks import sweep_reminders_task
from coopcases.notifications.models import Notification
from tests.factories import UserFactory
from tests.notifications.factories import RuleFactory, open_deadline

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),  # the worker must see committed rows
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]
WAIT_SECONDS = 60


def worker_database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, worker, log_path):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"nothing arrived within {WAIT_SECONDS}s; worker log:\n{log_path.read_text()[-4000:]}")


def test_a_due_reminder_reaches_the_inbox_through_a_real_worker(tmp_path):
    user = UserFactory()
    RuleFactory(event_type="deadline.reminder", recipient_keys=["responsible_authority"], channels=["inbox"])
    deadline = open_deadline(now=timezone.now(), due_in=timedelta(hours=10), offsets=[24], responsible=user.authority)
    # A key prefix of its own: no other worker on this Redis database can take the test's messages.
    prefix = f"e2e-{uuid.uuid4().hex}:"
    broker = kombu.Connection(
        app.conf.broker_url, transport_options={**app.conf.broker_transport_options, "global_keyprefix": prefix}
    )

    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coopcases.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_KEY_PREFIX": prefix,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "coopcases", "worker", "--pool=threads", "--concurrency=2",
        "-Q", "default,sweeps,deliveries", "-n", f"{prefix.rstrip(':')}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    ]
    with log_path.open("w") as log:
        worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        sweep_reminders_task.apply_async(connection=broker)  # through the broker, as beat would
        wait_for(lambda: Notification.objects.filter(user=user).exists(), worker, log_path)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        broker.release()
        client = redis.Redis.from_url(settings.REDIS_URL)
        leftovers = list(client.scan_iter(match=f"{prefix}*"))
        if leftovers:
            client.delete(*leftovers)

    notification = Notification.objects.get(user=user)
    assert notification.event.event_type == "deadline.reminder"
    assert notification.event.object_id == str(deadline.pk)
    assert notification.event.dispatched_at is not None
    assert notification.title.startswith('[coopcases] Reminder: "Answer the request"')
