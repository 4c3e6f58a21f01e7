from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from coopcases.settings import base


def test_env_table_lists_every_declared_variable_with_production_defaults():
    secret_before = base.SECRET_KEY
    out = StringIO()
    call_command("env_table", stdout=out)
    lines = out.getvalue().splitlines()

    assert lines[:2] == ["| Variable | Default | Meaning |", "|---|---|---|"]
    table = {line.split(" | ")[0].strip("| `"): line for line in lines[2:]}
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SECURE_HSTS_SECONDS"} <= set(table)  # prod's variables too
    assert "smtp.EmailBackend" in table["EMAIL_BACKEND"]  # not dev's console default
    assert "sqlite:///./var/" in table["DATABASE_URL"]  # no machine-specific path
    assert secret_before == base.SECRET_KEY  # the throwaway key used to import prod did not stick


def test_the_readme_configuration_table_is_the_env_table():
    out = StringIO()
    call_command("env_table", stdout=out)
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert out.getvalue().strip() in readme, "README.md is stale: paste `manage.py env_table` into its Configuration section"
