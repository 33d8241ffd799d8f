"""Sync plumbing: the changes log behind `/api/v1/changes/`, stored
Idempotency-Key results, and outbound webhooks (subscriptions and the
delivery outbox)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q


class ChangeLogEntry(models.Model):
    """One upsert or deletion of a synced record, appended in the same
    transaction as the write. `txid` is the writing PostgreSQL transaction's
    id; see `sync.selectors.changes_for_user` for why the feed is read
    in (txid, id) order."""

    class Resource(models.TextChoices):
        ACCOUNT = "account", "Account"
        STAKEHOLDER = "stakeholder", "Stakeholder"
        OPPORTUNITY = "opportunity", "Opportunity"
        ACTIVITY = "activity", "Activity"

    class Action(models.TextChoices):
        UPSERT = "upsert", "Created or updated"
        DELETE = "delete", "Deleted"

    txid = models.BigIntegerField(default=0)
    resource = models.CharField(max_length=12, choices=Resource.choices)
    object_id = models.BigIntegerField()
    external_id = models.CharField(max_length=255, null=True, blank=True)
    action = models.CharField(max_length=6, choices=Action.choices)
    # Whose work this is, for visibility (the deal owner; for accounts and
    # stakeholders the account owner). No database constraint: a log entry
    # must never block deleting a user, nor cascade away with one.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["txid", "id"], name="changelog_cursor")]
        constraints = [
            models.CheckConstraint(
                condition=Q(resource__in=["account", "stakeholder", "opportunity", "activity"]),
                name="changelog_resource_valid",
            ),
            models.CheckConstraint(condition=Q(action__in=["upsert", "delete"]), name="changelog_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.resource} {self.object_id}"


class IdempotencyKey(models.Model):
    """The first response to a POST sent with an `Idempotency-Key`, replayed
    to retries. The row is inserted before the request runs (the unique
    constraint is the lock), so a concurrent retry sees `in_progress`."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    scope = models.CharField(max_length=80, help_text="Whose key: a token (by hash) or a session user.")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=11, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique_per_scope"),
            models.CheckConstraint(condition=Q(state__in=["in_progress", "done"]), name="idempotency_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class WebhookSubscription(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names, e.g. opportunity.updated.")
    secret = models.CharField(max_length=100, help_text="Signs every delivery (HMAC-SHA256).")
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["active"], name="webhook_active")]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"


class WebhookDelivery(models.Model):
    """One event for one subscription: the transactional outbox. Written in the
    same transaction as the change; sent later by `deliver_webhooks`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_log"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]), name="webhook_delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"


class CsvUpload(models.Model):
    """A CSV file checked by a dry run and waiting for its owner to import it
    (so the browser import does not need the file uploaded twice)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="csv_uploads")
    resource = models.CharField(max_length=20)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField()
    created_at = models.DateTimeField(db_index=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.filename or 'upload'} ({self.resource})"
