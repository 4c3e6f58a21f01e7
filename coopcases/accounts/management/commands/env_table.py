"""`manage.py env_table`: the Markdown table of every environment variable coopcases reads (for the README).

Defaults are those of production (base + prod settings); paths are shown relative to the project folder.
"""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand

from coopcases.env import BASE_DIR, DECLARED

SETTINGS_MODULES = ["coopcases.settings.dev", "coopcases.settings.test", "coopcases.settings.prod"]
# prod refuses to import without a long SECRET_KEY; a throwaway one, set only while importing, lets it declare
# its own variables. Nothing reads it: the active settings are already configured.
_THROWAWAY_SECRET = "env-table-only-" + "x" * 50  # noqa: S105


class Command(BaseCommand):
    help = "Print the Markdown table of the environment variables (name, default, meaning)."

    def handle(self, *args, **options):
        settings.INSTALLED_APPS  # noqa: B018 (loads the active settings, declaring their variables)
        base = importlib.import_module("coopcases.settings.base")
        saved = base.SECRET_KEY
        base.SECRET_KEY = saved or _THROWAWAY_SECRET
        try:
            for name in SETTINGS_MODULES:
                importlib.import_module(name)
        finally:
            base.SECRET_KEY = saved
        # dev re-declares some variables with demo defaults; the table shows the production ones (base + prod).
        importlib.reload(base)
        self.stdout.write("| Variable | Default | Meaning |")
        self.stdout.write("|---|---|---|")
        for var in sorted(DECLARED.values(), key=lambda v: v.name):
            value = var.default.replace(str(BASE_DIR), ".")
            default = f"`{value}`" if value else "(empty)"
            self.stdout.write(f"| `{var.name}` | {_cell(default)} | {_cell(var.help)} |")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
