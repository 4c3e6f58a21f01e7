"""Register a partner system: `manage.py api_client_create --authority pe-fecor --scopes requests:read requests:write
--roles liaison_magistrate --name "Fiscalía case system"`. Prints the client id and the secret (shown only now)."""

from django.core.management.base import BaseCommand, CommandError

from coopcases.api.services import api_client_create
from coopcases.core.context import Door, acting
from coopcases.core.exceptions import DomainError
from networks.models import Authority


class Command(BaseCommand):
    help = "Register an API client (OAuth2 client credentials) for an authority, with scopes and roles."

    def add_arguments(self, parser):
        parser.add_argument("--authority", required=True, help="Authority code")
        parser.add_argument("--name", required=True, help="Name of the partner system")
        parser.add_argument("--scopes", nargs="+", required=True, help="e.g. requests:read requests:write")
        parser.add_argument("--roles", nargs="*", default=[], help="Roles the authority entrusts to the system")

    def handle(self, *args, authority, name, scopes, roles, **options):
        row = Authority.objects.filter(code=authority).first()
        if row is None:
            raise CommandError(f"No authority with code {authority!r}.")
        try:
            with acting(Door.COMMAND):
                issued = api_client_create(actor=None, name=name, authority=row, scopes=scopes, roles=roles)
        except DomainError as exc:
            raise CommandError(f"{exc.detail} {[f'{p.name}: {p.reason}' for p in exc.problems]}") from exc
        self.stdout.write(f"client_id={issued.client_id}\nclient_secret={issued.client_secret}\n")
        self.stdout.write(self.style.WARNING("The secret is shown only now; it is stored hashed."))
