"""Settings of the processes a fault test starts (worker, gunicorn): the test settings plus the probe URLs."""

from coopcases.settings.test import *  # noqa: F401,F403

ROOT_URLCONF = "tests.faults.urls"
# Fault tests run their own broker: publish after commit as production does.
EVENTS_DISPATCH_ON_COMMIT = True
WEBHOOK_TIMEOUT_SECONDS = 5
