"""`manage.py policy_table [--write]`: the access-policy tables rendered from coopcases/accounts/policy.yaml."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coopcases.accounts.policy import render_markdown

DOCS = Path(settings.BASE_DIR) / "docs" / "access-policy.md"
BEGIN, END = "<!-- policy-table:begin -->", "<!-- policy-table:end -->"


class Command(BaseCommand):
    help = "Print the access-policy tables, or (--write) replace them in docs/access-policy.md."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="Update docs/access-policy.md between its markers")

    def handle(self, *args, write, **options):
        tables = render_markdown()
        if not write:
            self.stdout.write(tables)
            return
        text = DOCS.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text:
            raise CommandError(f"{DOCS} lacks the {BEGIN} … {END} markers")
        head, rest = text.split(BEGIN, 1)
        DOCS.write_text(f"{head}{BEGIN}\n{tables}{END}{rest.split(END, 1)[1]}", encoding="utf-8")
        self.stdout.write(f"Updated {DOCS}")
