"""Insights' statistics against figures computed by hand (no database)."""

import datetime as dt

import pytest

from coaching.insights.stats import (
    Rate,
    closest_forecast,
    comparison_sentence,
    days_slipped,
    forecast_accuracy,
    forecast_error,
    forecast_sentence,
    losses_sentence,
    mean_absolute_error_share,
    rsvp_sentence,
    slip_sentence,
    summarise_slips,
    wilson_interval,
    win_rate,
)


def test_it_computes_the_wilson_interval_of_half():
    # p = .5, n = 10, z² = 3.8415: centre .5, half-width 1.96·√(.025 + .0096)/1.3841 = .2634
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)


def test_it_keeps_the_interval_of_none_won_above_zero_width():
    # p = 0: centre = half-width = (z²/2n)/(1 + z²/n) = .19207/1.38415 = .13877
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)


def test_it_refuses_an_interval_of_nothing():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_it_gives_no_rate_below_ten_deals():
    small = win_rate(won=3, total=4)
    assert (small.hits, small.total) == (3, 4)
    assert small.rate is None and small.low is None and small.high is None
    assert small.as_dict() == {"hits": 3, "total": 4, "rate": None, "low": None, "high": None}


def test_it_gives_a_rate_from_ten_deals():
    rate = win_rate(won=6, total=10)
    assert rate.rate == 0.6
    assert rate.low == pytest.approx(0.3127, abs=1e-4)
    assert rate.high == pytest.approx(0.8318, abs=1e-4)


def test_it_measures_forecast_error_as_a_share_of_what_closed():
    assert forecast_error(forecast=120, actual=100) == pytest.approx(0.2)
    assert forecast_error(forecast=80, actual=100) == pytest.approx(-0.2)
    assert forecast_error(forecast=80, actual=0) is None
    assert forecast_accuracy(forecast=120, actual=100) == pytest.approx(0.8)
    assert forecast_accuracy(forecast=300, actual=100) == 0.0


def test_it_averages_errors_over_weeks_with_something_closed():
    pairs = [(120, 100), (90, 100), (50, 0)]
    assert mean_absolute_error_share(pairs) == pytest.approx(0.15)
    assert mean_absolute_error_share([(5, 0)]) is None


def test_it_names_the_closest_forecast():
    assert closest_forecast({"commit": 0.3, "weighted": 0.12, "propensity": 0.2}) == "weighted"
    assert closest_forecast({"commit": None}) is None


def test_it_counts_only_moves_later_as_slips():
    day = dt.date
    moves = [(day(2025, 1, 1), day(2025, 1, 31)), (day(2025, 1, 31), day(2025, 1, 21)),
             (day(2025, 1, 21), day(2025, 2, 10))]
    assert days_slipped(moves) == 30 + 0 + 20
    summary = summarise_slips([50, 0, 10, 0])
    assert (summary.deals, summary.slipped, summary.days) == (4, 2, 60)
    assert summary.average_days == 30
    assert summary.share.rate is None  # 4 deals: counts only


def test_it_says_what_the_rsvp_rates_mean():
    sentence = rsvp_sentence(dimension="Relationships", moment="at Propose",
                             rates={"green": Rate(25, 43), "red": Rate(3, 33)})
    assert sentence == ("Deals green on Relationships at Propose closed 58% of the time (n=43), "
                        "red ones 9% (n=33).")


def test_it_says_when_a_sample_is_too_small():
    sentence = rsvp_sentence(dimension="Value", moment="4 weeks before close",
                             rates={"green": Rate(3, 4), "red": Rate(1, 12)})
    assert sentence == ("Only 4 deals were green on Value 4 weeks before close (3 won), too few for a rate, "
                        "red ones 8% (n=12).")
    assert comparison_sentence(yes_label="with a validated plan", no_label="without", yes=Rate(1, 1),
                               no=Rate(3, 10)) == (
        "Only 1 deal with a validated plan (1 won), too few for a rate, deals without 30% (n=10).")


def test_it_says_which_forecast_was_closest():
    sentence = forecast_sentence(errors={"commit": 0.25, "best_case": 0.4, "weighted": 0.12, "propensity": None},
                                 weeks=13)
    assert sentence == ("Over 13 weeks of finished quarters, the closest forecast was the stage-weighted forecast, "
                        "off by 12% of what closed on average; the reps' Commit was off by 25%.")


def test_it_says_how_often_and_how_far_deals_slip():
    assert slip_sentence(summarise_slips([10] * 3 + [0] * 7 + [30])) == (
        "36% of the deals closed in this period had their close date moved later (n=11), by 15 days on average.")


def test_it_says_where_deals_are_lost():
    assert losses_sentence(by_stage={"Evaluate": 2, "Propose": 5}, top_reason=("Price", 4), lost=7) == (
        "Most lost deals were lost in Propose (5 of 7); the most common reason was \u201cPrice\u201d (4).")
    assert losses_sentence(by_stage={}, top_reason=None, lost=0) == "No deal was lost in this period."


def test_it_says_when_there_is_no_deal_at_all_on_one_side():
    assert comparison_sentence(yes_label="with a validated plan", no_label="without", yes=Rate(0, 0),
                               no=Rate(4, 10)) == "No deals with a validated plan, deals without 40% (n=10)."
