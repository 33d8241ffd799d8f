"""CSV export of the weekly review: one row per open deal of the reviewed team
(the page's filters apply), in attention order (the page's ranking: rank,
score, exception, reasons, the amount in the reporting currency), with the
numbers the meeting looks at. Streamed in chunks, so a 10,000-deal team costs
a few queries per 2,000 rows, not per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from coaching.closeplan.selectors import plan_summaries
from coaching.rsvp.models import DealScore
from coaching.stale.models import Flag
from dealcoach.spreadsheet import spreadsheet_writer
from deals.propensity import deal_propensity

from .questions import question_from_result
from .ranking import review_ranking
from .selectors import ReviewScope, open_team_deals
from .sources import DIMENSIONS, stored_coaching

CHUNK = 2000
HEADER = [
    "attention_rank", "attention_score", "exception", "attention_reasons", "reporting_currency", "amount_converted",
    "deal_id", "external_id", "deal", "account", "owner", "stage", "forecast_category", "amount", "currency",
    "weighted_amount", "decay_adjusted_amount", "expected_close_date", "sign_by", "plan_feasible",
    "overall", *[f"{d}_score" for d in DIMENSIONS], *[f"{d}_status" for d in DIMENSIONS],
    "open_flags", "question_to_ask",
]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv rows."""

    def write(self, value: str) -> str:
        return value


def review_csv_rows(scope: ReviewScope) -> Iterator[str]:
    writer = spreadsheet_writer(_Echo())
    yield writer.writerow(HEADER)
    deals = open_team_deals(scope).select_related("account", "owner", "stage")
    ranking = review_ranking(scope)
    ranked = {deal.opportunity_id: deal for deal in ranking.deals}
    ids = list(ranked)  # attention order
    last_id = None
    for start in range(0, len(ids), CHUNK):
        chunk_ids = ids[start:start + CHUNK]
        chunk = {d.pk: d for d in deals.filter(pk__in=chunk_ids)}
        scores = {s.opportunity_id: s for s in DealScore.objects.filter(opportunity_id__in=chunk_ids)}
        flags: dict[int, list[str]] = defaultdict(list)
        for opportunity_id, kind in Flag.objects.filter(
            opportunity_id__in=chunk_ids, cleared_at__isnull=True
        ).values_list("opportunity_id", "kind"):
            flags[opportunity_id].append(kind)
        plans = plan_summaries(opportunity_ids=chunk_ids, as_of=scope.as_of)
        for pk in chunk_ids:
            deal = chunk.get(pk)
            if deal is None or pk == last_id:
                continue
            score = scores.get(pk)
            plan = plans.get(pk)
            probability = deal.stage.probability / 100
            propensity = deal_propensity(deal, as_of=scope.as_of)
            propensity = probability if propensity is None else propensity
            question = question_from_result(stored_coaching(score))
            position = ranked[pk]
            yield writer.writerow([
                position.rank, f"{position.attention.score:.1f}", "yes" if position.is_exception else "no",
                "; ".join(r.label for r in position.attention.reasons), ranking.currency,
                "" if position.converted is None else f"{position.converted:.2f}",
                deal.pk, deal.external_id or "", deal.name, deal.account.name, deal.owner.username, deal.stage.slug,
                deal.forecast_category, f"{deal.amount:.2f}", deal.currency,
                f"{deal.amount * deal.stage.probability / 100:.2f}", f"{float(deal.amount) * propensity:.2f}",
                deal.expected_close_date or "", (plan.sign_by if plan else "") or "",
                "" if plan is None else ("yes" if plan.feasible else "no"),
                score.overall if score else "", *[getattr(score, d) if score else "" for d in DIMENSIONS],
                *[getattr(score, f"{d}_status") if score else "" for d in DIMENSIONS],
                " ".join(sorted(flags.get(pk, []))), question.text if question else "",
            ])
            last_id = pk
