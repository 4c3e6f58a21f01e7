from datetime import UTC, datetime

from django.core.checks import run_checks

from coopcases.deadlines.expiry import run_expiry_handlers

calls = []


def expire_jits(*, now):
    calls.append(("jits", now))
    return 2


def broken(*, now):
    raise RuntimeError("table missing")


def test_every_handler_runs_and_a_broken_one_does_not_stop_the_others(settings, caplog):
    settings.DEADLINE_EXPIRY_HANDLERS = [f"{__name__}.broken", f"{__name__}.expire_jits"]
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    calls.clear()

    assert run_expiry_handlers(now=now) == {f"{__name__}.broken": None, f"{__name__}.expire_jits": 2}
    assert calls == [("jits", now)]
    assert "expiry handler tests.deadlines.test_expiry.broken failed" in caplog.text


def test_a_handler_that_does_not_import_fails_the_system_check(settings):
    settings.DEADLINE_EXPIRY_HANDLERS = ["cases.services.no_such_handler", f"{__name__}.calls"]

    ids = sorted(e.id for e in run_checks() if e.id.startswith("deadlines."))
    assert ids == ["deadlines.E001", "deadlines.E002"]
