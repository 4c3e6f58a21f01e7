"""seed_demo: idempotent demo users for every role at real authorities; then the apps' demo hooks."""

import sys
import types
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from coopcases.accounts.management.commands import seed_demo
from coopcases.accounts.models import User
from coopcases.accounts.roles import RoleCode
from networks.services import reference_data_load


def run(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


class SeedDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        reference_data_load(actor=None)

    def test_every_role_has_a_demo_user_at_a_real_authority(self):
        output = run("--force")

        users = User.objects.select_related("authority").prefetch_related("roles")
        assert {role.code for user in users for role in user.roles.all()} == set(RoleCode.values)
        magistrate = users.get(username="magistrate.pe")
        assert magistrate.authority.country_id == "PE" and magistrate.authority.kind == "prosecution"
        assert users.get(username="central.es").authority.code == "es-mjus-sgcji"
        assert users.get(username="executing.es").authority.country_id == "ES"
        assert list(users.get(username="contact.iberred").contact_point_networks.values_list("code", flat=True)) == ["IBERRED"]
        for spec in seed_demo.DEMO_USERS:
            assert len(spec.password) >= 12
            assert users.get(username=spec.username).check_password(spec.password)
            assert f"| {spec.username} " in output and spec.password in output
        assert "demo only" in output

    def test_running_twice_changes_nothing(self):
        run("--force")
        before = list(User.objects.order_by("username").values_list("username", "authority_id", "is_staff"))
        User.objects.filter(username="central.pe").update(authority=None, is_staff=False)

        run("--force")

        assert list(User.objects.order_by("username").values_list("username", "authority_id", "is_staff")) == before
        demo_names = {spec.username for spec in seed_demo.DEMO_USERS}
        assert User.objects.filter(username__in=demo_names).count() == len(demo_names)

    def test_central_authority_staff_may_edit_reference_data_in_the_admin(self):
        run("--force")
        officer = User.objects.get(username="central.es")
        assert officer.is_staff and officer.has_perm("networks.change_authority")
        assert not officer.has_perm("networks.delete_country")
        magistrate = User.objects.get(username="magistrate.pe")
        assert not magistrate.is_staff and not magistrate.has_perm("networks.change_authority")

    def test_demo_hooks_of_the_apps_are_called_and_missing_ones_skipped(self):
        calls = []
        fake = types.ModuleType("cases.demo")
        fake.seed = lambda stdout: calls.append(stdout)
        with mock.patch.dict(sys.modules, {"cases.demo": fake}):
            output = run("--force")
        assert len(calls) == 1
        assert "Demo data from cases.demo" in output

    def test_an_import_error_inside_a_hook_is_not_swallowed(self):
        def broken(name):
            raise ModuleNotFoundError("No module named 'somethingelse'", name="somethingelse")

        with mock.patch.object(seed_demo.importlib, "import_module", broken), pytest.raises(ModuleNotFoundError):
            run("--force")


@pytest.mark.django_db
def test_refuses_without_reference_data():
    with pytest.raises(CommandError, match="load_reference_data"):
        run("--force")


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_refuses_without_debug_unless_forced():
    with pytest.raises(CommandError, match="DEBUG"):
        run()
