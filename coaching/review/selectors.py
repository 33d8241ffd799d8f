"""Reads for the weekly pipeline review, always scoped to what the viewer may
see (`dealcoach.permissions`). The page is a handful of set-based queries
whatever the size of the team: see `weekly_review`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404

from dealcoach.models import Team, User
from dealcoach.permissions import reviewable_teams_q, visible_owner_ids_q
from deals.models import Opportunity, Stage
from deals.selectors import stages_in_order

from .forms import ReviewFilterForm
from .periods import quarter_bounds, week_start
from .sources import has_open_flag

QUEUE_PAGE_SIZE = 50
HEATMAP_PAGE_SIZE = 100
STAGES_CACHE_KEY = "review:stages:v1"
STAGES_CACHE_SECONDS = 300


@dataclass(frozen=True)
class ReviewScope:
    """Who looks at which team, filtered how, as of when."""

    viewer: User
    team: Team | None
    teams: list[Team]
    reps: list[User]
    stages: list[Stage]
    form: ReviewFilterForm
    filters: dict
    as_of: dt.date
    week: dt.date = field(init=False)
    baseline_week: dt.date = field(init=False)
    quarter: tuple[dt.date, dt.date] = field(init=False)

    def __post_init__(self):
        week = week_start(self.as_of)
        object.__setattr__(self, "week", week)
        # "Since last week": against the snapshot taken at the start of last week.
        object.__setattr__(self, "baseline_week", week - dt.timedelta(days=7))
        object.__setattr__(self, "quarter", quarter_bounds(self.as_of))

    @property
    def sort(self) -> str:
        return self.filters.get("sort", "attention")

    @property
    def rep_names(self) -> dict[int, str]:
        return {rep.pk: str(rep) for rep in self.reps}

    def query_string(self, **overrides) -> str:
        """The current filters as a query string, for links that keep them."""
        from urllib.parse import urlencode

        params = {"team": self.team.pk if self.team else None, **self.filters, **overrides}
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def review_scope_for(*, user, params, as_of: dt.date) -> ReviewScope:
    """The review the user asked for. Http404 for anyone who reviews no team
    (reps) and for a team they may not review. One query (the stages are cached)."""
    if not user.is_authenticated or not (user.is_superuser or user.role in ("manager", "admin")):
        raise Http404("No pipeline review here.")
    members = list(
        User.objects.filter(team__in=Team.objects.filter(reviewable_teams_q(user)))
        .select_related("team")
        .order_by("team__name", "first_name", "last_name", "username")
    )
    teams = list({member.team_id: member.team for member in members}.values())
    team = teams[0] if teams else None
    wanted = params.get("team")
    if wanted:
        team = next((t for t in teams if str(t.pk) == str(wanted)), None)
        if team is None:
            raise Http404("No such team.")
    reps = [m for m in members if team is not None and m.team_id == team.pk]
    stages = review_stages()
    form = ReviewFilterForm(params, teams=teams, reps=reps, stages=stages)
    return ReviewScope(
        viewer=user, team=team, teams=teams, reps=reps, stages=stages, form=form,
        filters=form.filters(), as_of=as_of,
    )


def review_stages() -> list[Stage]:
    """The pipeline stages for the filter. Configuration that rarely changes,
    so cached (and dropped on any stage change, see `receivers`): the page
    spends its query budget on deals."""
    return cache.get_or_set(STAGES_CACHE_KEY, stages_in_order, STAGES_CACHE_SECONDS)


def team_deals(scope: ReviewScope) -> QuerySet[Opportunity]:
    """The team's live deals (any status) the viewer may see, with the filters applied."""
    if scope.team is None:
        return Opportunity.objects.none()
    # The team's members are already in the scope: naming their ids lets PostgreSQL read the
    # team's deals through the (owner, status) index instead of scanning every deal to join
    # its owner's team (0.6 s per section with 1M deals).
    deals = Opportunity.objects.alive().filter(
        visible_owner_ids_q(scope.viewer), owner_id__in=[member.pk for member in scope.reps]
    )
    filters = scope.filters
    if "rep" in filters:
        deals = deals.filter(owner_id=filters["rep"])
    if "stage" in filters:
        deals = deals.filter(stage__slug=filters["stage"])
    if "category" in filters:
        deals = deals.filter(forecast_category=filters["category"])
    if "flag" in filters:
        deals = deals.filter(has_open_flag(filters["flag"]))
    return deals


def open_team_deals(scope: ReviewScope) -> QuerySet[Opportunity]:
    return team_deals(scope).filter(status=Opportunity.Status.OPEN)


def forecast_deals(scope: ReviewScope) -> QuerySet[Opportunity]:
    """Open deals plus the deals won this quarter (their close date in it)."""
    start, end = scope.quarter
    return team_deals(scope).filter(
        Q(status=Opportunity.Status.OPEN)
        | Q(status=Opportunity.Status.WON, expected_close_date__gte=start, expected_close_date__lte=end)
    )
