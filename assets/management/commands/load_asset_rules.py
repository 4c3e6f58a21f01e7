"""Load the sharing rules and confiscation prerequisites (assets/data/asset_rules.yaml); idempotent by code."""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from assets.management.commands.load_exchange_rates import problems_text
from assets.services import asset_rules_load
from coopcases.core.context import Door, acting
from coopcases.core.exceptions import ValidationFailed

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "asset_rules.yaml"


class Command(BaseCommand):
    help = "Load the asset-recovery rules of law (sharing splits, confiscation prerequisites). Running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FILE), help="YAML file (default: assets/data/asset_rules.yaml)")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise CommandError(f"{path}: not valid YAML ({error})") from None
        if not isinstance(data, dict):
            raise CommandError(f"{path}: expected the keys sharing_rules and confiscation_prerequisites")
        with acting(Door.COMMAND):
            try:
                result = asset_rules_load(actor=None, data=data, source_name=path.name)
            except ValidationFailed as error:
                raise CommandError(problems_text(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"))
