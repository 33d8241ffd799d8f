"""The exceptions-first queue (largest first, each with the one question to
ask) and the RSVP heatmap. Each is one query for the rows shown: the flags of
a queue row come along as a JSON array, so no query runs per deal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONObject

from deals.models import Opportunity

from .changes import slip_count
from .links import deal_url
from .questions import Question, question_for
from .selectors import HEATMAP_PAGE_SIZE, QUEUE_PAGE_SIZE, ReviewScope, open_team_deals
from .sources import (
    DIMENSION_LETTERS,
    DIMENSIONS,
    EXCEPTION_REASONS,
    FLAG_LABELS,
    exception_annotations,
    is_exception_q,
    open_flags,
    plan_annotations,
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


@dataclass(frozen=True)
class QueueRow:
    opportunity: Opportunity
    reasons: tuple[str, ...]  # keys of EXCEPTION_REASONS
    flags: tuple[FlagInfo, ...]  # open flags, snoozed last
    question: Question
    url: str

    @property
    def reason_labels(self) -> list[str]:
        return [EXCEPTION_REASONS[r] for r in self.reasons]

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


def _flags_json(today: dt.date) -> Subquery:
    flags = (
        open_flags()
        .filter(opportunity=OuterRef("pk"))
        .order_by()
        .values("opportunity")
        .annotate(items=JSONArrayAgg(JSONObject(
            kind="kind", reason="reason", raised_at="raised_at", snoozed_until="snoozed_until",
            snooze_reason="snooze_reason", first_name="snoozed_by__first_name",
            last_name="snoozed_by__last_name", username="snoozed_by__username",
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


def _with_row_facts(deals, today: dt.date):
    """Everything a queue row shows. In PostgreSQL the subqueries in the
    select list run only for the rows kept by ORDER BY ... LIMIT."""
    return (
        deals.annotate(
            **exception_annotations(today=today), **plan_annotations(today=today),
            slip_count=slip_count(), open_flags_json=_flags_json(today),
        )
        .select_related("owner", "account", "stage", "deal_score")
        .order_by("-amount", "id")
    )


def _queue_row(deal: Opportunity, today: dt.date) -> QueueRow:
    reasons = tuple(r for r in ("flag", "plan", "rsvp", "anchors") if getattr(deal, f"exc_{r}"))
    flags = _flag_infos(deal.open_flags_json, today)
    score = getattr(deal, "deal_score", None)
    question = question_for(
        result=stored_coaching(score),
        flag_kinds=[f.kind for f in flags if not f.snoozed_until],
        plan_behind=deal.exc_plan, anchors_missing=deal.exc_anchors,
    )
    return QueueRow(opportunity=deal, reasons=reasons, flags=flags, question=question, url=deal_url(deal.pk))


def _is_exception(deal: Opportunity) -> bool:
    return any(getattr(deal, f"exc_{r}") for r in ("flag", "plan", "rsvp", "anchors"))


def exception_queue(scope: ReviewScope, *, offset: int = 0, limit: int = QUEUE_PAGE_SIZE) -> Queue:
    """A page of the queue: exception deals, largest first."""
    today = scope.as_of
    deals = list(_with_row_facts(open_team_deals(scope), today).filter(is_exception_q())[offset:offset + limit + 1])
    rows = [_queue_row(deal, today) for deal in deals[:limit]]
    return Queue(rows=rows, offset=offset, has_more=len(deals) > limit)


def queue_and_heatmap(
    scope: ReviewScope, *, exceptions: int, queue_limit: int = QUEUE_PAGE_SIZE,
    heatmap_limit: int = HEATMAP_PAGE_SIZE,
) -> tuple[Queue, Heatmap]:
    """The first page of the queue and of the heatmap from ONE query: the
    largest open deals. The exceptions among them are exactly the first
    exceptions of the whole queue (both are ordered by amount), so the queue
    shown is always a true prefix; "show more" continues from there.
    `exceptions` is the team's total (from the totals)."""
    today = scope.as_of
    # Pick the largest deals first, then compute the row facts and joins for those rows only:
    # otherwise PostgreSQL joins accounts and owners for every team deal before sorting.
    largest_ids = open_team_deals(scope).order_by("-amount", "id").values("pk")[: heatmap_limit + 1]
    deals = list(_with_row_facts(Opportunity.objects.filter(pk__in=largest_ids), today))
    largest = deals[:heatmap_limit]
    queue_rows = [_queue_row(deal, today) for deal in largest if _is_exception(deal)][:queue_limit]
    queue = Queue(rows=queue_rows, offset=0, has_more=exceptions > len(queue_rows))
    heatmap = Heatmap(rows=[_heatmap_row(deal) for deal in largest], offset=0, has_more=len(deals) > heatmap_limit)
    return queue, heatmap


@dataclass(frozen=True)
class HeatmapCell:
    letter: str
    dimension: str
    score: int | None
    status: str  # red / amber / green / none
    url: str


@dataclass(frozen=True)
class HeatmapRow:
    opportunity: Opportunity
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


def rsvp_heatmap(scope: ReviewScope, *, offset: int = 0, limit: int = HEATMAP_PAGE_SIZE) -> Heatmap:
    """The team's open deals, largest first, × the four RSVP dimensions."""
    deals = list(
        open_team_deals(scope)
        .select_related("owner", "deal_score")
        .defer("deal_score__summary")
        .order_by("-amount", "id")[offset:offset + limit + 1]
    )
    return Heatmap(rows=[_heatmap_row(deal) for deal in deals[:limit]], offset=offset, has_more=len(deals) > limit)


def _heatmap_row(deal: Opportunity) -> HeatmapRow:
    url = deal_url(deal.pk)
    score = getattr(deal, "deal_score", None)
    cells = tuple(
        HeatmapCell(
            letter=DIMENSION_LETTERS[d], dimension=d,
            score=getattr(score, d) if score is not None else None,
            status=getattr(score, f"{d}_status") if score is not None else "none",
            url=f"{url}#rsvp-scorecard",
        )
        for d in DIMENSIONS
    )
    return HeatmapRow(opportunity=deal, cells=cells, url=url)
