"""`make test`: PostgreSQL and Redis when DATABASE_URL / REDIS_URL say so, fast hashing, local e-mail."""

from .base import *  # noqa: F401,F403

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
CELERY_TASK_ALWAYS_EAGER = False
AXES_ENABLED = True
# Tests of other areas sign in with force_login; the 2FA tests switch enforcement back on.
TWO_FACTOR_ENFORCED = False
