"""The planning window of the browser forms (dealcoach.dates): plain Python, no database."""

import datetime as dt

import pytest

from dealcoach.dates import DATE_IN_PAST, DATE_TOO_FAR_AHEAD, planning_date_error, years_after

TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(("day", "code"), [
    (dt.date(2026, 3, 1), DATE_IN_PAST),
    (dt.date(1901, 1, 1), DATE_IN_PAST),
    (TODAY, None),
    (dt.date(2036, 3, 2), None),
    (dt.date(2036, 3, 3), DATE_TOO_FAR_AHEAD),
])
def test_it_accepts_today_up_to_ten_years_ahead(day, code):
    problem = planning_date_error(day, today=TODAY)
    assert (problem[0] if problem else None) == code


def test_it_says_why_at_the_boundaries():
    assert planning_date_error(dt.date(2026, 3, 1), today=TODAY)[1] == "This date has passed: enter today or a later date."
    assert planning_date_error(dt.date(2036, 3, 3), today=TODAY)[1] == "Enter a date at most 10 years ahead (by 2 Mar 2036)."


def test_it_counts_years_from_a_leap_day():
    assert years_after(dt.date(2028, 2, 29), 10) == dt.date(2038, 2, 28)
    assert years_after(dt.date(2028, 2, 29), 4) == dt.date(2032, 2, 29)
