from django.apps import AppConfig


class RsvpConfig(AppConfig):
    name = "coaching.rsvp"
    label = "rsvp"
    verbose_name = "RSVP coaching"

    def ready(self):
        from . import receivers  # noqa: F401
