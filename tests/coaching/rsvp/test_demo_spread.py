"""The demo pipeline shows a realistic spread of red, amber and green, every
kind of coaching answer, and coaching a manager can read: a handful of gaps
per deal, nothing said twice. One test: building the demo is the slow part."""

from collections import Counter

import pytest

from coaching.rsvp.demo import demo_answers
from coaching.rsvp.gap_stats import gap_stats
from coaching.rsvp.models import CoachingAnswer, DealScore, ScoreSnapshot
from coaching.rsvp.selectors import coaching_result_for, open_coaching_results
from deals.demo import build_demo_pipeline
from deals.models import Opportunity

pytestmark = pytest.mark.django_db

DIMENSIONS = ("relationships", "strategy", "value", "process")


def test_the_demo_has_a_spread_of_statuses_and_every_kind_of_answer(
    frozen_today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        build_demo_pipeline(as_of=frozen_today)
        demo_answers(as_of=frozen_today)

    open_ids = set(Opportunity.objects.filter(status="open").values_list("id", flat=True))
    scores = list(DealScore.objects.all())
    assert {s.opportunity_id for s in scores} == open_ids
    for dimension in DIMENSIONS:
        spread = Counter(getattr(s, f"{dimension}_status") for s in scores)
        assert set(spread) == {"red", "amber", "green"}, (dimension, spread)
    overall = Counter("green" if s.overall >= 70 else "amber" if s.overall >= 40 else "red" for s in scores)
    assert len(overall) == 3 and min(overall.values()) >= 3, overall
    assert ScoreSnapshot.objects.filter(week=frozen_today).count() == len(scores)

    answers = list(CoachingAnswer.objects.select_related("question", "opportunity"))
    assert {a.answer for a in answers} == {"yes", "partly", "dont_know"}
    assert any(a.answer == "yes" and not a.evidence for a in answers)  # a bare yes: half credit
    contradicted = next(a for a in answers if a.evidence.startswith("Had a good coffee"))
    gaps = coaching_result_for(contradicted.opportunity).dimensions["relationships"].gaps
    assert any("the data wins" in g.reason.lower() for g in gaps)

    # Issue 14's figures (`manage.py rsvp_gap_stats`); before it: median 19 gaps, 162 repeated
    # questions, 34 evidence lines printed twice, 281 gaps saying only "Not answered yet.".
    stats = gap_stats(result for _, result in open_coaching_results(as_of=frozen_today))
    assert stats.deals == len(open_ids)
    assert stats.median_gaps <= 8, stats
    assert stats.duplicate_questions == stats.duplicate_evidence == stats.questions_under_two_dimensions == 0
    assert stats.not_answered_only == 0
