"""Production: everything from the environment; refuses to start without a
secret key and a database URL."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOGGING as BASE_LOGGING
from .base import REDIS_URL, env_bool, logging_config


def required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production.")
    return value


SECRET_KEY = required("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
required("DATABASE_URL")
DEBUG = env_bool("DEBUG", False)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Redis is there anyway (the broker): share the cache between every web and Celery worker, so the
# API throttle, the share-link rate limit and the review cache are one, not one per process.
if env_bool("CACHE_USE_REDIS", True):
    CACHES = {"default": {"BACKEND": "dealcoach.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}

# HTTPS: on by default; off only where no TLS proxy is in front (docker-compose.yml's default,
# `make serve` on loopback). Probes and the metrics scrape come from inside the network over
# plain HTTP, so they are never redirected (SECURE_REDIRECT_EXEMPT, in base).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Secure-only cookies would never come back over plain HTTP: they follow the redirect setting.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", SECURE_SSL_REDIRECT)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# One JSON object per log line, for the log pipeline (LOG_FORMAT=console for people).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = logging_config(
    json=LOG_FORMAT == "json",
    level=BASE_LOGGING["root"]["level"],
    app_level=BASE_LOGGING["loggers"]["dealcoach"]["level"],
)

# Error reporting: on when SENTRY_DSN is set. No personal data is sent (user ids only).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
