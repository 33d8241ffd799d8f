import pytest
import time_machine

from tests.coaching.insights.helpers import TODAY, at


@pytest.fixture
def frozen_today():
    with time_machine.travel(at(TODAY, 9), tick=False):
        yield TODAY
