"""Team totals by forecast category: plain, weighted (amount × stage
probability) and decay-adjusted (amount × propensity); per rep; never adding
one currency to another."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from coaching.review.ranking import RSVP_CODES, rsvp_counts
from tests.coaching.review.helpers import deal, review_for

pytestmark = pytest.mark.django_db


def test_it_weights_by_stage_probability_and_decays_by_propensity(bob, alice, frozen_today):
    # discover = 20%, evaluate = 40%
    deal(alice, amount=100000, stage_slug="discover", forecast_category="pipeline")
    # Two half-lives (45 days each) without senior engagement: 40% → 10%.
    deal(alice, amount=200000, stage_slug="evaluate", forecast_category="pipeline",
         last_senior_engagement_at=timezone.now() - dt.timedelta(days=90))

    pipeline = review_for(bob, frozen_today).totals.main.by_category["pipeline"]

    assert pipeline.deals == 2
    assert pipeline.amount == pytest.approx(300000)
    assert pipeline.weighted == pytest.approx(100000 * 0.2 + 200000 * 0.4)
    assert pipeline.decayed == pytest.approx(100000 * 0.2 + 200000 * 0.1)


def test_it_buckets_by_forecast_category_and_counts_only_this_quarters_wins(bob, alice, frozen_today):
    deal(alice, amount=10, forecast_category="commit")
    deal(alice, amount=20, forecast_category="best_case")
    deal(alice, amount=40, forecast_category="omitted")
    deal(alice, amount=1000, status="won", forecast_category="closed", expected_close_date=dt.date(2025, 5, 2))
    deal(alice, amount=5000, status="won", forecast_category="closed", expected_close_date=dt.date(2025, 3, 30))
    deal(alice, amount=7000, status="lost", lost_reason="Price", forecast_category="omitted")

    totals = review_for(bob, frozen_today).totals
    by = totals.main.by_category

    assert (by["commit"].amount, by["best_case"].amount, by["pipeline"].amount) == (10, 20, 0)
    assert by["closed"].amount == 1000 and by["closed"].weighted == 1000 and by["closed"].decayed == 1000
    assert totals.main.open_total.amount == 30  # omitted is not forecast
    assert totals.open_deals == 3


def test_it_totals_per_rep_including_reps_with_nothing(bob, alice, north, frozen_today):
    from tests.factories import UserFactory

    erin = UserFactory(username="erin", role="rep", team=north, first_name="Erin")
    deal(alice, amount=100, forecast_category="commit")
    deal(alice, amount=50, forecast_category="pipeline")

    reps = {rep.name: rep for rep in review_for(bob, frozen_today).totals.reps}

    assert reps["Alice"].totals.by_category["commit"].amount == 100
    assert reps["Alice"].totals.open_total.amount == 150
    assert reps[str(erin)].totals.open_total.deals == 0
    assert "Charlie" not in reps


def test_it_keeps_currencies_apart(bob, alice, frozen_today):
    deal(alice, amount=100000, currency="USD", forecast_category="commit")
    deal(alice, amount=50000, currency="EUR", forecast_category="commit")
    deal(alice, amount=30000, currency="EUR", forecast_category="pipeline")

    totals = review_for(bob, frozen_today).totals
    reps = [(rep.name, rep.currency, rep.totals.open_total.amount) for rep in totals.reps if rep.name == "Alice"]

    assert totals.main_currency == "USD"
    assert totals.main.by_category["commit"].amount == 100000
    assert [(c.currency, c.open_total.amount) for c in totals.other_currencies] == [("EUR", 80000)]
    assert reps == [("Alice", "USD", 100000), ("Alice", "EUR", 80000)]


def test_it_counts_rsvp_statuses_of_open_deals(bob, alice, frozen_today):
    from tests.coaching.review.conftest import give_score

    give_score(deal(alice), r=10, s=50, v=90, p=90)
    give_score(deal(alice), r=10, s=90, v=90, p=90)
    deal(alice)  # not scored yet

    rsvp = review_for(bob, frozen_today).totals.rsvp

    assert rsvp["relationships"] == {"red": 2, "amber": 0, "green": 0, "unscored": 1}
    assert rsvp["strategy"] == {"red": 0, "amber": 1, "green": 1, "unscored": 1}


def test_it_decodes_the_rsvp_status_codes_per_dimension():
    # relationships red, strategy amber, value green, process not scored; and a deal with no score at all.
    code = RSVP_CODES["red"] | RSVP_CODES["amber"] << 2 | RSVP_CODES["green"] << 4

    counts = rsvp_counts(Counter({code: 3, 0: 2}))

    assert counts["relationships"] == {"red": 3, "amber": 0, "green": 0, "unscored": 2}
    assert counts["strategy"] == {"red": 0, "amber": 3, "green": 0, "unscored": 2}
    assert counts["value"] == {"red": 0, "amber": 0, "green": 3, "unscored": 2}
    assert counts["process"] == {"red": 0, "amber": 0, "green": 0, "unscored": 5}
