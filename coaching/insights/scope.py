"""Whose figures, over which period: the one place Insights applies the
visibility rule (`dealcoach.permissions`). A rep sees their own figures, a
manager their teams', an admin everyone's; the team and rep filters can only
narrow that."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError

from coaching.review.periods import quarter_bounds
from dealcoach.models import Team, User
from dealcoach.permissions import visible_users_q

from .forms import InsightsFilterForm


def default_period(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The last four quarters: the current one (to date) and the three before it."""
    start, _ = quarter_bounds(as_of)
    for _ in range(3):
        start, _ = quarter_bounds(start - dt.timedelta(days=1))
    return start, as_of


@dataclass
class InsightsScope:
    viewer: User
    teams: list[Team]
    reps: list[User]
    team: Team | None
    rep: User | None
    owner_ids: list[int]
    start: dt.date
    end: dt.date
    as_of: dt.date
    form: InsightsFilterForm
    # Rows several sections read (the closed deals), fetched once per request.
    memo: dict = field(default_factory=dict, repr=False)

    @property
    def names(self) -> dict[int, str]:
        return {rep.pk: str(rep) for rep in self.reps}

    @property
    def title(self) -> str:
        if self.rep is not None:
            return str(self.rep)
        if self.team is not None:
            return self.team.name
        return "All teams" if len(self.teams) > 1 else (self.teams[0].name if self.teams else str(self.viewer))

    def query_string(self, **overrides) -> str:
        params = {"team": self.team.pk if self.team else None, "rep": self.rep.pk if self.rep else None,
                  "from": self.start.isoformat(), "to": self.end.isoformat(), **overrides}
        return urlencode({key: value for key, value in params.items() if value not in (None, "")})


def insights_scope_for(*, user, params, as_of: dt.date) -> InsightsScope:
    """The figures `user` asked for. Raises ValidationError (field → reasons)
    for a filter outside what they may see or a bad period. One query."""
    members = list(
        User.objects.filter(visible_users_q(user)).select_related("team")
        .order_by("team__name", "first_name", "last_name", "username")
    )
    if user.is_admin_role:
        teams = list({m.team_id: m.team for m in members if m.team_id is not None}.values())
    else:
        teams = list({m.team_id: m.team for m in members
                      if m.team_id is not None and m.team.manager_id == user.pk}.values())
    start, end = default_period(as_of)
    form = InsightsFilterForm(params, teams=teams, reps=members, default_start=start, default_end=end)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    data = form.cleaned_data
    team = next((t for t in teams if t.pk == data["team"]), None)
    in_team = [m for m in members if team is None or m.team_id == team.pk]
    rep = next((m for m in members if m.pk == data["rep"]), None)
    if rep is not None and team is not None and rep.team_id != team.pk:
        raise ValidationError({"rep": [f"{rep} is not on the team {team.name}."]})
    owners = [rep] if rep is not None else in_team
    return InsightsScope(
        viewer=user, teams=teams, reps=in_team, team=team, rep=rep, owner_ids=[o.pk for o in owners],
        start=data["from"], end=data["to"], as_of=as_of, form=form,
    )

