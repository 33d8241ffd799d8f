from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "coaching.insights"
    label = "insights"
    verbose_name = "Insights"
