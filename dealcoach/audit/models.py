"""Audit history: who changed what, when, from where, with old and new values."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        RESTORE = "restore", "Restored"

    class Source(models.TextChoices):
        WEB = "web", "Browser"
        API = "api", "API"
        IMPORT = "import", "Import"
        SYSTEM = "system", "System"

    # No database constraint (Django still nulls it when a user is deleted): events are appended in
    # bulk with the acting user's id, and PostgreSQL would check and KEY SHARE-lock the user row once
    # per event at commit — 1,000 checks for a 1,000-row API upsert. No index either: nothing reads
    # events by actor but deleting a login (rare: logins are deactivated), and every bulk write paid
    # for it (bench/NOTES.md).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False, db_index=False,
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    resource = models.CharField(max_length=40, help_text="account, stakeholder, opportunity, deal_role, ...")
    object_id = models.BigIntegerField()
    # Plain ids, not foreign keys: history outlives hard deletes. They scope who may read the event.
    opportunity_id = models.BigIntegerField(null=True, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.SYSTEM)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["resource", "object_id", "at"], name="audit_object_history"),
            models.Index(fields=["opportunity_id", "at"], name="audit_deal_history"),
            models.Index(fields=["account_id", "at"], name="audit_account_history"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["create", "update", "delete", "restore"]), name="audit_action_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["web", "api", "import", "system"]), name="audit_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.resource} #{self.object_id}"

    @property
    def resource_label(self) -> str:
        return self.resource.replace("_", " ")
