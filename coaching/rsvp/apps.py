from django.apps import AppConfig


class RsvpConfig(AppConfig):
    name = "coaching.rsvp"
    label = "rsvp"
    verbose_name = "RSVP coaching"

    def ready(self):
        from . import panels, receivers  # noqa: F401

        panels.register()
