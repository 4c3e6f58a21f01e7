"""Retention: what passed its period after closure is pseudonymised or purged, each action audited."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from coopcases.accounts.models import User
from coopcases.accounts.otp import totp_device_for_demo
from coopcases.accounts.services import user_deactivate, user_reactivate
from coopcases.audit import retention
from coopcases.audit.models import AuditEntry, RetentionPolicy
from coopcases.audit.retention import RetentionHandler, register_retention_handler, retention_apply
from coopcases.audit.tasks import retention_sweep
from coopcases.core.exceptions import ValidationFailed
from tests.audit.helpers import clock_at
from tests.factories import AuthorityFactory, magistrate
from tests.security.factories import administrator

pytestmark = pytest.mark.django_db


def _deactivated(days_ago, monkeypatch):
    person = magistrate(first_name="Ana", last_name="Pérez", email="ana@example.org")
    totp_device_for_demo(person)
    AccessAttempt.objects.create(username=person.username, ip_address="10.0.0.1", user_agent="x", failures_since_start=1,
                                 get_data="", post_data="", http_accept="", path_info="/")
    with clock_at(monkeypatch, timezone.now() - timedelta(days=days_ago)):
        user_deactivate(actor=administrator(), user=person, reason="left")
    return person


def test_the_shipped_policy_pseudonymises_accounts_two_years_after_they_are_disabled():
    policy = RetentionPolicy.objects.get(object_type="accounts.user")
    assert (policy.action, policy.days_after_closure, policy.verified) == ("pseudonymise", 730, False)
    assert policy.source


def test_expired_accounts_are_pseudonymised_and_recent_ones_kept(monkeypatch):
    old = _deactivated(800, monkeypatch)
    old_username = old.username
    recent = _deactivated(100, monkeypatch)
    active = magistrate()

    report = retention_apply(now=timezone.now())

    assert report.done["accounts.user"] == 1
    old.refresh_from_db()
    assert (old.username, old.first_name, old.last_name, old.email) == (f"former-user-{old.pk}", "", "", "")
    assert not old.has_usable_password() and old.pseudonymised_at is not None
    assert not TOTPDevice.objects.filter(user=old).exists()
    assert not AccessAttempt.objects.filter(username=old_username).exists()
    assert AccessAttempt.objects.filter(username=recent.username).exists()
    assert User.objects.get(pk=recent.pk).first_name == "Ana"
    assert User.objects.get(pk=active.pk).is_active
    entry = AuditEntry.objects.get(action="pseudonymise")
    assert entry.object_id == str(old.pk) and "Ana" not in str(entry.after) and "730 days" in entry.reason
    assert retention_apply(now=timezone.now()).done["accounts.user"] == 0  # idempotent


def test_a_pseudonymised_account_cannot_be_enabled_again(monkeypatch):
    old = _deactivated(800, monkeypatch)
    retention_apply(now=timezone.now())
    with pytest.raises(ValidationFailed):
        user_reactivate(actor=administrator(), user=old, reason="mistake")


def test_policies_without_a_handler_are_reported_and_registered_handlers_purge(monkeypatch):
    RetentionPolicy.objects.create(object_type="cases.unknownkind", days_after_closure=10, action="purge", source="test")
    RetentionPolicy.objects.create(object_type="networks.authority", days_after_closure=0, action="purge", source="test")
    doomed = AuthorityFactory(name="to purge")
    monkeypatch.setattr(retention, "_handlers", dict(retention._handlers))
    register_retention_handler(RetentionHandler(
        object_type="networks.authority",
        expired=lambda cutoff: type(doomed).objects.filter(name="to purge"),
        purge=lambda obj: {"deleted": obj.delete()[0]},
    ))
    report = retention_apply(now=timezone.now())
    assert "cases.unknownkind" in report.unhandled
    assert report.done["networks.authority"] == 1 and not type(doomed).objects.filter(pk=doomed.pk).exists()
    entry = AuditEntry.objects.get(action="purge", object_type="networks.authority")
    assert entry.object_id == str(doomed.pk) and entry.after == {"deleted": 1}


def test_the_sweep_task_runs_as_a_task_and_reports(monkeypatch):
    _deactivated(800, monkeypatch)
    result = retention_sweep.run()
    assert result["done"]["accounts.user"] == 1 and result["audit_entries_purged"] == 0
    assert AuditEntry.objects.get(action="pseudonymise").door == "task"


def test_the_sweep_is_scheduled_daily_on_the_sweeps_queue():
    from coopcases.celery import app

    entry = app.conf.beat_schedule["audit-retention-sweep"]
    assert entry["task"] == "audit.retention_sweep" and entry["options"]["queue"] == "sweeps"
