"""`manage.py load_reference_data [--check] [--data-dir DIR]`: validate every file, then load all in one transaction."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from networks.reference.schema import FILES
from networks.reference.writer import KindResult
from networks.services import DEFAULT_DATA_DIR, ReferenceDataInvalid, reference_data_check, reference_data_load

COUNT_KINDS = [
    ("countries", "countries"), ("authorities", "authorities"), ("networks", "networks"), ("memberships", "memberships"),
    ("instruments", "instruments"), ("instrument_parties", "instrument parties"), ("deadline_rules", "deadline rules"),
    ("offences", "offences"), ("measures", "measures"), ("refusal_grounds", "refusal grounds"),
    ("refusal_restrictions", "refusal restrictions"), ("roles", "roles"),
]


class Command(BaseCommand):
    help = "Validate the reference data files (networks/data/*.yaml) and upsert them in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Validate the files only; write nothing.")
        parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="Folder holding the YAML files.")

    def handle(self, *args, check: bool, data_dir: Path, verbosity: int, **options):
        self.verbosity = verbosity
        self.say(f"Validating {len(FILES)} files in {data_dir} …")
        try:
            if check:
                dataset = reference_data_check(data_dir=data_dir)
            else:
                report = reference_data_load(actor=None, data_dir=data_dir, progress=self.show)
        except ReferenceDataInvalid as exc:
            for problem in exc.reference_problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"{exc.detail} Fix the files and run again.") from exc
        if check:
            for kind, label in COUNT_KINDS:
                self.say(f"  {label:<22} {dataset.count(kind):>5} valid")
            self.say(self.style.SUCCESS("All files are valid (--check: nothing written)."))
            return
        removed = [res for res in report.results if res.removed or res.kept]
        for res in removed:
            if res.removed:
                self.say(f"  {res.kind}: removed {res.removed} row(s) gone from {res.file}")
            if res.kept:
                self.say(self.style.WARNING(
                    f"  {res.kind}: kept {len(res.kept)} row(s) gone from {res.file} because other data refers to them: "
                    + ", ".join(res.kept)
                ))
        versions = ", ".join(sorted(set(report.versions.values())))
        self.say(self.style.SUCCESS(f"Reference data {versions} loaded in one transaction."))

    def show(self, res: KindResult) -> None:
        self.say(
            f"  {res.file:<20} {res.kind:<28} created {res.created:>4}   updated {res.updated:>4}   unchanged {res.unchanged:>4}"
        )

    def say(self, text: str) -> None:
        if self.verbosity:
            self.stdout.write(text)
