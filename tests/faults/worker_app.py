"""The Celery app as the fault tests' worker runs it: the product's app, with partners allowed to see objects."""

import django

from coopcases.celery import app

django.setup()

from tests.faults.partner import allow_partner_visibility  # noqa: E402 (needs the apps loaded)

allow_partner_visibility()

__all__ = ["app"]
