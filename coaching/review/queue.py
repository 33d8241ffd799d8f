"""The exceptions-first queue (largest first, each with the one question to
ask) and the RSVP heatmap. Each is one query for the rows shown: the flags of
a queue row come along as a JSON array, so no query runs per deal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery
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


def exception_queue(scope: ReviewScope, *, offset: int = 0, limit: int = QUEUE_PAGE_SIZE) -> Queue:
    today = scope.as_of
    deals = (
        open_team_deals(scope)
        .annotate(**exception_annotations(today=today))
        .filter(is_exception_q())
        .annotate(**plan_annotations(today=today), slip_count=slip_count(), open_flags_json=_flags_json(today))
        .select_related("owner", "account", "stage", "deal_score")
        .order_by("-amount", "id")[offset:offset + limit + 1]
    )
    deals = list(deals)
    rows = []
    for deal in deals[:limit]:
        reasons = tuple(r for r in ("flag", "plan", "rsvp", "anchors") if getattr(deal, f"exc_{r}"))
        flags = _flag_infos(deal.open_flags_json, today)
        score = getattr(deal, "deal_score", None)
        question = question_for(
            result=score.result if score is not None else None,
            flag_kinds=[f.kind for f in flags if not f.snoozed_until],
            plan_behind=deal.exc_plan, anchors_missing=deal.exc_anchors,
        )
        rows.append(QueueRow(opportunity=deal, reasons=reasons, flags=flags, question=question,
                             url=deal_url(deal.pk)))
    return Queue(rows=rows, offset=offset, has_more=len(deals) > limit)


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
        .defer("deal_score__result")
        .annotate(score_overall=F("deal_score__overall"))
        .order_by("-amount", "id")[offset:offset + limit + 1]
    )
    rows = []
    for deal in deals[:limit]:
        url = deal_url(deal.pk)
        score = getattr(deal, "deal_score", None)
        cells = tuple(
            HeatmapCell(
                letter=DIMENSION_LETTERS[d], dimension=d,
                score=getattr(score, d) if score is not None else None,
                status=getattr(score, f"{d}_status") if score is not None else "none",
                url=f"{url}#rsvp-{d}",
            )
            for d in DIMENSIONS
        )
        rows.append(HeatmapRow(opportunity=deal, cells=cells, url=url))
    return Heatmap(rows=rows, offset=offset, has_more=len(deals) > limit)
