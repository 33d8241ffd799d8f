"""The pure rules (kinds, snoozes, status): no database. The flag conditions
are the sweep's SQL, tested in test_sweep.py."""

import datetime as dt

import pytest

from coaching.stale import rules

TODAY = dt.date(2025, 6, 2)


def test_it_accepts_a_snooze_to_a_future_date_with_a_reason():
    assert rules.check_snooze(until=TODAY + dt.timedelta(days=1), reason="board meets on the 14th", today=TODAY) == {}


@pytest.mark.parametrize("until", [None, TODAY, TODAY - dt.timedelta(days=1)])
def test_it_refuses_a_snooze_that_does_not_end_in_the_future(until):
    errors = rules.check_snooze(until=until, reason="board meets", today=TODAY)
    assert list(errors) == ["until"]


def test_it_refuses_a_snooze_longer_than_the_maximum():
    ok = TODAY + dt.timedelta(days=rules.MAX_SNOOZE_DAYS)
    assert rules.check_snooze(until=ok, reason="x", today=TODAY) == {}
    errors = rules.check_snooze(until=ok + dt.timedelta(days=1), reason="x", today=TODAY)
    assert "at most 180 days" in errors["until"][0]


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_it_refuses_a_snooze_without_a_usable_reason(reason):
    errors = rules.check_snooze(until=TODAY + dt.timedelta(days=3), reason=reason, today=TODAY)
    assert list(errors) == ["reason"]


def test_it_shows_a_snooze_that_ended_as_open():
    assert rules.flag_status(cleared=False, snoozed_until=TODAY + dt.timedelta(days=1), today=TODAY) == "snoozed"
    assert rules.flag_status(cleared=False, snoozed_until=TODAY, today=TODAY) == "open"
    assert rules.flag_status(cleared=False, snoozed_until=None, today=TODAY) == "open"
    assert rules.flag_status(cleared=True, snoozed_until=TODAY + dt.timedelta(days=9), today=TODAY) == "cleared"


def test_it_imports_nothing_from_django():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(rules.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not any(name.startswith("django") for name in imported)
