from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "coaching.review"
    label = "review"
    verbose_name = "Pipeline review"

    def ready(self):
        from . import receivers  # noqa: F401
