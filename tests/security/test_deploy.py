"""Production settings: `check --deploy` clean at WARNING level, and no start without a real SECRET_KEY."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    environment.update(DJANGO_SETTINGS_MODULE="coopcases.settings.prod", **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_nothing_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(60))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("key", ["", "too-short-key"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    result = _manage("check", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_forces_the_second_factor_and_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.TWO_FACTOR_ENFORCED, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = _manage("shell", "--no-imports", "-c", code, SECRET_KEY=secrets.token_urlsafe(60), TWO_FACTOR_ENFORCED="false")
    assert result.stdout.split()[-7:] == ["True", "True", "True", "__Host-sessionid", "True", "True", "False"], result.stderr


def test_system_checks_refuse_a_short_audit_retention_and_long_sessions(settings):
    from coopcases.accounts.checks import security_limits

    assert security_limits(None) == []
    settings.AUDIT_RETENTION_DAYS = 365
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 3600
    settings.SESSION_COOKIE_AGE = 24 * 3600
    assert [e.id for e in security_limits(None)] == ["coopcases.E001", "coopcases.E002", "coopcases.E003"]
