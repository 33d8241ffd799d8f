import datetime as dt

import pytest

from coaching.closeplan.demo import demo_close_plans
from coaching.closeplan.models import ClosePlan
from deals.demo import build_demo_pipeline

pytestmark = pytest.mark.django_db


def test_it_gives_demo_deals_plans_in_every_state_once(frozen_today):
    build_demo_pipeline(as_of=dt.date(2025, 6, 2))
    created = demo_close_plans(as_of=dt.date(2025, 6, 2))
    assert created > 0
    plans = list(ClosePlan.objects.all())
    assert any(p.is_validated and not p.changed_since_validation for p in plans)
    assert any(p.changed_since_validation for p in plans)
    assert any(not p.is_validated for p in plans)
    assert demo_close_plans(as_of=dt.date(2025, 6, 2)) == 0
