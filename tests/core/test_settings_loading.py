"""A deployment's own settings module, outside the coopcases package, gets the API's DRF settings.

Importing the `coopcases` package while such a module is half-imported once froze DRF's settings as empty, so
the API ran on DRF's defaults (no OAuth2 authentication, no problem+json): docs/reliability.md, finding 1.
Each check runs in a fresh interpreter, as a server process starts.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import django
django.setup()
from django.conf import settings
from rest_framework.settings import api_settings
for name in ("DEFAULT_AUTHENTICATION_CLASSES", "DEFAULT_PERMISSION_CLASSES", "EXCEPTION_HANDLER"):
    configured = settings.REST_FRAMEWORK[name]
    used = getattr(api_settings, name)
    used = [f"{c.__module__}.{c.__name__}" for c in used] if isinstance(used, list) else f"{used.__module__}.{used.__name__}"
    assert used == configured, (name, used, configured)
print("ok")
"""


def python(code: str, *, settings_module: str | None, path: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([*path, str(ROOT)])
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_settings_module_outside_the_package_gets_the_api_drf_settings(tmp_path):
    (tmp_path / "site_settings.py").write_text("from coopcases.settings.test import *  # noqa\n")
    done = python(PROBE, settings_module="site_settings", path=[str(tmp_path)])
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]


def test_importing_the_package_reads_no_setting():
    code = "import coopcases\nfrom django.conf import settings\nassert not settings.configured\nprint('ok')"
    done = python(code, settings_module=None, path=[])
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
