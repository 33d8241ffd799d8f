"""The whole weekly review as one read, for the page, the CSV export and the
manager's digest. Queries, whatever the size of the team: totals 1, changes 1,
slips per week 1, queue and heatmap 1 (plus `review_scope_for`'s 1)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from . import charts
from .changes import Changes, slips_by_week, weekly_changes
from .queue import Heatmap, Queue, queue_and_heatmap
from .selectors import ReviewScope
from .totals import CATEGORIES, Totals, team_totals


@dataclass(frozen=True)
class WeeklyReview:
    scope: ReviewScope
    totals: Totals
    changes: Changes
    slips: list
    queue: Queue
    heatmap: Heatmap

    @property
    def forecast_chart(self) -> SafeString:
        main = self.totals.main_currency
        team = self.totals.main.by_category
        bars = [("Team", {key: money.amount for key, money in team.items()})]
        bars += [
            (rep.name, {key: money.amount for key, money in rep.totals.by_category.items()})
            for rep in self.totals.reps
            if rep.currency == main
        ]
        return charts.forecast_chart(bars, currency=main, categories=list(CATEGORIES))

    @property
    def rsvp_chart(self) -> SafeString:
        return charts.rsvp_chart(self.totals.rsvp)

    @property
    def slips_chart(self) -> SafeString:
        return charts.slips_chart(self.slips)


def weekly_review(scope: ReviewScope) -> WeeklyReview:
    totals = team_totals(scope)
    queue, heatmap = queue_and_heatmap(scope, exceptions=totals.exceptions)
    return WeeklyReview(
        scope=scope, totals=totals, changes=weekly_changes(scope), slips=slips_by_week(scope),
        queue=queue, heatmap=heatmap,
    )
