from django.apps import AppConfig


class RsvpConfig(AppConfig):
    name = "coaching.rsvp"
    label = "rsvp"
    verbose_name = "RSVP coaching"
