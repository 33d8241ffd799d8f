"""The whole weekly review as one read, for the page, the CSV export and the
manager's digest. Queries, whatever the size of the team: attention ranking 1,
totals 1, changes 1, slips per week 1, the rows shown 1 (plus
`review_scope_for`'s 1; the stages, rates and holidays come from the cache)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from dealcoach.rates.selectors import rate_table_on

from . import charts
from .attention import EXCEPTION_RISK
from .changes import Changes, slips_by_week, weekly_changes
from .queue import Heatmap, Queue, QueueRow, review_rows
from .ranking import SORTS, Ranking, review_ranking
from .selectors import ReviewScope
from .totals import CATEGORIES, Totals, team_totals


@dataclass(frozen=True)
class WeeklyReview:
    scope: ReviewScope
    totals: Totals
    changes: Changes
    slips: list
    ranking: Ranking
    needs_you: list[QueueRow]
    queue: Queue
    heatmap: Heatmap

    @property
    def sorts(self) -> list[tuple[str, str]]:
        return list(SORTS.items())

    @property
    def sort_label(self) -> str:
        return SORTS.get(self.scope.sort, SORTS["attention"])

    @property
    def sort_links(self) -> list[tuple[str, str, str, bool]]:
        """(key, label, query string, current) for the exceptions' sort switch."""
        return [
            (key, label, self.scope.query_string(sort=None if key == "attention" else key), key == self.scope.sort)
            for key, label in SORTS.items()
        ]

    @property
    def exception_risk(self) -> int:
        return EXCEPTION_RISK

    @property
    def missing_rates(self) -> list[str]:
        """Currencies with no rate in force: their amounts are shown unconverted and left out of totals."""
        return sorted(set(self.totals.missing_rates) | set(self.ranking.missing_rates))

    @property
    def forecast_chart(self) -> SafeString:
        main = self.totals.main_currency
        team = self.totals.main.by_category
        bars = [("Team", {key: money.amount for key, money in team.items()})]
        bars += [
            (rep.name, {key: money.amount for key, money in rep.totals.by_category.items()})
            for rep in self.totals.reps
            if rep.converted and rep.currency == main
        ]
        return charts.forecast_chart(bars, currency=main, categories=list(CATEGORIES))

    @property
    def rsvp_chart(self) -> SafeString:
        return charts.rsvp_chart(self.totals.rsvp)

    @property
    def slips_chart(self) -> SafeString:
        return charts.slips_chart(self.slips)


def weekly_review(scope: ReviewScope) -> WeeklyReview:
    rates = rate_table_on(scope.as_of)
    ranking = review_ranking(scope, rates=rates)
    totals = team_totals(scope, ranking=ranking, rates=rates)
    rows = review_rows(scope, ranking, sort=scope.sort)
    return WeeklyReview(
        scope=scope, totals=totals, changes=weekly_changes(scope), slips=slips_by_week(scope),
        ranking=ranking, needs_you=rows.needs_you, queue=rows.queue, heatmap=rows.heatmap,
    )
