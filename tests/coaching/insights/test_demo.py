"""The demo's year of history: deterministic, out of the weekly review's way,
and with the pattern the generator plants — which the sections measure."""

import datetime as dt

import pytest

from coaching.insights.demo import HISTORY_PREFIX, demo_history
from coaching.insights.scope import insights_scope_for
from coaching.insights.sections import forecast_accuracy, rsvp_win_rates, slips
from dealcoach.dates import week_start
from dealcoach.models import User
from deals.models import Opportunity
from tests.factories import AccountFactory, StakeholderFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 6, 11)


def _demo_people():
    """The demo's people and accounts (as `deals.demo` makes them), without the open pipeline."""
    north, south = TeamFactory(name="Enterprise North"), TeamFactory(name="Mid-Market South")
    maria = UserFactory(username="maria", role="manager", team=north)
    north.manager = maria
    north.save()
    for username, team in (("rob", north), ("rita", north), ("raj", north), ("rosa", south)):
        rep = UserFactory(username=username, role="rep", team=team)
        for _ in range(2):
            StakeholderFactory(account=AccountFactory(owner=rep), title="Chief Financial Officer")


@pytest.mark.slow
def test_the_demo_history_shows_greener_deals_winning_more():
    _demo_people()
    assert demo_history(as_of=AS_OF) == 200
    history = Opportunity.objects.filter(external_id__startswith=HISTORY_PREFIX)
    first = list(history.order_by("external_id").values_list("external_id", "status", "expected_close_date",
                                                             "amount", "owner__username"))
    assert {status for _, status, *_ in first} == {"won", "lost"}
    assert max(close for _, _, close, *_ in first) < week_start(AS_OF) - dt.timedelta(days=7)

    scope = insights_scope_for(user=User.objects.get(username="maria"), params={}, as_of=AS_OF)
    section = rsvp_win_rates(scope)
    overall = next(m for m in section["moments"] if m["moment"] == "propose")["rows"][0]["rates"]
    assert overall["green"].rate > 0.6 > 0.3 > overall["red"].rate
    assert section["validated_plan"]["yes"].rate > section["validated_plan"]["no"].rate
    assert section["economic_buyer"]["yes"].rate > section["economic_buyer"]["no"].rate
    assert forecast_accuracy(scope)["finished_weeks"] >= 26
    assert 0 < slips(scope)["team"].slipped < slips(scope)["team"].deals

    assert demo_history(as_of=AS_OF) == 0  # already there
    history.delete()
    demo_history(as_of=AS_OF)
    assert list(history.order_by("external_id").values_list(
        "external_id", "status", "expected_close_date", "amount", "owner__username")) == first
