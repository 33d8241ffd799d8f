"""The demo pipeline shows a realistic spread of red, amber and green."""

from collections import Counter

import pytest

from coaching.rsvp.models import DealScore
from deals.demo import build_demo_pipeline
from deals.models import Opportunity

pytestmark = pytest.mark.django_db

DIMENSIONS = ("relationships", "strategy", "value", "process")


@pytest.fixture
def demo(frozen_today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        build_demo_pipeline(as_of=frozen_today)


def test_the_demo_scores_every_open_deal(demo):
    open_ids = set(Opportunity.objects.filter(status="open").values_list("id", flat=True))

    assert set(DealScore.objects.values_list("opportunity_id", flat=True)) == open_ids


def test_the_demo_has_red_amber_and_green_in_every_dimension(demo):
    scores = list(DealScore.objects.all())
    for dimension in DIMENSIONS:
        spread = Counter(getattr(s, f"{dimension}_status") for s in scores)
        print(dimension, dict(spread))
        assert set(spread) == {"red", "amber", "green"}, (dimension, spread)
    overall = Counter("green" if s.overall >= 70 else "amber" if s.overall >= 40 else "red" for s in scores)
    print("overall", dict(overall))
    assert min(overall.values()) >= 3 and len(overall) == 3
