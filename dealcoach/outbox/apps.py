from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "dealcoach.outbox"
    label = "outbox"
    verbose_name = "Transactional outbox"

    def ready(self):
        # Registers `outbox.deliver`, which services.py publishes by name.
        from . import tasks  # noqa: F401
