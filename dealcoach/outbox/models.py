"""The transactional outbox: work for the broker, written in the same
transaction as the database change it follows from."""

from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    task = models.CharField(max_length=200, help_text="Registered Celery task name.")
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the relay once the broker accepted the message.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed publish attempts.")
    last_error = models.TextField(blank=True)
    # Set by the consumer, in the transaction of the task's own writes: a second
    # delivery of the same message finds it set and does nothing.
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(dispatched_at__isnull=True), name="outbox_pending"),
            models.Index(fields=["created_at"], name="outbox_created"),
        ]

    def __str__(self) -> str:
        state = "consumed" if self.consumed_at else "dispatched" if self.dispatched_at else "pending"
        return f"#{self.pk} {self.task} ({state})"
