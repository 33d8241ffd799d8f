"""The Insights sections on small fixtures whose answers are computed by hand."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.insights.models import ForecastWeek
from coaching.insights.scope import insights_scope_for
from coaching.insights.sections import SECTIONS, forecast_accuracy, losses, rsvp_win_rates, slips
from tests.coaching.insights.helpers import TODAY, closed_deal, pipeline_row
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
D = dt.date
GREEN, RED = {"r": 80}, {"r": 20}


def scope_for(user, **params):
    return insights_scope_for(user=user, params=params, as_of=TODAY)


def _relationships_at_propose(section):
    moment = next(m for m in section["moments"] if m["moment"] == "propose")
    return next(row for row in moment["rows"] if row["dimension"] == "relationships")


def _closed(owner, won, scores, n=1):
    for _ in range(n):
        closed_deal(owner, won=won, close=D(2025, 2, 14), entered_propose=D(2025, 1, 8), propose=scores)


def test_it_counts_a_small_sample_without_a_rate(alice, bob, frozen_today):
    _closed(alice, True, GREEN, 3)
    _closed(alice, False, GREEN, 1)
    _closed(alice, True, RED, 1)
    _closed(alice, False, RED, 4)
    row = _relationships_at_propose(rsvp_win_rates(scope_for(bob)))
    green, red = row["rates"]["green"], row["rates"]["red"]
    assert (green.hits, green.total, green.rate) == (3, 4, None)
    assert (red.hits, red.total, red.rate) == (1, 5, None)
    assert row["sentence"] == ("Only 4 deals were green on Relationships at Propose (3 won), too few for a rate, "
                               "only 5 deals were red (1 won), too few for a rate.")


def test_it_gives_win_rates_by_rsvp_status_at_propose(alice, bob, frozen_today):
    _closed(alice, True, GREEN, 9)
    _closed(alice, False, GREEN, 3)
    _closed(alice, True, RED, 2)
    _closed(alice, False, RED, 8)
    section = rsvp_win_rates(scope_for(bob))
    row = _relationships_at_propose(section)
    assert row["rates"]["green"].rate == 0.75
    assert row["rates"]["red"].rate == 0.2
    assert row["rates"]["amber"].total == 0
    assert row["sentence"] == ("Deals green on Relationships at Propose closed 75% of the time (n=12), "
                               "red ones 20% (n=10).")
    assert (section["deals"], section["won"]) == (22, 11)


def test_it_compares_validated_plans_and_economic_buyers_before_the_close(alice, bob, frozen_today):
    close = D(2025, 2, 14)
    closed_deal(alice, won=True, close=close, validated_on=D(2025, 2, 1), economic_buyer_met=D(2025, 1, 20))
    closed_deal(alice, won=False, close=close, validated_on=D(2025, 3, 1), economic_buyer_met=D(2025, 3, 1))
    closed_deal(alice, won=True, close=close)
    section = rsvp_win_rates(scope_for(bob))
    plan, buyer = section["validated_plan"], section["economic_buyer"]
    assert (plan["yes"].hits, plan["yes"].total, plan["no"].hits, plan["no"].total) == (1, 1, 1, 2)
    assert (buyer["yes"].hits, buyer["yes"].total, buyer["no"].hits, buyer["no"].total) == (1, 1, 1, 2)


def test_it_reads_only_the_period_and_the_viewers_deals(alice, bob, charlie, frozen_today):
    closed_deal(alice, won=True, close=D(2025, 2, 14))
    closed_deal(alice, won=True, close=D(2024, 5, 1))  # before the last four quarters
    closed_deal(charlie, won=True, close=D(2025, 2, 14))  # another team
    assert rsvp_win_rates(scope_for(bob))["deals"] == 1
    assert rsvp_win_rates(scope_for(bob, **{"from": "2024-01-01"}))["deals"] == 2
    assert rsvp_win_rates(scope_for(alice))["deals"] == 2 - 1
    assert rsvp_win_rates(scope_for(charlie))["deals"] == 1


def test_it_refuses_filters_outside_what_the_viewer_sees(alice, bob, charlie, south, frozen_today):
    with pytest.raises(ValidationError) as error:
        scope_for(bob, rep=charlie.pk)
    assert "rep" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scope_for(alice, team=south.pk)
    assert "team" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scope_for(bob, **{"from": "2025-06-01", "to": "2025-01-01"})
    assert "to" in error.value.message_dict


def test_it_measures_each_forecast_against_what_closed_in_the_quarter(alice, bob, frozen_today):
    big = OpportunityFactory(account__owner=alice, owner=alice, amount=100000)
    small = OpportunityFactory(account__owner=alice, owner=alice, amount=50000)
    pipeline_row(big, D(2025, 1, 6), category="commit", close=D(2025, 3, 20))
    pipeline_row(small, D(2025, 1, 6), category="best_case", close=D(2025, 3, 25))
    pipeline_row(big, D(2025, 2, 3), category="commit", close=D(2025, 3, 20), propensity=0.5)
    pipeline_row(small, D(2025, 2, 3), category="best_case", close=D(2025, 4, 15))  # slipped out of Q1
    pipeline_row(big, D(2025, 6, 2), category="commit", close=D(2025, 6, 20), amount=999000)  # quarter not over
    pipeline_row(big, D(2025, 6, 9), category="commit", close=D(2025, 6, 20), amount=999000)  # this week: left out
    closed_deal(alice, won=True, close=D(2025, 3, 10), amount=80000)
    section = forecast_accuracy(scope_for(bob))
    first, second, current = section["weeks"]
    # Week of 6 Jan: Commit 100k, + Best Case 150k, weighted (100k + 50k) × 60% = 90k; won in Q1: 80k.
    assert (first["commit"], first["best_case"], first["weighted"], first["propensity"], first["won"]) == (
        100000, 150000, 90000, 90000, 80000)
    # Week of 3 Feb: the small deal is due in Q2; the big one's propensity is 0.5.
    assert (second["commit"], second["best_case"], second["weighted"], second["propensity"]) == (
        100000, 100000, 60000, 50000)
    assert current["finished"] is False and section["finished_weeks"] == 2
    errors = section["errors"]
    assert errors["commit"] == pytest.approx(0.25)  # 20k of 80k, both weeks
    assert errors["best_case"] == pytest.approx((70 / 80 + 20 / 80) / 2)
    assert errors["weighted"] == pytest.approx((10 / 80 + 20 / 80) / 2)
    assert errors["propensity"] == pytest.approx((10 / 80 + 30 / 80) / 2)
    assert section["closest"] == "weighted"
    assert section["reps"][0]["name"] == str(alice) and section["reps"][0]["errors"]["commit"] == pytest.approx(0.25)
    assert section["sentence"] == ("Over 2 weeks of finished quarters, the closest forecast was the stage-weighted "
                                   "forecast, off by 19% of what closed on average; the reps' Commit was off by 25%.")


def test_it_measures_how_often_and_how_far_close_dates_slip(alice, bob, frozen_today):
    slipped = closed_deal(alice, won=True, close=D(2025, 4, 10), name="Slipper", moves=[
        (D(2025, 3, 1), D(2025, 3, 31)), (D(2025, 3, 31), D(2025, 3, 21)), (D(2025, 3, 21), D(2025, 4, 10))])
    closed_deal(alice, won=False, close=D(2025, 4, 15))
    section = slips(scope_for(bob))
    team = section["team"]
    assert (team.deals, team.slipped, team.days, team.average_days) == (2, 1, 50, 50)
    assert section["reps"][0]["summary"].slipped == 1
    [most] = section["most_slipped"]
    assert (most["id"], most["days"], most["later_moves"], most["first_close_date"]) == (
        slipped.pk, 50, 2, D(2025, 3, 1))


def test_it_shows_where_deals_are_lost(alice, bob, frozen_today):
    closed_deal(alice, won=False, close=D(2025, 2, 14), stage_slug="propose", reason="Price", at_close={"r": 20})
    closed_deal(alice, won=False, close=D(2025, 2, 14), stage_slug="propose", reason=" price ")
    closed_deal(alice, won=False, close=D(2025, 2, 14), stage_slug="evaluate", reason="No budget",
                at_close={"p": 30})
    closed_deal(alice, won=True, close=D(2025, 2, 14), entered_propose=D(2025, 1, 8))
    section = losses(scope_for(bob))
    by_stage = {row["stage"]: row["lost"] for row in section["by_stage"]}
    assert (by_stage["propose"], by_stage["evaluate"], by_stage["negotiate"]) == (2, 1, 0)
    assert [(r["reason"], r["total"], r["by_stage"]["propose"]) for r in section["reasons"]] == [
        ("Price", 2, 2), ("No budget", 1, 0)]
    red = {row["dimension"]: (row["lost"], row["top_reason"]) for row in section["red_dimensions"]}
    assert red == {"relationships": (1, "Price"), "strategy": (0, None), "value": (0, None),
                   "process": (1, "No budget")}
    entry = {row["stage"]: row for row in section["stage_entry"]["rows"]}
    assert (entry["propose"]["rate"].hits, entry["propose"]["rate"].total) == (1, 3)
    assert (entry["qualify"]["rate"].hits, entry["qualify"]["rate"].total) == (1, 4)
    assert entry["propose"]["days_to_win"] == 37  # 8 Jan to 14 Feb
    assert section["sentence"] == ("Most lost deals were lost in Propose (2 of 3); "
                                   "the most common reason was \u201cPrice\u201d (2).")


def test_it_reads_every_section_in_a_constant_number_of_queries(alice, bob, frozen_today):
    def count() -> int:
        scope = scope_for(bob)
        with CaptureQueriesContext(connection) as captured:
            for build in SECTIONS.values():
                build(scope)
        return len(captured.captured_queries)

    first = closed_deal(alice, won=True, close=D(2025, 2, 14), entered_propose=D(2025, 1, 8), propose=GREEN,
                        moves=[(D(2025, 2, 1), D(2025, 2, 14))])
    pipeline_row(first, D(2025, 1, 6), category="commit", close=D(2025, 2, 14))
    assert count() <= 9  # the first read also stores the past weeks' forecasts
    few = count()
    for n in range(6):
        deal = closed_deal(alice, won=n % 2 == 0, close=D(2025, 6, 1 + n), entered_propose=D(2025, 5, 8),
                           propose=RED, at_close=GREEN, moves=[(D(2025, 5, 1), D(2025, 6, 1 + n))])
        pipeline_row(deal, TODAY, category="commit", close=D(2025, 6, 20))
    assert count() == few <= 7


def test_it_sums_a_past_week_once_and_leaves_the_current_week_out(alice, bob, frozen_today):
    deal = OpportunityFactory(account__owner=alice, owner=alice, amount=100000)
    pipeline_row(deal, D(2025, 1, 6), category="commit", close=D(2025, 3, 20))
    pipeline_row(deal, TODAY, category="commit", close=D(2025, 6, 20))
    forecast_accuracy(scope_for(bob))
    stored = ForecastWeek.objects.filter(owner=alice, week=D(2025, 1, 6)).get()
    assert (stored.currency, stored.commit) == ("USD", 100000)
    assert ForecastWeek.objects.filter(owner=alice, week=D(2025, 1, 13), currency="").exists()  # nothing that week
    assert not ForecastWeek.objects.filter(week=D(2025, 6, 9)).exists()  # this week's snapshot may still grow
    weeks = {w["week"]: w for w in forecast_accuracy(scope_for(bob))["weeks"]}
    assert weeks[D(2025, 1, 6)]["commit"] == 100000 and D(2025, 6, 9) not in weeks
