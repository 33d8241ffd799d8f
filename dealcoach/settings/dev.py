"""Embedded default: SQLite, eager Celery, DEBUG on. `make run` uses this."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)

# Static files are served from the app folders (whitenoise's finders); no collectstatic here.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
