from django.apps import AppConfig


class CoachingSessionsConfig(AppConfig):
    name = "coaching.sessions"
    label = "coaching_sessions"
    verbose_name = "Coaching sessions"

    def ready(self):
        from . import audited, panels

        audited.register()
        panels.register()
