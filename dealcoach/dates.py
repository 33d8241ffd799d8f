"""Plain date helpers every app shares."""

import datetime as dt


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week: the `week` of every weekly snapshot and digest."""
    return day - dt.timedelta(days=day.weekday())
