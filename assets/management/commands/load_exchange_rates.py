"""Load the exchange-rate table from a versioned CSV file; idempotent, no network."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assets.services import exchange_rates_load
from coopcases.core.context import Door, acting
from coopcases.core.exceptions import ValidationFailed

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "exchange_rates.csv"
COLUMNS = {"date", "base", "currency", "rate", "source"}
PROGRESS_EVERY = 500


def problems_text(error: ValidationFailed) -> str:
    return "\n".join([error.detail, *(f"  {p.name}: {p.reason}" for p in error.problems)])


class Command(BaseCommand):
    help = "Load exchange rates (date,base,currency,rate,source) from a CSV file. Running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FILE), help="CSV file (default: assets/data/exchange_rates.csv)")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = COLUMNS - set(reader.fieldnames or [])
            if missing:
                raise CommandError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            rows = list(reader)
        total = len(rows)
        self.stdout.write(f"{path.name}: {total} rates")

        def progress(done: int):
            if done % PROGRESS_EVERY == 0 or done == total:
                self.stdout.write(f"  {done}/{total}")

        with acting(Door.COMMAND):
            try:
                result = exchange_rates_load(actor=None, rows=rows, source_name=path.name, progress=progress)
            except ValidationFailed as error:
                raise CommandError(problems_text(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"))
