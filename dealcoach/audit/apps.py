from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dealcoach.audit"
    label = "audit"
    verbose_name = "Audit history"
