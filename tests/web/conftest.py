import os
import shutil
from pathlib import Path

import pytest

from tests.requests.factories import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def magistrate(world):
    return world.user("magistrate:pe-fecor")


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# -- browser tests (the audit tables' flush after live-server tests: see tests/conftest.py) ----------------------
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM calls from the test stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def open_page(chromium, live_server):
    """A fresh browser context (its own cookies) per person, with a helper to sign in through the login page."""
    from django.db import connection

    # Every live-server request runs in its own thread: close its connection at the end of the request, so that
    # no idle connection holds the test database when it is dropped at the end of the session.
    conn_max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 0
    contexts = []

    def open_as(user, password: str, *, locale: str = "en-GB"):
        context = chromium.new_context(locale=locale, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_as
    for context in contexts:
        context.close()
    connection.settings_dict["CONN_MAX_AGE"] = conn_max_age


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
