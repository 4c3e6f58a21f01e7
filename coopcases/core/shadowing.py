"""Our app folder `requests/` shadows the HTTP library `requests` inside our processes.

Third-party modules that *optionally* use that library (DRF's test module, imported at start-up by
drf-spectacular) probe it with `try: import requests`. They must see it as absent, not find our app and
crash on missing attributes. `import_without_http_requests` imports such a module while the name is
blocked, so the module takes its own "library not installed" path. Our own code never uses the library:
outgoing HTTP goes through httpx.
"""

import importlib
import sys

OPTIONAL_USERS = ("rest_framework.compat", "rest_framework.test")


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
