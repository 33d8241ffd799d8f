"""Settings shared by every mode. Everything is read from the environment,
with development defaults that just work (SQLite, eager Celery)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from dealcoach.ops.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "axes",
    "csp",
    "django_prometheus",
    "django_structlog",
    "health_check",
    "dealcoach",
    "dealcoach.audit",
    "dealcoach.outbox",
    "sync",
    "accounts",
    "deals",
    "coaching.rsvp",
    "coaching.closeplan",
    "coaching.stale",
    "coaching.review",
    "coaching.sessions",
    "coaching.insights",
]

MIDDLEWARE = [
    # First and (almost) last: request counts and latencies (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # X-Request-ID in, out, and on every log line of the request (dealcoach/ops/).
    "dealcoach.ops.requestid.RequestIdMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "dealcoach.ops.logcontext.LogContextMiddleware",
    "dealcoach.api.throttling.RateLimitHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dealcoach.api.middleware.RequestSanityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dealcoach.security.AbsoluteSessionMiddleware",
    "dealcoach.audit.middleware.AuditContextMiddleware",
    "sync.idempotency.IdempotencyKeyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "dealcoach.security.NoStoreMiddleware",
    "dealcoach.security.RefusedAccessLogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, so it turns a login refused by the lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dealcoach.urls"
WSGI_APPLICATION = "dealcoach.wsgi.application"
AUTH_USER_MODEL = "dealcoach.User"
# The lockout check (django-axes) runs before the password check; see dealcoach/security.py.
AUTHENTICATION_BACKENDS = [
    "dealcoach.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT pays off for long analytical scans, not for page queries: with 1M deals
    # the review page's grouped query is costed above jit_above_cost and spent 0.57 s of its
    # 0.72 s compiling expressions for 10k rows.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A cap on every statement of this process, in milliseconds: web processes get one by default
    # (dealcoach/wsgi.py), so a request that still runs long is cut by PostgreSQL, not by the
    # machine; workers, migrations and commands run without unless the environment sets it.
    if statement_timeout_ms := int(os.environ.get("DB_STATEMENT_TIMEOUT_MS") or 0):
        DATABASES["default"]["OPTIONS"]["options"] += f" -c statement_timeout={statement_timeout_ms}"
# django-prometheus' backends: the same drivers, counting queries, their latency and errors.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends.", 1
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": (
        {"BACKEND": "dealcoach.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
         "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
        if env_bool("CACHE_USE_REDIS", False)
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# SMTP as soon as EMAIL_HOST is given (production); the console otherwise (`make run`).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", (
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dealcoach@localhost")
# The SMTP server for buyers' codes, shared plans and digests.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Reliability: a task is acknowledged only after it finished, and comes back if
# the worker dies under it; one message at a time per worker process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Longer than the longest task, so Redis does not redeliver a task still running.
# Socket timeouts so a frozen Redis is noticed (and reconnected to) instead of blocking a read
# forever; a health check ping on connections idle for 10 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
    "retry_on_timeout": True,
    "health_check_interval": 10,
}
# A broker outage never stops the worker: it reconnects at startup and after a loss, for ever
# (with Celery's back-off), and cancels the tasks it was running when the connection went — their
# messages come back (acks late) and every task is safe to run twice.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# --- Coaching knobs -----------------------------------------------------------
DEALCOACH_DECAY_HALF_LIFE_DAYS = int(os.environ.get("DEALCOACH_DECAY_HALF_LIFE_DAYS", "45"))
DEALCOACH_ENGAGEMENT_WINDOW_DAYS = int(os.environ.get("DEALCOACH_ENGAGEMENT_WINDOW_DAYS", "60"))
DEALCOACH_DEFAULT_CURRENCY = os.environ.get("DEALCOACH_DEFAULT_CURRENCY", "USD")
# The stale sweep (beat, 04:00): a sweep that finds another holding its lock retries this many
# seconds later; and if no sweep for today has completed by this hour, beat starts one.
DEALCOACH_SWEEP_RETRY_SECONDS = int(os.environ.get("DEALCOACH_SWEEP_RETRY_SECONDS", "120"))
DEALCOACH_SWEEP_DUE_HOUR = int(os.environ.get("DEALCOACH_SWEEP_DUE_HOUR", "6"))

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dealcoach.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "dealcoach.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "dealcoach.api.pagination.UpdatedAtCursorPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "dealcoach.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["dealcoach.api.throttling.TokenRateThrottle"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dealcoach API",
    "DESCRIPTION": "CRM sync and coaching API. Authenticate with `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name for the ISO 4217 choices, whichever field (base / quote / reporting currency) uses them.
    "ENUM_NAME_OVERRIDES": {"CurrencyEnum": "dealcoach.models.CURRENCY_CHOICES"},
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sync.idempotency.document_idempotency_and_throttling",
        "dealcoach.api.base.document_authentication_errors",
        # Last: one Error component, named request components, response headers (dealcoach/api/schema.py).
        "dealcoach.api.schema.polish_for_clients",
    ],
    # Operation ids and tags from the path after /api/v1/: `accounts_list`, `changes_list`, ...
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVERS": [{"url": "/", "description": "The server this schema was read from."}],
}
# Sync plumbing (sync/): requests per token per window, e.g. "100/10s", "1000/m".
DEALCOACH_API_RATE = os.environ.get("DEALCOACH_API_RATE", "100/10s")
# Webhook URLs may point at private / loopback addresses (tests, on-premise receivers).
DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = env_bool("DEALCOACH_WEBHOOKS_ALLOW_PRIVATE", False)

# --- Sessions, lockout, Content-Security-Policy (dealcoach/security.py) ------------
# 30 minutes idle (the expiry moves on with every request), 12 hours absolute.
SESSION_COOKIE_AGE = int(timedelta(minutes=30).total_seconds())
SESSION_SAVE_EVERY_REQUEST = True
# ...but a session whose data did not change is re-saved at most once a minute (dealcoach/session_store.py).
SESSION_ENGINE = "dealcoach.session_store"
SESSION_ABSOLUTE_AGE = int(timedelta(hours=12).total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "dealcoach.api.errors.csrf_failure"

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_LOCKOUT_CALLABLE = "dealcoach.security.lockout_response"  # the template, with Retry-After
AXES_VERBOSE = False

# Same policy in every mode, so the browser tests see what production serves.
# Scripts and stylesheets only from our own origin; style="" attributes (bar
# widths, SVG charts) are allowed, <style> elements and inline scripts are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # 'unsafe-hashes' admits exactly these inline handlers (print, select-the-share-link),
        # nothing else; new ones belong in static/js instead.
        "script-src": [
            "'self'", "'unsafe-hashes'",
            "'sha256-biFQTroSCI3Z5BmsMGyEE2jFZdwjjG1Oe7JLytgH6jM='",  # this.select()
            "'sha256-aSx1rCOUfYYqn4Vxng+jS5F6gK1RQbKxVjGd2feTgnM='",  # window.print(); return false;
            "'sha256-MguIPR6qNR8D3B+eAlK+bIRTZe8t3wkOY4B/56Me9FU='",  # window.print()
        ],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Operations: logs, probes, metrics, proxies (dealcoach/ops/) -------------------------
# JSON lines (LOG_FORMAT=json, production's default) or readable key=value lines, each with the
# request's request_id, user_id and route.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console")
LOGGING = logging_config(
    json=LOG_FORMAT == "json",
    level=os.environ.get("LOG_LEVEL", "WARNING"),
    app_level=os.environ.get("APP_LOG_LEVEL", "INFO"),
)
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True  # dealcoach.ops.requestid has vetted or made it
DJANGO_STRUCTLOG_CELERY_ENABLED = True  # tasks log the request_id of the request that queued them
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # dealcoach.ops.logcontext binds the proxy-aware address

# /readyz/: each must pass for this process to take traffic (dealcoach/ops/health.py); the sweep
# check wants today's sweep from DEALCOACH_SWEEP_DUE_HOUR on.
DEALCOACH_READINESS_CHECKS = [
    "dealcoach.ops.health.DatabaseCheck",
    "dealcoach.ops.health.RedisCheck",
    "dealcoach.ops.health.MigrationsCheck",
    "coaching.stale.health.SweepCheck",
]

# Probes and the metrics scrape come over plain HTTP from inside the network: never redirect them.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$", r"^metrics$"]

# /metrics answers `Authorization: Bearer $METRICS_TOKEN`, or callers from these networks (CIDRs).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "")

# Proxies in front of the app that append to X-Forwarded-For (dealcoach/security.py client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "dealcoach.security.client_ip"
