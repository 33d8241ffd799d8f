"""The review's lists in attention order: "Needs you this week" (the top five
exceptions, each with its reasons and the one question to ask), the other
exceptions with their sort switch, and the RSVP heatmap."""

import datetime as dt

import pytest

from coaching.closeplan.services import plan_create_from_template
from coaching.review.attention import PLAN_FAMILY
from coaching.review.questions import FLAG_QUESTIONS, question_from_result
from coaching.review.queue import exception_queue, rsvp_heatmap
from coaching.review.selectors import review_scope_for
from tests.coaching.review.conftest import ANCHORED, QUESTIONS, give_flag, give_score
from tests.coaching.review.helpers import deal, review_for

pytestmark = pytest.mark.django_db


def scope(user, today, **params):
    return review_scope_for(user=user, params=params, as_of=today)


def test_it_lists_only_deals_with_a_real_reason_most_urgent_first(bob, alice, frozen_today):
    healthy = deal(alice, amount=900000, **ANCHORED)
    give_score(healthy)
    passed = deal(alice, amount=100000, **ANCHORED)
    give_flag(passed, "close_date_passed")
    fading = deal(alice, amount=100000, **ANCHORED)
    give_flag(fading, "decaying")
    give_flag(fading, "no_decision_maker")
    give_score(fading, r=20)
    only_red = deal(alice, amount=300000, **ANCHORED)
    give_score(only_red, v=20)
    unanchored_early = deal(alice, amount=200000)
    give_flag(deal(alice, amount=500000, **ANCHORED), "decaying", cleared=True)

    review = review_for(bob, frozen_today)

    assert [row.opportunity for row in review.needs_you] == [passed, fading]
    assert [r.label for r in review.needs_you[1].chips] == ["Decaying", "No decision maker engaged",
                                                            "Red: Relationships"]
    assert review.totals.exceptions == 2 and review.totals.open_deals == 6
    assert healthy.pk not in {row.opportunity.pk for row in review.queue.rows}
    assert unanchored_early.pk in {row.opportunity.pk for row in review.heatmap.rows}


def test_it_asks_the_deals_next_question(bob, alice, frozen_today):
    weak = deal(alice, **ANCHORED)
    give_score(weak, r=60, s=30, v=35, p=90, next_dimension="strategy")
    give_flag(weak, "close_date_passed")

    row = review_for(bob, frozen_today).needs_you[0]

    assert row.question.dimension == "strategy"
    assert row.question.text == QUESTIONS["strategy"]


def test_it_falls_back_to_a_question_about_the_flag_when_not_scored(bob, alice, frozen_today):
    give_flag(deal(alice, **ANCHORED), "close_date_passed")

    row = review_for(bob, frozen_today).needs_you[0]

    assert row.question.text == FLAG_QUESTIONS["close_date_passed"]


def test_it_asks_the_deals_top_ranked_gap_from_the_summary_or_the_api_shape():
    from coaching.rsvp.scoring import DealFacts, score_deal

    result = score_deal(DealFacts(as_of=dt.date(2025, 6, 2), stage_slug="negotiate", stage_order=5,
                                  competitors=("do nothing",)))

    from_summary = question_from_result(result.summary())
    assert from_summary == question_from_result(result.to_dict())
    assert (from_summary.text, from_summary.dimension) == (result.next_gap.question, result.next_gap.dimension)
    assert result.next_gap.question_key == "rel_economic_buyer"  # all red: reach the people who can say yes
    assert question_from_result({}) is None


def test_it_shows_snoozed_flags_with_the_reps_reason_and_does_not_count_them(bob, alice, frozen_today):
    snoozed = deal(alice, **ANCHORED)
    give_flag(snoozed, "decaying", snoozed_until=dt.date(2025, 6, 20), snooze_reason="CFO on leave until the 19th",
              snoozed_by=alice)
    give_flag(snoozed, "close_date_passed")
    only_snoozed = deal(alice, **ANCHORED)
    give_flag(only_snoozed, "close_date_passed", snoozed_until=dt.date(2025, 6, 20), snooze_reason="New date agreed",
              snoozed_by=alice)

    review = review_for(bob, frozen_today)
    [row] = review.needs_you

    assert row.opportunity == snoozed
    assert [f.kind for f in row.active_flags] == ["close_date_passed"]
    [flag] = row.snoozed_flags
    assert (flag.kind, flag.snoozed_until, flag.snooze_reason, flag.snoozed_by) == (
        "decaying", dt.date(2025, 6, 20), "CFO on leave until the 19th", "Alice")
    assert row.attention.risk == 35  # the snoozed decay adds nothing
    assert row.question.text == FLAG_QUESTIONS["close_date_passed"]  # asks about what is not snoozed
    assert review.totals.snoozed == 2


def test_it_lists_deals_whose_close_plan_is_behind(bob, alice, frozen_today):
    late = deal(alice, amount=50000, **ANCHORED)
    plan_create_from_template(actor=alice, opportunity=late, go_live_date=dt.date(2025, 7, 15))
    on_time = deal(alice, amount=60000, **ANCHORED)
    plan_create_from_template(actor=alice, opportunity=on_time, go_live_date=dt.date(2026, 6, 1))

    [row] = review_for(bob, frozen_today).needs_you

    assert row.opportunity == late
    assert row.chips[0].code in PLAN_FAMILY  # the customer's sign-by already passed, too
    assert row.opportunity.late_milestone
    assert row.opportunity.sign_by is not None


def _exceptions(alice, amounts_and_closes):
    deals = []
    for amount, close in amounts_and_closes:
        d = deal(alice, amount=amount, expected_close_date=close, **ANCHORED)
        give_flag(d, "close_date_passed")
        deals.append(d)
    return deals


def test_it_pages_the_exceptions_after_the_top_five(bob, alice, frozen_today):
    deals = _exceptions(alice, [(amount * 1000, dt.date(2025, 6, 1)) for amount in range(1, 9)])

    review = review_for(bob, frozen_today)
    first = exception_queue(scope(bob, frozen_today), limit=2)
    last = exception_queue(scope(bob, frozen_today), offset=2, limit=2)

    assert [row.opportunity for row in review.needs_you] == deals[::-1][:5]
    assert [row.opportunity for row in first.rows] == [deals[2], deals[1]] and first.has_more
    assert [row.opportunity for row in last.rows] == [deals[0]] and not last.has_more


def test_the_other_exceptions_sort_by_attention_amount_or_close_date(bob, alice, frozen_today):
    _exceptions(alice, [(900000, dt.date(2025, 6, 1))] * 5)  # the top five
    small_soon = deal(alice, amount=10000, expected_close_date=dt.date(2025, 6, 16), **ANCHORED)
    give_flag(small_soon, "close_date_passed")
    give_flag(small_soon, "decaying")
    big_later = deal(alice, amount=800000, expected_close_date=dt.date(2025, 9, 1), **ANCHORED)
    give_flag(big_later, "close_date_passed")
    middle = deal(alice, amount=50000, expected_close_date=dt.date(2025, 7, 1), **ANCHORED)
    plan_create_from_template(actor=alice, opportunity=middle, go_live_date=dt.date(2025, 7, 15))

    def order(sort):
        return [row.opportunity for row in review_for(bob, frozen_today, sort=sort).queue.rows]

    assert order("amount") == [big_later, middle, small_soon]
    assert order("close") == [small_soon, middle, big_later]
    assert set(order("attention")) == {big_later, middle, small_soon}
    assert order("nonsense") == order("attention")  # a bad value is ignored, never a 500


def test_it_maps_deals_by_rsvp_dimension_with_links_most_attention_first(bob, alice, frozen_today):
    calm = deal(alice, amount=200)
    give_score(calm, r=10, s=50, v=80, p=80)
    urgent = deal(alice, amount=100)
    give_flag(urgent, "close_date_passed")

    heatmap = rsvp_heatmap(scope(bob, frozen_today))

    assert [row.opportunity for row in heatmap.rows] == [urgent, calm]
    assert [(c.letter, c.score, c.status) for c in heatmap.rows[1].cells] == [
        ("R", 10, "red"), ("S", 50, "amber"), ("V", 80, "green"), ("P", 80, "green")]
    assert [c.status for c in heatmap.rows[0].cells] == ["none"] * 4
    assert heatmap.rows[1].cells[0].url == f"/deals/{calm.pk}/#rsvp-scorecard"


def test_it_reads_the_ready_made_question_of_a_compact_summary():
    summary = {"dimensions": {"value": {"score": 20, "gaps": 2, "next": None}},
               "next": {"dimension": "value", "question": "val_quantified", "text": "What is it worth?", "reason": "r"}}
    question = question_from_result(summary)
    assert (question.text, question.dimension) == ("What is it worth?", "value")
