"""Fixtures shared by tests/deadlines, tests/events and tests/notifications (imported by their conftest)."""

import importlib

import pytest

from coopcases.events import enqueue as enqueue_module
from tests.notifications.factories import start_receiver


@pytest.fixture(autouse=True)
def broker_not_paused(monkeypatch):
    """A test that simulated a broker outage must not silence publishing in the next one."""
    monkeypatch.setattr(enqueue_module, "_paused_until", 0.0)


@pytest.fixture
def receiver():
    endpoint, server = start_receiver()
    yield endpoint
    server.shutdown()
    server.server_close()


@pytest.fixture
def default_rules(db):
    """The rules and kind settings the data migrations seed: a transactional test elsewhere may have flushed them."""
    from django.apps import apps

    for module in ("coopcases.notifications.migrations.0002_default_rules", "coopcases.deadlines.migrations.0003_seed_kind_settings"):
        importlib.import_module(module).seed(apps, None)
