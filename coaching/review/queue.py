"""The rows the review shows, in attention order (`ranking`): "Needs you this
week" (the top five exceptions), the other exceptions (sortable by attention,
amount or close date), each with its reasons and the one question to ask,
and the RSVP heatmap. The rows of a page are one query whatever the team's
size: the flags of a row come along as a JSON array, so no query runs per deal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, OuterRef, Subquery, Value, When
from django.db.models.functions import JSONObject
from django.utils.text import capfirst

from dealcoach.models import User
from deals.models import Opportunity

from .changes import slip_count
from .links import coach_url, coaching_sheet_url, deal_url
from .questions import Question, question_for
from .ranking import RankedDeal, Ranking, review_ranking
from .selectors import HEATMAP_PAGE_SIZE, QUEUE_PAGE_SIZE, ReviewScope
from .sources import (
    DIMENSION_LETTERS,
    DIMENSIONS,
    FLAG_LABELS,
    open_flags,
    plan_annotations,
    row_annotations,
    stored_coaching,
)
from .sql import JSONArrayAgg


@dataclass(frozen=True)
class FlagInfo:
    kind: str
    reason: str
    raised_on: dt.date | None
    snoozed_until: dt.date | None
    snooze_reason: str
    snoozed_by: str

    @property
    def label(self) -> str:
        return FLAG_LABELS.get(self.kind, self.kind)


CHIPS = 3  # reasons shown per deal


@dataclass(frozen=True)
class QueueRow:
    opportunity: Opportunity
    ranked: RankedDeal
    flags: tuple[FlagInfo, ...]  # open flags, snoozed last
    question: Question
    url: str

    @property
    def attention(self):
        return self.ranked.attention

    @property
    def chips(self):
        """The two or three reasons that weigh most (then a due date or a missing rate)."""
        weighed = [r for r in self.attention.reasons if r.weight]
        context = [r for r in self.attention.reasons if not r.weight and r.code in ("due_soon", "no_rate")]
        return (weighed[:CHIPS] + context)[: CHIPS + 1]

    @property
    def coaching_sheet_url(self) -> str:
        return coaching_sheet_url(self.opportunity.pk)

    @property
    def coach_url(self) -> str:
        return coach_url(self.opportunity.pk)

    @property
    def reason_labels(self) -> list[str]:
        return [r.label for r in self.chips]

    @property
    def active_flags(self) -> list[FlagInfo]:
        return [f for f in self.flags if not f.snoozed_until]

    @property
    def snoozed_flags(self) -> list[FlagInfo]:
        return [f for f in self.flags if f.snoozed_until]

    @property
    def red_dimensions(self) -> list[str]:
        score = getattr(self.opportunity, "deal_score", None)
        if score is None:
            return []
        return [d for d in DIMENSIONS if getattr(score, f"{d}_status") == "red"]

    @property
    def missing_anchors(self) -> list[str]:
        deal = self.opportunity
        missing = []
        if deal.budget_status == "unknown":
            missing.append("budget")
        if deal.go_live_date is None:
            missing.append("go-live date")
        if not deal.compelling_event:
            missing.append("compelling event")
        if not deal.success_criteria:
            missing.append("success criteria")
        return missing


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    offset: int
    has_more: bool

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.rows)


def _snoozer(field: str) -> Subquery:
    """A field of the user who snoozed the flag, looked up only for a snoozed flag: joining the
    users in the per-deal subquery made PostgreSQL hash the whole user table once per deal shown."""
    return Case(When(snoozed_by__isnull=False, then=Subquery(
        User.objects.filter(pk=OuterRef("snoozed_by_id")).values(field)[:1])), default=Value(None))


def _flags_json(today: dt.date) -> Subquery:
    flags = (
        open_flags()
        .filter(opportunity=OuterRef("pk"))
        .order_by()
        .values("opportunity")
        .annotate(items=JSONArrayAgg(JSONObject(
            kind="kind", reason="reason", raised_at="raised_at", snoozed_until="snoozed_until",
            snooze_reason="snooze_reason", **{name: _snoozer(name) for name in ("first_name", "last_name", "username")},
        )))
        .values("items")
    )
    return Subquery(flags)


def _date(value) -> dt.date | None:
    if not value:
        return None
    return dt.date.fromisoformat(str(value)[:10])


def _flag_infos(items, today: dt.date) -> tuple[FlagInfo, ...]:
    infos = []
    for item in items or []:
        until = _date(item.get("snoozed_until"))
        by = " ".join(p for p in (item.get("first_name"), item.get("last_name")) if p) or item.get("username") or ""
        infos.append(FlagInfo(
            kind=item["kind"], reason=item.get("reason") or "", raised_on=_date(item.get("raised_at")),
            snoozed_until=until if until and until > today else None,
            snooze_reason=(item.get("snooze_reason") or "") if until and until > today else "",
            snoozed_by=by if until and until > today else "",
        ))
    return tuple(sorted(infos, key=lambda f: (f.snoozed_until is not None, f.kind)))


# The columns the rows show (the review page, the digest, the API): not the deal's notes and
# timestamps, nor the whole users they are owned by.
ROW_FIELDS = (
    "name", "expected_close_date", "budget_status", "go_live_date", "compelling_event", "success_criteria",
    "owner__first_name", "owner__last_name", "owner__username", "account__name", "stage__name",
    "deal_score__summary", *(f"deal_score__{d}" for d in DIMENSIONS), *(f"deal_score__{d}_status" for d in DIMENSIONS),
)


def _with_row_facts(deals, today: dt.date):
    """Everything a queue row shows, for the rows of one page."""
    return deals.annotate(
        **row_annotations(today=today), **plan_annotations(today=today),
        slip_count=slip_count(), open_flags_json=_flags_json(today),
    ).select_related("owner", "account", "stage", "deal_score").only(*ROW_FIELDS)


def _queue_row(deal: Opportunity, ranked: RankedDeal, today: dt.date) -> QueueRow:
    flags = _flag_infos(deal.open_flags_json, today)
    question = question_for(
        result=stored_coaching(getattr(deal, "deal_score", None)),
        flag_kinds=[f.kind for f in flags if not f.snoozed_until],
        plan_behind=deal.exc_plan, anchors_missing=deal.exc_anchors,
    )
    return QueueRow(opportunity=deal, ranked=ranked, flags=flags, question=question, url=deal_url(deal.pk))


def _opportunities(ids: list[int], today: dt.date) -> dict[int, Opportunity]:
    if not ids:
        return {}
    return {deal.pk: deal for deal in _with_row_facts(Opportunity.objects.filter(pk__in=ids), today)}


def queue_rows_for(deals: list[RankedDeal], today: dt.date) -> list[QueueRow]:
    """The rows (reasons, flags, question) of these ranked deals, in their order: one query."""
    rows = _opportunities([d.opportunity_id for d in deals], today)
    return [_queue_row(rows[d.opportunity_id], d, today) for d in deals]


@dataclass(frozen=True)
class ReviewRows:
    needs_you: list[QueueRow]
    queue: Queue
    heatmap: Heatmap


def review_rows(
    scope: ReviewScope, ranking: Ranking, *, sort: str = "attention", queue_limit: int = QUEUE_PAGE_SIZE,
    heatmap_limit: int = HEATMAP_PAGE_SIZE,
) -> ReviewRows:
    """The first page of everything the review lists, from ONE query: the top
    five, the first page of the other exceptions and of the heatmap."""
    today = scope.as_of
    top = ranking.needs_you
    others = ranking.other_exceptions(sort)
    page = others[:queue_limit]
    mapped = ranking.deals[:heatmap_limit]
    rows = _opportunities(list({d.opportunity_id for d in (*top, *page, *mapped)}), today)
    return ReviewRows(
        needs_you=[_queue_row(rows[d.opportunity_id], d, today) for d in top],
        queue=Queue(rows=[_queue_row(rows[d.opportunity_id], d, today) for d in page], offset=0,
                    has_more=len(others) > queue_limit),
        heatmap=Heatmap(rows=[_heatmap_row(rows[d.opportunity_id], d) for d in mapped], offset=0,
                        has_more=len(ranking.deals) > heatmap_limit),
    )


def exception_queue(scope: ReviewScope, *, offset: int = 0, limit: int = QUEUE_PAGE_SIZE, sort: str = "attention",
                    ranking: Ranking | None = None) -> Queue:
    """A page of the exceptions after the top five, in the order asked for."""
    ranking = ranking or review_ranking(scope)
    others = ranking.other_exceptions(sort)
    return Queue(rows=queue_rows_for(others[offset:offset + limit], scope.as_of), offset=offset,
                 has_more=len(others) > offset + limit)


@dataclass(frozen=True)
class HeatmapCell:
    letter: str
    dimension: str
    score: int | None
    status: str  # red / amber / green / none
    url: str
    # Worded here, not in the template: a page shows 400 cells and each template lookup costs.
    text: str = "–"
    title: str = ""


@dataclass(frozen=True)
class HeatmapRow:
    opportunity: Opportunity
    ranked: RankedDeal
    cells: tuple[HeatmapCell, ...]
    url: str


@dataclass(frozen=True)
class Heatmap:
    rows: list[HeatmapRow]
    offset: int
    has_more: bool

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.rows)


def rsvp_heatmap(scope: ReviewScope, *, offset: int = 0, limit: int = HEATMAP_PAGE_SIZE,
                 ranking: Ranking | None = None) -> Heatmap:
    """The team's open deals, in attention order, × the four RSVP dimensions."""
    ranking = ranking or review_ranking(scope)
    page = ranking.deals[offset:offset + limit]
    ids = [d.opportunity_id for d in page]
    deals = {deal.pk: deal for deal in Opportunity.objects.filter(pk__in=ids).select_related("owner", "deal_score")
             .defer("deal_score__summary")}
    return Heatmap(rows=[_heatmap_row(deals[d.opportunity_id], d) for d in page], offset=offset,
                   has_more=len(ranking.deals) > offset + limit)


def _heatmap_row(deal: Opportunity, ranked: RankedDeal) -> HeatmapRow:
    url = deal_url(deal.pk)
    score = getattr(deal, "deal_score", None)
    cells = []
    for d in DIMENSIONS:
        points = getattr(score, d) if score is not None else None
        status = getattr(score, f"{d}_status") if score is not None else "none"
        cells.append(HeatmapCell(
            letter=DIMENSION_LETTERS[d], dimension=d, score=points, status=status, url=f"{url}#rsvp-scorecard",
            text="–" if points is None else str(points),
            title=f"{deal.name} · {capfirst(d)}: " + ("not scored yet" if points is None else f"{points} ({status})"),
        ))
    cells = tuple(cells)
    return HeatmapRow(opportunity=deal, ranked=ranked, cells=cells, url=url)
