from django.apps import AppConfig


class CloseplanConfig(AppConfig):
    name = "coaching.closeplan"
    label = "closeplan"
    verbose_name = "Close plans"

    def ready(self):
        from . import audited, panels, receivers  # noqa: F401

        audited.register()
        panels.register()
