"""Test settings: the test command exports DATABASE_URL (a throwaway
PostgreSQL) and REDIS_URL (a throwaway redis-server)."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files are served from the app folders (whitenoise's finders); no collectstatic here.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Quiet request logs (request_started / request_finished) in the test output; tests that look at
# them raise the level themselves.
LOGGING["loggers"]["django_structlog"]["level"] = "WARNING"  # noqa: F405
