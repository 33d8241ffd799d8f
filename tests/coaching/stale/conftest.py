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

