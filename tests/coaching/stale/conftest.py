"""Stale-flag fixtures: a frozen clock the test can move."""

import datetime as dt

import pytest
import time_machine

from tests.coaching.stale.helpers import at


@pytest.fixture
def clock():
    """`clock(day)` moves the frozen clock to 09:00 UTC on `day`."""
    traveller = None

    def move(day: dt.date):
        nonlocal traveller
        if traveller is not None:
            traveller.stop()
        traveller = time_machine.travel(at(day, 9), tick=False)
        traveller.start()
        return day

    yield move
    if traveller is not None:
        traveller.stop()


@pytest.fixture
def default_stages(transactional_db):
    """Transactional tests flush the tables, data migrations included: put the
    default stages back (the same rows as deals' migration)."""
    import importlib

    from deals.models import Stage

    defaults = importlib.import_module("deals.migrations.0002_default_stages").DEFAULT_STAGES
    for slug, name, order, probability, rot_days, category in defaults:
        Stage.objects.get_or_create(slug=slug, defaults={
            "name": name, "order": order, "probability": probability, "rot_days": rot_days,
            "forecast_category": category,
        })
