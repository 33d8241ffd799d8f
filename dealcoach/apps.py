from django.apps import AppConfig


class DealcoachConfig(AppConfig):
    name = "dealcoach"
    verbose_name = "Users and teams"

    def ready(self):
        # Connects the Celery task-outcome counters in web and worker processes alike.
        from dealcoach.ops import metrics  # noqa: F401
