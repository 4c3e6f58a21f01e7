"""`manage.py seed_demo`: demo users for every role at real authorities, then the apps' demo data.

Idempotent: users are matched by username and brought back to the state below (authority, roles, password).
The passwords are published in docs/demo.md: demo-only, and the command refuses to run without DEBUG unless
--force is given (tests).
"""

import importlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coopcases.accounts.models import Role, User
from coopcases.accounts.otp import is_human, totp_device_for_demo
from coopcases.accounts.roles import RoleCode
from networks.models import Authority, Network

# Apps that may provide `seed(stdout)` for demo cases, requests and assets; a missing module is skipped.
DEMO_MODULES = ["cases.demo", "requests.demo", "assets.demo"]

REFERENCE_EDITORS = "Reference data editors"
REFERENCE_MODELS = [
    "country", "authority", "network", "membership", "contactpoint", "instrument", "instrumentparty",
    "deadlinerule", "offence", "measure", "refusalground", "refusalrestriction", "holidayoverride",
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    authority: str
    networks: tuple[str, ...] = ()
    staff: bool = False  # central-authority staff maintain the reference data in the admin

    @property
    def password(self) -> str:
        return f"demo-{self.role.replace('_', '-')}-2026!"


DEMO_USERS = [
    DemoUser("magistrate.pe", "Lucía", "Quispe", RoleCode.LIAISON_MAGISTRATE, "pe-mp-fecor"),
    DemoUser("central.pe", "Jorge", "Huamán", RoleCode.CENTRAL_AUTHORITY_OFFICER, "pe-mp-ucjie", staff=True),
    DemoUser("central.es", "Carmen", "Ortega", RoleCode.CENTRAL_AUTHORITY_OFFICER, "es-mjus-sgcji", staff=True),
    DemoUser("executing.es", "Pablo", "Navarro", RoleCode.EXECUTING_AUTHORITY_OFFICER, "es-fiscalia-madrid"),
    DemoUser("contact.iberred", "Valeria", "Ríos", RoleCode.NETWORK_CONTACT_POINT, "ar-mpf", networks=("IBERRED",)),
    DemoUser("auditor.es", "Marta", "Gil", RoleCode.AUDITOR, "es-mjus"),
    DemoUser("service.co", "Partner", "system", RoleCode.SERVICE_ACCOUNT, "co-fgn"),
]


class Command(BaseCommand):
    help = "Create or refresh the demo users (one or more per role) and the apps' demo data."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (accounts have published passwords).")

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates accounts whose passwords are published; it runs only with DEBUG on (make run) or --force.")
        with transaction.atomic():
            self.seed_users()
            secrets = self.seed_second_factors()
        self.print_table(secrets)
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            self.stdout.write(f"Demo data from {name} …")
            module.seed(self.stdout)

    def seed_users(self) -> None:
        codes = {u.authority for u in DEMO_USERS}
        authorities = Authority.objects.in_bulk(codes, field_name="code")
        missing = sorted(codes - set(authorities))
        if missing:
            raise CommandError(f"Unknown authorities {', '.join(missing)}: run `manage.py load_reference_data` first.")
        roles = {role.code: role for role in Role.objects.all()}
        for code in RoleCode.values:
            if code not in roles:
                roles[code] = Role.objects.create(code=code, description=RoleCode(code).label)
        networks = Network.objects.in_bulk([n for u in DEMO_USERS for n in u.networks], field_name="code")
        editors = self.reference_editors()
        for spec in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=spec.username)
            user.first_name, user.last_name = spec.first_name, spec.last_name
            user.email = f"{spec.username}@demo.coopcases.invalid"
            user.authority = authorities[spec.authority]
            user.is_active, user.is_staff, user.is_superuser = True, spec.staff, False
            user.preferred_language = "en" if spec.role == RoleCode.SERVICE_ACCOUNT else "es"
            user.time_zone = authorities[spec.authority].country.time_zone
            user.set_password(spec.password)
            user.save()
            user.roles.set([roles[spec.role]])
            user.contact_point_networks.set([networks[n] for n in spec.networks])
            user.groups.set([editors] if spec.staff else [])

    def seed_second_factors(self) -> dict[str, str]:
        """A TOTP device for every human demo user, so sign-in works as in production (password + code)."""
        users = User.objects.filter(username__in=[u.username for u in DEMO_USERS])
        return {user.username: totp_device_for_demo(user)[1] for user in users if is_human(user)}

    def reference_editors(self) -> Group:
        group, _ = Group.objects.get_or_create(name=REFERENCE_EDITORS)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="networks",
                content_type__model__in=REFERENCE_MODELS,
                codename__regex=r"^(view|add|change)_",
            )
        )
        return group

    def print_table(self, secrets: dict[str, str]) -> None:
        authorities = Authority.objects.select_related("country").in_bulk([u.authority for u in DEMO_USERS], field_name="code")
        rows = [("username", "password", "TOTP secret", "role", "authority")]
        for spec in DEMO_USERS:
            authority = authorities[spec.authority]
            rows.append((
                spec.username, spec.password, secrets.get(spec.username, "(OAuth client)"),
                RoleCode(spec.role).label, f"{authority.name_en or authority.name} ({authority.country_id})",
            ))
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("Demo users (demo only: these passwords are public, never use them on a real deployment):")
        for i, row in enumerate(rows):
            self.stdout.write("| " + " | ".join(str(cell).ljust(widths[j]) for j, cell in enumerate(row)) + " |")
            if i == 0:
                self.stdout.write("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        self.stdout.write(
            "Sign-in asks for a 6-digit code after the password: add the TOTP secret to an authenticator app, "
            "or print the current code with `manage.py totp_code <username>`."
        )
