from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "dealcoach.outbox"
    label = "outbox"
    verbose_name = "Transactional outbox"

    def ready(self):
        from dealcoach.ops.metrics import register_gauge

        # Registers `outbox.deliver`, which services.py publishes by name.
        from . import tasks  # noqa: F401
        from .selectors import outbox_backlog

        register_gauge("dealcoach_outbox_backlog", "Outbox messages the broker has not accepted yet.",
                       lambda: outbox_backlog()["count"])
        register_gauge("dealcoach_outbox_oldest_age_seconds", "Age of the oldest undispatched outbox message.",
                       lambda: outbox_backlog()["oldest_age_seconds"])
