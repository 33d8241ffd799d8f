"""Structured logs: one JSON object per line in production (`LOG_FORMAT=json`),
readable key=value lines in development.

Every record, ours or a library's (Django, Celery, gunicorn through the root
logger), goes through structlog's ProcessorFormatter, which merges the
request's context: `request_id` and `user_id` (bound by django-structlog's
RequestMiddleware) and `route` (bound by dealcoach.ops.logcontext once the URL
is resolved). Celery worker and beat use this configuration too
(dealcoach/celery.py); a task's lines carry its `task_id` and `task` and the
`request_id` of the request that queued it (DJANGO_STRUCTLOG_CELERY_ENABLED)."""

from __future__ import annotations

import structlog

_SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(*, json: bool, level: str, app_level: str) -> dict:
    """Configure structlog and return the dict for Django's LOGGING setting."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
        if json else [structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": _SHARED_PROCESSORS,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "dealcoach": {"handlers": ["console"], "level": app_level, "propagate": False},
            "django_structlog": {"handlers": ["console"], "level": app_level, "propagate": False},
        },
    }
