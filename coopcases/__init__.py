from coopcases.core.shadowing import OPTIONAL_USERS, import_without_http_requests

from .celery import app as celery_app

import_without_http_requests(*OPTIONAL_USERS)

__all__ = ["celery_app"]
