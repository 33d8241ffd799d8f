"""Insights keeps one thing of its own: each owner's weekly forecast, summed
once from a finished week's pipeline snapshot. A finished week's snapshot no
longer changes (the weekly take only adds the current week's rows), so its sums
are history, not a cache: the Insights page reads ~50 rows per rep and year
instead of summing every snapshot row of the team (10,000 deals × 52 weeks)
on every view."""

from django.conf import settings
from django.db import models


class ForecastWeek(models.Model):
    week = models.DateField(help_text="The snapshot's week (its Monday).")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Blank: the owner had no open deal due in the week's quarter (recorded, so it is not summed again).
    currency = models.CharField(max_length=3, blank=True)
    commit = models.FloatField(default=0)
    best_case = models.FloatField(default=0, help_text="Commit plus Best Case.")
    weighted = models.FloatField(default=0, help_text="Amount × stage probability.")
    propensity = models.FloatField(default=0, help_text="Amount × propensity (decay-adjusted).")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["week", "owner_id", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "week", "currency"], name="insights_forecast_week_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.week:%Y-%m-%d} owner {self.owner_id} {self.currency}: commit {self.commit:,.0f}"
