"""Our app folder `requests/` shadows the HTTP library `requests` inside our processes.

Third-party modules that *optionally* use that library probe it with `try: import requests`: DRF's compat
module does, and DRF's test module (imported at start-up by drf-spectacular) then defines its requests-based
client only when compat found the library. They must see it as absent, not find our app and crash on missing
attributes. `import_without_http_requests` imports such a module while the name is blocked, so the module takes
its own "library not installed" path. Our own code never uses the library: outgoing HTTP goes through httpx.

Only modules that read no Django setting at import time belong here: the `coopcases` package imports them while
the settings module may still be half-imported (a settings module outside this package, such as
tests/faults/settings.py, imports `coopcases.settings.*`). `rest_framework.test` reads DRF's settings in a class
body; imported from here it froze DRF's settings as empty in such processes, so DRF ran on its defaults (no OAuth2
authentication: gunicorn refused the API's own tokens, docs/reliability.md finding 1).
"""

import importlib
import sys

OPTIONAL_USERS = ("rest_framework.compat",)


def import_without_http_requests(*module_names: str) -> None:
    saved = sys.modules.get("requests", None)
    had = "requests" in sys.modules
    sys.modules["requests"] = None  # makes `import requests` raise ImportError
    try:
        for name in module_names:
            importlib.import_module(name)
    finally:
        if had:
            sys.modules["requests"] = saved
        else:
            del sys.modules["requests"]
