from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "dealcoach.outbox"
    label = "outbox"
    verbose_name = "Transactional outbox"
