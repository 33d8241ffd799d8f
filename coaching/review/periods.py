"""Weeks and quarters as the review counts them. Plain Python, no Django."""

from __future__ import annotations

import datetime as dt

from dealcoach.dates import week_start  # noqa: F401 - the review's weeks are everyone's weeks


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of `day`'s calendar quarter."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    next_start = dt.date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def next_business_day(day: dt.date) -> dt.date:
    """`day` itself on a weekday, else the Monday after (a close plan's forward
    pass starts there)."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day
