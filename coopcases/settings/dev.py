"""`make run`: embedded defaults, console e-mail, debug on."""

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F401,F403
from .base import SECRET_KEY, env

DEBUG = True
SECRET_KEY = SECRET_KEY or get_random_secret_key()
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", "Django e-mail backend")
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
