"""The exceptions-first queue (largest first, with the one question to ask)
and the RSVP heatmap."""

import datetime as dt

import pytest

from coaching.closeplan.services import plan_create_from_template
from coaching.review.questions import FLAG_QUESTIONS, question_from_result
from coaching.review.queue import exception_queue, rsvp_heatmap
from coaching.review.selectors import review_scope_for
from tests.coaching.review.conftest import ANCHORED, QUESTIONS, give_flag, give_score
from tests.coaching.review.helpers import deal

pytestmark = pytest.mark.django_db


def scope(user, today, **params):
    return review_scope_for(user=user, params=params, as_of=today)


def test_it_queues_only_exceptions_largest_first(bob, alice, frozen_today):
    healthy = deal(alice, amount=900000, **ANCHORED)
    give_score(healthy)
    flagged = deal(alice, amount=100000, **ANCHORED)
    give_flag(flagged, "no_activity")
    red = deal(alice, amount=300000, **ANCHORED)
    give_score(red, v=20)
    unanchored = deal(alice, amount=200000)
    give_score(unanchored)
    cleared = deal(alice, amount=500000, **ANCHORED)
    give_flag(cleared, "decaying", cleared=True)

    rows = exception_queue(scope(bob, frozen_today)).rows

    assert [row.opportunity for row in rows] == [red, unanchored, flagged]
    assert [row.reasons for row in rows] == [("rsvp",), ("anchors",), ("flag",)]
    assert rows[1].missing_anchors == ["budget", "go-live date", "compelling event", "success criteria"]


def test_it_asks_the_deals_next_question(bob, alice, frozen_today):
    weak = deal(alice, **ANCHORED)
    give_score(weak, r=60, s=30, v=35, p=90, next_dimension="strategy")

    row = exception_queue(scope(bob, frozen_today)).rows[0]

    assert row.question.dimension == "strategy"
    assert row.question.text == QUESTIONS["strategy"]


def test_it_falls_back_to_a_question_about_the_flag_when_not_scored(bob, alice, frozen_today):
    give_flag(deal(alice, **ANCHORED), "single_threaded")

    row = exception_queue(scope(bob, frozen_today)).rows[0]

    assert row.question.text == FLAG_QUESTIONS["single_threaded"]


def test_it_asks_the_deals_top_ranked_gap_from_the_summary_or_the_api_shape():
    from coaching.rsvp.scoring import DealFacts, score_deal

    result = score_deal(DealFacts(as_of=dt.date(2025, 6, 2), stage_slug="negotiate", stage_order=5,
                                  competitors=("do nothing",)))

    from_summary = question_from_result(result.summary())
    assert from_summary == question_from_result(result.to_dict())
    assert (from_summary.text, from_summary.dimension) == (result.next_gap.question, result.next_gap.dimension)
    assert result.next_gap.question_key == "rel_economic_buyer"  # all red: reach the people who can say yes
    assert question_from_result({}) is None


def test_it_shows_snoozed_flags_with_the_reps_reason(bob, alice, frozen_today):
    snoozed = deal(alice, **ANCHORED)
    give_flag(snoozed, "decaying", snoozed_until=dt.date(2025, 6, 20), snooze_reason="CFO on leave until the 19th",
              snoozed_by=alice)
    give_flag(snoozed, "no_activity")

    row = exception_queue(scope(bob, frozen_today)).rows[0]

    assert [f.kind for f in row.active_flags] == ["no_activity"]
    [flag] = row.snoozed_flags
    assert (flag.kind, flag.snoozed_until, flag.snooze_reason, flag.snoozed_by) == (
        "decaying", dt.date(2025, 6, 20), "CFO on leave until the 19th", "Alice")
    assert row.question.text == FLAG_QUESTIONS["no_activity"]  # asks about what is not snoozed


def test_it_queues_deals_whose_close_plan_is_behind(bob, alice, frozen_today):
    late = deal(alice, amount=50000, **ANCHORED)
    plan_create_from_template(actor=alice, opportunity=late, go_live_date=dt.date(2025, 7, 15))
    on_time = deal(alice, amount=60000, **ANCHORED)
    plan_create_from_template(actor=alice, opportunity=on_time, go_live_date=dt.date(2026, 6, 1))

    rows = exception_queue(scope(bob, frozen_today)).rows

    assert [row.opportunity for row in rows] == [late]
    assert rows[0].reasons == ("plan",)
    assert rows[0].opportunity.late_milestone
    assert rows[0].opportunity.sign_by is not None


def test_it_pages_the_queue(bob, alice, frozen_today):
    for amount in range(1, 6):
        deal(alice, amount=amount * 1000)

    first = exception_queue(scope(bob, frozen_today), limit=2)
    last = exception_queue(scope(bob, frozen_today), offset=4, limit=2)

    assert [int(r.opportunity.amount) for r in first.rows] == [5000, 4000] and first.has_more
    assert [int(r.opportunity.amount) for r in last.rows] == [1000] and not last.has_more


def test_it_maps_deals_by_rsvp_dimension_with_links(bob, alice, frozen_today):
    scored = deal(alice, amount=200)
    give_score(scored, r=10, s=50, v=80, p=80)
    unscored = deal(alice, amount=100)

    heatmap = rsvp_heatmap(scope(bob, frozen_today))

    assert [row.opportunity for row in heatmap.rows] == [scored, unscored]
    assert [(c.letter, c.score, c.status) for c in heatmap.rows[0].cells] == [
        ("R", 10, "red"), ("S", 50, "amber"), ("V", 80, "green"), ("P", 80, "green")]
    assert [c.status for c in heatmap.rows[1].cells] == ["none"] * 4
    assert heatmap.rows[0].cells[0].url == f"/deals/{scored.pk}/#rsvp-scorecard"


def test_it_takes_the_first_queue_page_and_the_heatmap_from_the_largest_deals(bob, alice, frozen_today):
    from coaching.review.queue import queue_and_heatmap

    big = deal(alice, amount=3000, **ANCHORED)
    give_flag(big, "decaying")
    deal(alice, amount=2000, **ANCHORED)
    small = deal(alice, amount=1000)  # missing anchors, but not among the two largest

    queue, heatmap = queue_and_heatmap(scope(bob, frozen_today), exceptions=2, heatmap_limit=2)

    assert [row.opportunity for row in queue.rows] == [big]
    assert queue.has_more and queue.next_offset == 1
    assert [row.opportunity.amount for row in heatmap.rows] == [3000, 2000] and heatmap.has_more
    assert [row.opportunity for row in exception_queue(scope(bob, frozen_today), offset=1).rows] == [small]


def test_it_reads_the_ready_made_question_of_a_compact_summary():
    summary = {"dimensions": {"value": {"score": 20, "gaps": 2, "next": None}},
               "next": {"dimension": "value", "question": "val_quantified", "text": "What is it worth?", "reason": "r"}}
    question = question_from_result(summary)
    assert (question.text, question.dimension) == ("What is it worth?", "value")
