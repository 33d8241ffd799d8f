"""Plain date helpers every app shares."""

import datetime as dt


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week: the `week` of every weekly snapshot and digest."""
    return day - dt.timedelta(days=day.weekday())


# The dates dealcoach accepts anywhere a person or a system types one (deal dates, go-live,
# milestones, holidays, activity dates): far wider than any real deal, and narrow enough that
# every date computed from them (business-day offsets, timeline margins) stays a valid date.
HORIZON_START = dt.date(2000, 1, 1)
HORIZON_END = dt.date(2100, 12, 31)
OUT_OF_HORIZON = "out_of_horizon"


def horizon_error(day: dt.date) -> str | None:
    """Why `day` is refused (None when it is inside the horizon)."""
    day = day.date() if isinstance(day, dt.datetime) else day
    if HORIZON_START <= day <= HORIZON_END:
        return None
    return f"Enter a date between {HORIZON_START.isoformat()} and {HORIZON_END.isoformat()}."


def validate_in_horizon(day: dt.date) -> None:
    """A Django validator (model fields, form fields, serializer fields)."""
    from django.core.exceptions import ValidationError

    message = horizon_error(day)
    if message:
        raise ValidationError(message, code=OUT_OF_HORIZON)
