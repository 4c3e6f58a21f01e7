"""The WSGI application gunicorn serves in the fault tests."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.settings")
application = get_wsgi_application()

from tests.faults.partner import allow_partner_visibility  # noqa: E402 (needs the apps loaded)

allow_partner_visibility()
