from django.apps import AppConfig


class StaleConfig(AppConfig):
    name = "coaching.stale"
    label = "stale"
    verbose_name = "Stale and decaying deals"

    def ready(self):
        from . import panels

        panels.register()
