"""Helpers shared by the deadlines, events and notifications tests."""

from __future__ import annotations

import http.server
import json
import queue
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import factory
from factory.django import DjangoModelFactory

from coopcases.accounts.roles import RoleCode
from coopcases.deadlines.models import DeadlineKind
from coopcases.deadlines.services import deadline_open
from coopcases.notifications.models import NotificationRule
from coopcases.notifications.services import webhook_subscription_create
from tests.factories import AuthorityFactory, UserFactory, bare_mla_request


class RuleFactory(DjangoModelFactory):
    class Meta:
        model = NotificationRule

    name = factory.Sequence(lambda i: f"rule {i}")
    event_type = "deadline.reminder"
    recipient_keys = factory.LazyFunction(lambda: ["responsible_authority"])
    channels = factory.LazyFunction(lambda: ["inbox", "email"])


def open_deadline(*, now, due_in: timedelta, offsets=(48, 24), responsible=None, started_ago=timedelta(days=30),
                  kind=DeadlineKind.OTHER, subject=None, label="Answer the request"):
    return deadline_open(
        subject=subject or bare_mla_request(),
        kind=kind,
        label=label,
        trigger_at=now - started_ago,
        due_at=now + due_in,
        responsible_authority=responsible or AuthorityFactory(),
        reminder_offsets_hours=list(offsets),
    )


def staff():
    return UserFactory(is_staff=True)


def service_account(authority=None):
    return UserFactory(roles=[RoleCode.SERVICE_ACCOUNT], **({"authority": authority} if authority else {}))


def subscribe(*, url: str, event_types=("deadline.*",), owner=None):
    owner = owner or service_account()
    return webhook_subscription_create(
        actor=staff(), owner=owner, authority=owner.authority, name="partner", target_url=url, event_types=list(event_types)
    )


@dataclass
class Received:
    body: bytes
    headers: dict


@dataclass
class Receiver:
    """A partner endpoint on 127.0.0.1: answers with the queued statuses (then 200) and records every request."""

    url: str
    requests: list = field(default_factory=list)
    statuses: queue.Queue = field(default_factory=queue.Queue)

    def answer(self, *statuses: int) -> None:
        for status in statuses:
            self.statuses.put(status)


def start_receiver():
    receiver = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.requests.append(Received(body=body, headers={k.lower(): v for k, v in self.headers.items()}))
            try:
                status = receiver.statuses.get_nowait()
            except queue.Empty:
                status = 200
            payload = json.dumps({"ok": status < 300}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return receiver, server
