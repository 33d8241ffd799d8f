"""The weekly pipeline review's own records: a snapshot of every open deal
each week (what "since last week" is measured against) and the log of review
digests sent, so no manager gets the same week's digest twice."""

from django.conf import settings
from django.db import models


class PipelineSnapshot(models.Model):
    """One open deal as it stood when the week's snapshot was taken.

    `week` is that week's Monday. Taken set-based by
    `services.pipeline_snapshot_take`; one row per week and deal."""

    week = models.DateField()
    opportunity = models.ForeignKey(
        "deals.Opportunity", on_delete=models.CASCADE, related_name="pipeline_snapshots"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    stage = models.ForeignKey("deals.Stage", on_delete=models.PROTECT, related_name="+", db_index=False)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=4)
    forecast_category = models.CharField(max_length=10)
    expected_close_date = models.DateField(null=True, blank=True)
    propensity = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-week", "opportunity_id"]
        constraints = [
            models.UniqueConstraint(fields=["week", "opportunity"], name="review_snapshot_one_per_week"),
        ]
        # Insights reads a team's year of snapshots: by owner, then week, so the cost follows the
        # team's rows, not the whole company's (every open deal is snapshotted every week).
        indexes = [models.Index(fields=["owner", "week"], name="review_snapshot_owner_week")]

    def __str__(self) -> str:
        return f"{self.week:%Y-%m-%d} deal {self.opportunity_id}: {self.amount} {self.currency}"


class ReviewDigestLog(models.Model):
    """A weekly review digest sent to a manager. Written in the same
    transaction as the send, so a rerun finds it and sends nothing twice."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-week", "manager_id"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "week"], name="review_digest_once_per_manager_week"),
        ]

    def __str__(self) -> str:
        return f"Review digest for {self.manager_id}, week of {self.week:%Y-%m-%d}"
