from django.apps import AppConfig


class StaleConfig(AppConfig):
    name = "coaching.stale"
    label = "stale"
    verbose_name = "Stale and decaying deals"

    def ready(self):
        from dealcoach.ops.metrics import register_gauge

        from . import panels
        from .selectors import sweep_age_seconds

        panels.register()
        register_gauge("dealcoach_stale_sweep_age_seconds", "Seconds since the last stale sweep finished.",
                       sweep_age_seconds)
