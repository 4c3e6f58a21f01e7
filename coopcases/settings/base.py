"""Settings shared by every environment. Environment variables are read in coopcases.env only."""

from datetime import timedelta

import dj_database_url
from django.utils.translation import gettext_lazy as _

from coopcases.env import BASE_DIR, env, env_bool, env_int, env_list

VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env("SECRET_KEY", "", "Django secret key; required in production, generated per run in dev")
DEBUG = env_bool("DEBUG", False, "Django debug mode (never in production)")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver", "Comma-separated host names served")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "", "Comma-separated origins trusted for CSRF (https://…)")

DATABASE_URL = env(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'coopcases.sqlite3'}",
    "Database URL; PostgreSQL in production (postgres://user:pass@host:5432/name), SQLite by default",
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, "Seconds a database connection is kept open"))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share one file in `make run`: wait for locks, take write locks up front.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "", "Redis URL for the Celery broker and cache; empty = embedded file broker")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "coopcases.core",
    "coopcases.accounts",
    "networks",
    "cases",
    "requests.apps.MlaRequestsConfig",
    "assets",
    "coopcases.audit",
    "coopcases.events",
    "coopcases.deadlines",
    "coopcases.notifications",
    "coopcases.api",
    "coopcases.web",
    # -- bench (issue 10): load-data generator and benchmark harness, `make bench` --
    "coopcases.bench",
    # -- end bench --
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coopcases.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coopcases.urls"
WSGI_APPLICATION = "coopcases.wsgi.application"
ASGI_APPLICATION = "coopcases.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "coopcases" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("pt", _("Portuguese")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Evidence files live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = env("MEDIA_ROOT", str(VAR_DIR / "files"), "Folder for attachments (outside the web root)")
MEDIA_URL = "/files-not-served/"
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024, "Largest attachment accepted, in bytes")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend", "Django e-mail backend")
EMAIL_HOST = env("EMAIL_HOST", "localhost", "SMTP host")
EMAIL_PORT = env_int("EMAIL_PORT", 25, "SMTP port")
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "", "SMTP user")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "", "SMTP password")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False, "Use STARTTLS for SMTP")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "coopcases@localhost", "Sender address of notifications")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000", "Public base URL, used in e-mails and webhooks")

# Celery: due dates live in database rows swept by beat, never in long ETA tasks.
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "store_processed": False,
    }
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "coopcases.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "coopcases.api.errors.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["coopcases.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": env("API_THROTTLE_RATE", "600/min", "Requests allowed per API client")},
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "coopcases API",
    "DESCRIPTION": "Case coordination for international judicial cooperation: MLA requests, JITs, asset recovery.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read": "Read access",
        "write": "Write access",
    },
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ALLOWED_GRANT_TYPES": ["client-credentials"],
    "PKCE_REQUIRED": False,
}

# Lockout after 5 failures for at least 10 minutes (CJIS / ASVS).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True

SESSION_COOKIE_AGE = 12 * 3600
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 15 * 60, "Idle web sessions end after this many seconds")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Outgoing webhooks refuse private and loopback addresses unless this is on (tests and `make run`).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool(
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False, "Let webhooks reach private/loopback addresses (tests, demo only)"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO", "Root log level")},
}

# --- Security (owner: security; docs/security.md) ---------------------------------------------------------
# The admin site asks for the second factor (coopcases.accounts.admin_site.SecureAdminSite).
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "coopcases.accounts.adminconfig.SecureAdminConfig"
INSTALLED_APPS += ["csp"]
# Headers first, so that responses made by other middleware get them too; API CSP inside django-csp's.
MIDDLEWARE[1:1] = ["csp.middleware.CSPMiddleware", "coopcases.core.middleware.SecurityHeadersMiddleware"]
# After authentication and the acting context: end idle, too old or disabled sessions; demand the second factor.
MIDDLEWARE += [
    "coopcases.accounts.middleware.SessionSecurityMiddleware",
    "coopcases.accounts.middleware.TwoFactorMiddleware",
]
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "coopcases.accounts.authentication.ActiveUserOAuth2Authentication",
    "coopcases.accounts.authentication.VerifiedSessionAuthentication",
]
OAUTH2_PROVIDER |= {
    # RFC 9700: tokens hashed at rest, header transport only, no implicit/password grants, https redirects.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
}
TWO_FACTOR_ENFORCED = env_bool(
    "TWO_FACTOR_ENFORCED", True, "Demand a TOTP code after the password (always on in production)"
)
# Roles that must enrol a TOTP device; staff and superusers must too. Anyone who enrolled is always asked.
TWO_FACTOR_REQUIRED_ROLES = ["central_authority_officer", "auditor"]
OTP_TOTP_ISSUER = "coopcases"
CSRF_FAILURE_VIEW = "coopcases.accounts.views.csrf_failure"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
PERMISSIONS_POLICY = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
IDEMPOTENCY_KEY_RETENTION_HOURS = env_int(
    "IDEMPOTENCY_KEY_RETENTION_HOURS", 24, "Hours an API Idempotency-Key and its stored response are kept (then reusable)"
)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 3 * 365, "Days audit entries are kept (at least 1095)")
UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES = env_int(
    "UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024, "Largest total uncompressed size of an uploaded zip-based file"
)
UPLOAD_ARCHIVE_MAX_RATIO = 100  # uncompressed/compressed, per member and overall (zip bombs)
UPLOAD_ARCHIVE_MAX_MEMBERS = 10_000
UPLOAD_SCANNER = env("UPLOAD_SCANNER", "", "Dotted path of a callable(file) raising on malware (e.g. a clamd client)")

# --- Deadlines, events and notifications (area: notify) -------------------------------------------------------
# Queues and routes are declared in coopcases/celery.py; beat schedules there too, stored in django-celery-beat's
# tables by `manage.py setup_schedules` (also run after `migrate`).
# Must-not-lose tasks (dispatch, e-mail, webhook) ack late and are requeued if their worker dies; they count
# attempts in the database and dead-letter a poison message. Sweeps ack early: the next tick repeats them.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
if REDIS_URL:
    # A dead broker must not stall a committing request for long: the outbox sweep delivers what was not enqueued.
    CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = 2
    # Distinct prefixes let several deployments, or a test's own worker, share one Redis database without
    # consuming each other's messages.
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env("CELERY_KEY_PREFIX", "", "Prefix of the broker's keys in Redis")
# Enqueue an event's dispatch right after its transaction commits; off = only the dispatch_pending sweep delivers.
EVENTS_DISPATCH_ON_COMMIT = env_bool("EVENTS_DISPATCH_ON_COMMIT", True, "Enqueue event dispatch after commit (off: the periodic sweep alone delivers)")
# Callables `f(*, now) -> int` run by the hourly expiry task, e.g. "cases.services.jits_expire_due".
DEADLINE_EXPIRY_HANDLERS: list[str] = []
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 15, "Seconds a partner endpoint has to answer a webhook")
# httpx logs every request at INFO; each webhook attempt is already in the delivery log (WebhookAttempt).
LOGGING.setdefault("loggers", {})["httpx"] = {"level": "WARNING"}

# --- Reliability (owner: faults; docs/reliability.md) -----------------------------------------------------------
# A persistent connection that died while idle (PostgreSQL restarted, failed over) is dropped before use.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Database errors raised by views answer 503 problem+json with Retry-After (coopcases.core.unavailable).
MIDDLEWARE += ["coopcases.core.unavailable.DatabaseUnavailableMiddleware"]

# --- API plumbing (owner: api; docs/api.md) -------------------------------------------------------------------
# Scopes are `<family>:read|write` (coopcases.api.scopes); each client may obtain only the scopes its ApiClient row
# grants, and a revoked client gets no token. JSON only (multipart where a view uploads files); strict filters.
from coopcases.api.scopes import SCOPES as API_SCOPES  # noqa: E402

INSTALLED_APPS += ["drf_spectacular_sidecar"]
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # named, so migrations can depend on it

OAUTH2_PROVIDER |= {
    "SCOPES": API_SCOPES,
    "SCOPES_BACKEND_CLASS": "coopcases.api.scopes.ClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "coopcases.api.oauth.ClientOAuth2Validator",
}
REST_FRAMEWORK |= {
    "DEFAULT_SCHEMA_CLASS": "coopcases.api.schema.ProblemAutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["coopcases.api.permissions.HasScope"],
    "DEFAULT_FILTER_BACKENDS": ["coopcases.api.filters.StrictFilterBackend", "coopcases.api.filters.StrictOrderingFilter"],
    "DEFAULT_RENDERER_CLASSES": ["coopcases.api.renderers.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["coopcases.api.parsers.StorableJSONParser"],
    "ORDERING_PARAM": "ordering",
}
SPECTACULAR_SETTINGS |= {
    "DESCRIPTION": (
        "Case coordination for international judicial cooperation: MLA requests, JITs, asset recovery. "
        "Authentication: OAuth 2.0 client credentials at /oauth/token/ (scopes `<family>:read|write`). "
        "Every error is application/problem+json (RFC 9457). See docs/api.md."
    ),
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI's files from our own origin and its script as a file, so the site's CSP needs no exception.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_NO_READ_ONLY_REQUIRED": False,
}

# --- API resources of api2 (reference, assets, deadlines, notifications): enum names where several are "kind". ---
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),
    "AssetKindEnum": "assets.models.AssetKind",
    "OrderKindEnum": "assets.models.OrderKind",
    "AgreementKindEnum": "assets.models.AgreementKind",
    "MlaRequestKindEnum": "requests.models.MlaRequestKind",
}

# --- Web UI and translations (owner: web; issue 8) -------------------------------------------------------------
# One catalogue for the whole project, committed with its compiled .mo files (`make messages` refreshes both).
LOCALE_PATHS = [BASE_DIR / "coopcases" / "locale"]
# After authentication: each signed-in user's time zone, and their preferred language unless the switcher chose one.
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, "coopcases.web.middleware.UserLocaleMiddleware")
TEMPLATES[0]["OPTIONS"]["context_processors"] += [
    "coopcases.web.context_processors.unread_notifications",
    "coopcases.web.context_processors.statistics_link",
]
