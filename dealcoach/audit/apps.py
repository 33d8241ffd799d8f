from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dealcoach.audit"
    label = "audit"
    verbose_name = "Audit history"

    def ready(self):
        # The security event log (logins, logouts, failures, lockouts) lives with the audit trail.
        from dealcoach import security  # noqa: F401

        from .receivers import connect_receivers

        connect_receivers()
