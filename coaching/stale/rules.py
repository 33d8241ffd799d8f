"""The stale-deal rules that are plain Python: the flag kinds and their
labels, what a snooze may be, a flag's status. No Django imports.

What raises each kind of flag is not here: the sweep's SQL
(`coaching/stale/sweep.py`) is that rule, and its docstring states each
condition; `tests/coaching/stale/test_sweep.py` pins every boundary. (The
decay formula, a deal's propensity, is `deals.propensity`: the deal's own
figure, read by the API and the review as well as by the sweep.)"""

from __future__ import annotations

import datetime as dt

NO_ACTIVITY = "no_activity"
CLOSE_DATE_PASSED = "close_date_passed"
MILESTONE_OVERDUE = "milestone_overdue"
DECAYING = "decaying"
SINGLE_THREADED = "single_threaded"
NO_DECISION_MAKER = "no_decision_maker"

KIND_LABELS: dict[str, str] = {
    NO_ACTIVITY: "No activity",
    CLOSE_DATE_PASSED: "Close date passed",
    MILESTONE_OVERDUE: "Milestone overdue",
    DECAYING: "Decaying",
    SINGLE_THREADED: "Single-threaded",
    NO_DECISION_MAKER: "No decision maker",
}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)

# A snooze is a promise to look again soon, not a way to hide a flag for good.
MAX_SNOOZE_DAYS = 180
SNOOZE_REASON_MAX_CHARS = 300


def check_snooze(*, until: dt.date | None, reason: str, today: dt.date) -> dict[str, list[str]]:
    """Reasons a snooze is refused, by field (empty when it is fine)."""
    errors: dict[str, list[str]] = {}
    if until is None:
        errors["until"] = ["Give the date until which to snooze the flag."]
    elif until <= today:
        errors["until"] = [f"Snooze until a date after today ({today.isoformat()})."]
    elif (until - today).days > MAX_SNOOZE_DAYS:
        errors["until"] = [f"Snooze for at most {MAX_SNOOZE_DAYS} days (until {today + dt.timedelta(days=MAX_SNOOZE_DAYS)})."]
    cleaned = (reason or "").strip()
    if not cleaned:
        errors["reason"] = ["Say why the flag can wait (e.g. \"waiting for the board meeting on the 14th\")."]
    elif len(cleaned) > SNOOZE_REASON_MAX_CHARS:
        errors["reason"] = [f"Keep the reason under {SNOOZE_REASON_MAX_CHARS} characters."]
    return errors


def flag_status(*, cleared: bool, snoozed_until: dt.date | None, today: dt.date) -> str:
    """open, snoozed (open with a snooze that has not ended) or cleared."""
    if cleared:
        return "cleared"
    if snoozed_until is not None and snoozed_until > today:
        return "snoozed"
    return "open"
