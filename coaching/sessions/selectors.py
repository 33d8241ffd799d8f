"""Reads for coaching sessions and commitments, scoped through the deal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from coaching.rsvp.models import DealScore
from dealcoach.permissions import visible_owner_ids_q
from deals.models import Opportunity
from deals.selectors import opportunities_visible_to

from .models import DIMENSIONS, CoachingSession, Commitment


def sessions_visible_to(user) -> QuerySet[CoachingSession]:
    return CoachingSession.objects.filter(opportunity__deleted_at__isnull=True).filter(
        visible_owner_ids_q(user, owner_field="opportunity__owner")
    )


def coaching_session_get_for_user(*, user, session_id) -> CoachingSession:
    """The session, if `user` may see its deal; Http404 otherwise."""
    try:
        return sessions_visible_to(user).select_related("opportunity", "opportunity__owner", "rep", "opened_by").get(
            pk=session_id)
    except (CoachingSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such coaching session.") from None


def commitments_visible_to(user) -> QuerySet[Commitment]:
    return Commitment.objects.filter(opportunity__deleted_at__isnull=True).filter(
        visible_owner_ids_q(user, owner_field="opportunity__owner")
    )


def commitment_get_for_user(*, user, commitment_id) -> Commitment:
    try:
        return commitments_visible_to(user).select_related("opportunity", "owner").get(pk=commitment_id)
    except (Commitment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such commitment.") from None


def open_commitments_for(*, user) -> list[Commitment]:
    """The user's own open commitments (their desk), soonest due first."""
    return list(
        commitments_visible_to(user).filter(owner=user, status="open")
        .select_related("opportunity").order_by("due_on", "id")[:50]
    )


def open_commitments_on(*, opportunity: Opportunity) -> list[Commitment]:
    return list(opportunity.commitments.filter(status="open").select_related("owner").order_by("due_on", "id"))


def last_closed_session(*, opportunity: Opportunity, before: CoachingSession | None = None) -> CoachingSession | None:
    qs = opportunity.coaching_sessions.filter(status="closed")
    if before is not None:
        qs = qs.exclude(pk=before.pk).filter(closed_at__lte=before.opened_at)
    return qs.order_by("-closed_at").first()


def commitments_closed_since(*, opportunity: Opportunity, since: dt.datetime | None) -> list[Commitment]:
    qs = opportunity.commitments.exclude(status="open").select_related("owner", "closed_by")
    if since is not None:
        qs = qs.filter(closed_at__gte=since)
    return list(qs.order_by("-closed_at")[:20])


@dataclass(frozen=True)
class Trend:
    dimension: str
    before: int
    now: int

    @property
    def delta(self) -> int:
        return self.now - self.before

    @property
    def direction(self) -> str:
        return "better" if self.delta > 0 else "worse" if self.delta < 0 else "same"


def rsvp_trend(*, before: dict, now: dict) -> list[Trend]:
    """Per-dimension change between two score dicts (missing → no trend)."""
    return [Trend(d, before[d], now[d]) for d in ("overall", *DIMENSIONS) if d in before and d in now]


@dataclass(frozen=True)
class UncoachedDeal:
    opportunity: Opportunity
    last_coached_on: dt.date | None
    days_uncoached: int


def uncoached_deals(*, user, team=None, as_of: dt.date | None = None, limit: int = 50) -> list[UncoachedDeal]:
    """Open deals at or above their team's coaching threshold whose last closed
    session (or, never coached, their creation) is older than the team's
    cadence. Two queries, whatever the size of the team."""
    as_of = as_of or timezone.localdate()
    last_session = (
        CoachingSession.objects.filter(opportunity=OuterRef("pk"), status="closed")
        .values("opportunity").annotate(m=Max("closed_at")).values("m")[:1]
    )
    deals = (
        opportunities_visible_to(user).filter(status="open", owner__team__isnull=False)
        .filter(**({"owner__team": team} if team is not None else {}))
        .filter(amount__gte=F("owner__team__coaching_min_amount"))
        .annotate(last_coached_at=Subquery(last_session))
        .annotate(reference=TruncDate(Coalesce("last_coached_at", "created_at")))
        .select_related("owner", "owner__team", "account", "stage")
    )
    rows = []
    for deal in deals.order_by("reference", "-amount")[: limit * 4]:
        days = (as_of - deal.reference).days
        if days > deal.owner.team.coaching_cadence_days:
            rows.append(UncoachedDeal(deal, deal.last_coached_at.date() if deal.last_coached_at else None, days))
    return sorted(rows, key=lambda r: (-r.days_uncoached, -r.opportunity.amount))[:limit]


def uncoached_reps(rows: list[UncoachedDeal]) -> list[tuple[object, int]]:
    """(rep, number of uncoached deals), most first."""
    counts: dict[int, list] = {}
    for row in rows:
        owner = row.opportunity.owner
        counts.setdefault(owner.pk, [owner, 0])[1] += 1
    return sorted(((o, n) for o, n in counts.values()), key=lambda item: -item[1])


def overdue_commitments(*, user, team=None, as_of: dt.date | None = None, limit: int = 50) -> list[Commitment]:
    as_of = as_of or timezone.localdate()
    return list(
        commitments_visible_to(user).filter(status="open", due_on__lt=as_of)
        .filter(**({"opportunity__owner__team": team} if team is not None else {}))
        .select_related("owner", "opportunity").order_by("due_on", "id")[:limit]
    )


def commitments_filtered(*, user, owner=None, status=None, overdue: bool | None = None,
                         opportunity_id=None, as_of: dt.date | None = None) -> QuerySet[Commitment]:
    as_of = as_of or timezone.localdate()
    qs = commitments_visible_to(user).select_related("owner", "opportunity")
    if owner is not None:
        qs = qs.filter(owner=owner)
    if status:
        qs = qs.filter(status=status)
    if opportunity_id is not None:
        qs = qs.filter(opportunity_id=opportunity_id)
    if overdue is True:
        qs = qs.filter(status="open", due_on__lt=as_of)
    elif overdue is False:
        qs = qs.filter(~Q(status="open") | Q(due_on__gte=as_of))
    return qs


@dataclass(frozen=True)
class CoachedDealTrend:
    opportunity: Opportunity
    session: CoachingSession
    trends: list[Trend]

    @property
    def changed(self) -> list[Trend]:
        return [t for t in self.trends if t.delta and t.dimension != "overall"]


def coached_deal_trends(*, user, team=None, limit: int = 30) -> list[CoachedDealTrend]:
    """For recently coached open deals: each RSVP dimension now against the
    last session's close. Two queries."""
    closed = (
        sessions_visible_to(user).filter(status="closed", opportunity__status="open")
        .filter(**({"opportunity__owner__team": team} if team is not None else {}))
        .select_related("opportunity", "opportunity__owner")
    )
    if _distinct_on_supported():
        sessions = list(closed.order_by("opportunity_id", "-closed_at").distinct("opportunity_id"))
    else:
        sessions = _latest_sessions_portable(closed)
    sessions = sorted(sessions, key=lambda s: s.closed_at, reverse=True)[:limit]
    scores = {s.opportunity_id: s for s in DealScore.objects.filter(opportunity_id__in=[x.opportunity_id for x in sessions])}
    rows = []
    for session in sessions:
        score = scores.get(session.opportunity_id)
        if score is None:
            continue
        now = {"overall": score.overall, **{d: getattr(score, d) for d in DIMENSIONS}}
        rows.append(CoachedDealTrend(session.opportunity, session, rsvp_trend(before=session.scores_at_close, now=now)))
    return rows


def _distinct_on_supported() -> bool:
    from django.db import connection

    return connection.features.can_distinct_on_fields


def _latest_sessions_portable(closed) -> list[CoachingSession]:
    """SQLite (the embedded mode) has no DISTINCT ON: keep the newest per deal in Python."""
    latest: dict[int, CoachingSession] = {}
    for session in closed.order_by("-closed_at")[:500]:
        latest.setdefault(session.opportunity_id, session)
    return list(latest.values())
