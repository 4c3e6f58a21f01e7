import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import translation

TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Attachments of a test land in its own folder."""
    settings.MEDIA_ROOT = str(tmp_path / "files")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language, whatever language an earlier test's code activated."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def _uses_transactional_db(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(TRANSACTIONAL_FIXTURES & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _audit_tables_flushable(request, django_db_blocker):
    """A transactional test ends with a flush that TRUNCATEs every table, which the audit tables' triggers refuse.

    Only for that flush does the test session (a PostgreSQL superuser, unlike the application's role) skip
    triggers; every test starts with them firing again, so the append-only tests keep their teeth.
    """
    if "_django_db_helper" not in request.fixturenames or connection.vendor != "postgresql":
        yield
        return
    transactional = _uses_transactional_db(request)
    if transactional:
        request.getfixturevalue("transactional_db")  # set up first, so its flush runs after our teardown
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")
    yield
    if transactional:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


# The stateful machines of tests/faults record the steps they executed on their reports (tests/faults/stateful.py);
# here, in the root conftest, the total is printed also when pytest-xdist workers ran them.
_stateful_steps: dict[str, int] = {}


def pytest_runtest_logreport(report):
    if report.when == "call":
        for name, value in report.user_properties:
            if name == "stateful_steps":
                _stateful_steps[report.nodeid.rsplit("::", 1)[-1]] = value


def pytest_terminal_summary(terminalreporter):
    if _stateful_steps:
        each = ", ".join(f"{test} {steps:,}" for test, steps in sorted(_stateful_steps.items()))
        terminalreporter.write_line(f"stateful steps executed: {sum(_stateful_steps.values()):,} ({each})")
