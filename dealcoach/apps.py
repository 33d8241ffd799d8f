from django.apps import AppConfig


class DealcoachConfig(AppConfig):
    name = "dealcoach"
    verbose_name = "Users and teams"
