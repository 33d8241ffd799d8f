"""The manager–rep coaching conversation on one deal, and the commitments it
produces. A closed session is the team's coaching history and never changes."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

DIMENSIONS = ("relationships", "strategy", "value", "process")


class CoachingSession(models.Model):
    class Kind(models.TextChoices):
        MANAGER = "manager", "Manager and rep"
        SELF = "self", "Self-review"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    opportunity = models.ForeignKey("deals.Opportunity", on_delete=models.CASCADE, related_name="coaching_sessions")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                            help_text="The deal's owner when the session was opened.")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # The RSVP result when the session opened and when it closed: {"overall": n, "relationships": n, ...}.
    scores_at_open = models.JSONField(default=dict)
    scores_at_close = models.JSONField(default=dict, blank=True)
    # The full coaching result at close (evidence, gaps, questions): the record of what was discussed.
    result_at_close = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "status", "closed_at"], name="session_deal_status")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_at__isnull=True))
                | (Q(status="closed") & Q(closed_at__isnull=False)),
                name="session_closed_at_iff_closed",
            ),
            # One conversation at a time per deal.
            models.UniqueConstraint(fields=["opportunity"], condition=Q(status="open"),
                                    name="session_one_open_per_deal"),
        ]

    def __str__(self) -> str:
        return f"Coaching session on {self.opportunity} ({self.opened_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        # Why here and not only in services: the admin and any future code path
        # must not rewrite history either.
        if self.pk and not kwargs.pop("closing", False):
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.CLOSED:
                raise ValidationError("A closed coaching session cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class SessionAnswer(models.Model):
    """An answer given during the session (also written to the deal's RSVP answers)."""

    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="answers")
    question_key = models.CharField(max_length=60)
    dimension = models.CharField(max_length=13)
    question_text = models.TextField()
    answer = models.CharField(max_length=9)
    evidence = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "question_key"], name="session_answer_once_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.question_key}: {self.answer}"


class Commitment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    session = models.ForeignKey(CoachingSession, on_delete=models.PROTECT, related_name="commitments")
    opportunity = models.ForeignKey("deals.Opportunity", on_delete=models.CASCADE, related_name="commitments")
    action = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commitments")
    due_on = models.DateField()
    dimension = models.CharField(max_length=13, blank=True, help_text="The RSVP dimension whose gap it closes.")
    gap = models.CharField(max_length=300, blank=True, help_text="The gap it closes, in the scorecard's words.")
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=300, blank=True, help_text="What happened, in one line.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="commitment_owner_status_due"),
            models.Index(fields=["opportunity", "status"], name="commitment_deal_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "done", "dropped"]), name="commitment_status_valid"),
            models.CheckConstraint(
                condition=Q(status="open") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="commitment_closed_with_outcome",
            ),
            models.CheckConstraint(condition=Q(dimension__in=["", *DIMENSIONS]), name="commitment_dimension_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.action} ({self.owner}, due {self.due_on})"
