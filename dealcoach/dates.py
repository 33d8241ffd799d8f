"""Plain date helpers every app shares."""

import datetime as dt

# How far ahead a person may plan in the browser forms (an open deal's expected close, a
# go-live): far enough for any real deal, close enough to catch a mistyped year.
PLANNING_YEARS = 10
DATE_IN_PAST = "date_in_past"
DATE_TOO_FAR_AHEAD = "date_too_far_ahead"


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def planning_date_error(day: dt.date, *, today: dt.date) -> tuple[str, str] | None:
    """(code, reason) when `day` cannot be a date still to come (today up to PLANNING_YEARS ahead), else None."""
    if day < today:
        return DATE_IN_PAST, "This date has passed: enter today or a later date."
    limit = years_after(today, PLANNING_YEARS)
    if day > limit:
        return DATE_TOO_FAR_AHEAD, f"Enter a date at most {PLANNING_YEARS} years ahead (by {limit:%-d %b %Y})."
    return None


def check_planning_date(day: dt.date | None, *, today: dt.date) -> None:
    """For a form's clean_<field>(): raise the field's ValidationError when the date cannot be planned."""
    from django.core.exceptions import ValidationError

    problem = planning_date_error(day, today=today) if day is not None else None
    if problem:
        code, reason = problem
        raise ValidationError(reason, code=code)


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


# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses some beyond (a 500 before this check).
MAX_UTC_OFFSET = dt.timedelta(hours=14)


def utc_offset_error(moment: dt.datetime) -> str | None:
    """Why the UTC offset of an aware `moment` is refused (None when it is a real one)."""
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "The UTC offset must be between -14:00 and +14:00."
    return None
