"""Close-plan scheduling: the rules from DESIGN.md ("Close plan"), as plain Python.

No Django here. The ORM feeds `MilestoneInput`s in and stores or renders the
`PlanSchedule` that comes out; the UI, the API, the exports and the stale sweep
all read dates computed by `schedule_plan`.

The rules, in the words of the design:

- Business days are Monday-Friday minus the configured holidays.
- Backward pass: a milestone nothing depends on (normally `go_live`) has the
  go-live date as its `latest_finish`; any other milestone's `latest_finish` is
  the earliest `latest_start` among the milestones that depend on it.
  `latest_start` is `latest_finish` moved back by the duration in business days,
  counting from the business day before `latest_finish` when it is not a
  business day itself (numpy's ``busday_offset(d, -n, roll="backward")``).
- Forward pass from the as-of date rolled forward to a business day ("today"):
  a milestone with no unfinished predecessors starts today, otherwise when its
  last unfinished predecessor finishes; `earliest_finish` is `earliest_start`
  plus the duration in business days. A milestone marked done finishes on its
  actual date (and is shown as having started its duration before that).
- `slack_days` is the business days from `earliest_start` to `latest_start`,
  negative when late. The plan's minimum slack is taken over the milestones
  still to do: a finished milestone cannot be sped up or slowed down any more,
  so lateness that is history does not make the remaining plan infeasible.
  `critical` milestones are the open ones at that minimum; the plan is
  `feasible` when the minimum is >= 0.
- `sign_by` is `contract_signed.latest_finish`; `earliest_signing` is
  `contract_signed.earliest_finish`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SIGNING_KEY = "contract_signed"
GO_LIVE_KEY = "go_live"
SIDES = ("customer", "ours", "both")
# Deal roles with authority to buy: a plan confirmed by anyone else is confirmed,
# but not yet by someone who can sign.
SIGNING_ROLES = frozenset({"economic_buyer", "decision_maker", "procurement", "legal"})


def can_sign(role: str | None) -> bool:
    """Whether someone in this deal role can commit the customer to the plan."""
    return role in SIGNING_ROLES


class ScheduleError(ValueError):
    """A plan that cannot be scheduled: a cycle, an unknown dependency, a negative duration.

    `field` is the milestone field at fault (``depends_on``, ``duration_days`` or
    ``key``) and `milestone_keys` the milestones involved, so callers can point
    at them; the message names them too.
    """

    def __init__(self, message: str, *, field: str, milestone_keys: Sequence[str]):
        super().__init__(message)
        self.field = field
        self.milestone_keys = tuple(milestone_keys)


@dataclass(frozen=True)
class MilestoneInput:
    key: str
    name: str
    side: str
    duration_days: int
    depends_on: tuple[str, ...] = ()
    done_on: dt.date | None = None


@dataclass(frozen=True)
class ScheduledMilestone:
    key: str
    name: str
    side: str
    duration_days: int
    depends_on: tuple[str, ...]
    done_on: dt.date | None
    latest_start: dt.date
    latest_finish: dt.date
    earliest_start: dt.date
    earliest_finish: dt.date
    slack_days: int
    critical: bool

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, as_of: dt.date) -> bool:
        """Not done, and its latest finish has passed (the stale sweep's rule)."""
        return self.done_on is None and self.latest_finish < as_of

    def status(self, as_of: dt.date) -> str:
        """done; overdue (latest finish passed); late (cannot start in time); or on_track."""
        if self.done_on is not None:
            return "done"
        if self.latest_finish < as_of:
            return "overdue"
        if self.slack_days < 0:
            return "late"
        return "on_track"


@dataclass(frozen=True)
class PlanSchedule:
    go_live_date: dt.date
    milestones: tuple[ScheduledMilestone, ...]
    feasible: bool
    sign_by: dt.date | None
    earliest_signing: dt.date | None
    min_slack: int | None

    def milestone(self, key: str) -> ScheduledMilestone:
        for milestone in self.milestones:
            if milestone.key == key:
                return milestone
        raise KeyError(key)

    @property
    def critical_keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.milestones if m.critical)


@dataclass(frozen=True)
class PlanSummary:
    """What the deal page, the lists and the RSVP Process score need to know about a plan."""

    go_live_date: dt.date
    feasible: bool
    sign_by: dt.date | None
    earliest_signing: dt.date | None
    min_slack: int | None
    validated: bool
    changed_since_validation: bool
    overdue_milestone_keys: tuple[str, ...]
    # Filled in by the selectors, so a template can show the forecast links on its own.
    opportunity_id: int | None = None
    expected_close_date: dt.date | None = None
    # What RSVP's Process checks read: which steps the plan still has (the approval steps), and the
    # name the buyer confirmed it with (matched against the deal's map: could they sign?).
    milestone_keys: tuple[str, ...] = ()
    validated_by_name: str = ""
    # Who confirmed ("Jane Buyer, CFO"), proven by a code to their work email (the stakeholder's
    # id, None for a name typed before that existed), and whether their role on the deal can sign.
    validated_by: str = ""
    validated_by_stakeholder_id: int | None = None
    validated_by_can_sign: bool = False

    @property
    def validated_by_someone_who_can_sign(self) -> bool:
        return self.validated and self.validated_by_can_sign

    @property
    def at_risk(self) -> bool:
        return self.is_at_risk(self.expected_close_date)

    @property
    def wishful_thinking(self) -> bool:
        return self.is_wishful_thinking(self.expected_close_date)

    def close_date_after_sign_by(self, expected_close_date: dt.date | None) -> bool:
        return (
            expected_close_date is not None
            and self.sign_by is not None
            and expected_close_date > self.sign_by
        )

    def is_at_risk(self, expected_close_date: dt.date | None) -> bool:
        """The rep expects to sign after the customer's timeline allows, or the plan cannot be met."""
        return not self.feasible or self.close_date_after_sign_by(expected_close_date)

    def is_wishful_thinking(self, expected_close_date: dt.date | None) -> bool:
        """The rep expects to sign before the plan's earliest possible signing."""
        return (
            expected_close_date is not None
            and self.earliest_signing is not None
            and expected_close_date < self.earliest_signing
        )

    @property
    def validated_and_current(self) -> bool:
        return self.validated and not self.changed_since_validation


def summarize(
    schedule: PlanSchedule,
    *,
    as_of: dt.date,
    validated: bool,
    changed_since_validation: bool,
    opportunity_id: int | None = None,
    expected_close_date: dt.date | None = None,
    validated_by_name: str = "",
    validated_by: str = "",
    validated_by_stakeholder_id: int | None = None,
    validated_by_can_sign: bool = False,
) -> PlanSummary:
    return PlanSummary(
        go_live_date=schedule.go_live_date,
        feasible=schedule.feasible,
        sign_by=schedule.sign_by,
        earliest_signing=schedule.earliest_signing,
        min_slack=schedule.min_slack,
        validated=validated,
        changed_since_validation=changed_since_validation,
        overdue_milestone_keys=tuple(m.key for m in schedule.milestones if m.is_overdue(as_of)),
        opportunity_id=opportunity_id,
        expected_close_date=expected_close_date,
        validated_by=validated_by,
        validated_by_stakeholder_id=validated_by_stakeholder_id,
        validated_by_can_sign=validated_by_can_sign,
        milestone_keys=tuple(m.key for m in schedule.milestones),
        validated_by_name=validated_by_name,
    )


class BusinessCalendar:
    """Monday-Friday minus holidays: numpy's busday functions, so every offset
    and count costs the same whatever the span (never a walk day by day).

    Dates outside numpy's and Python's shared range cannot come in: the API and
    the forms keep every stored date within `dealcoach.dates` HORIZON, and the
    durations are bounded (MAX_DURATION_DAYS), so results stay far inside it."""

    def __init__(self, holidays: Iterable[dt.date] = ()):
        self.holidays = frozenset(holidays)
        self._calendar = np.busdaycalendar(holidays=sorted(self.holidays))

    def is_business_day(self, day: dt.date) -> bool:
        return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=self._calendar))

    def roll_forward(self, day: dt.date) -> dt.date:
        return self.offset(day, 0, roll="forward")

    def roll_backward(self, day: dt.date) -> dt.date:
        return self.offset(day, 0, roll="backward")

    def offset(self, day: dt.date, days: int, *, roll: str) -> dt.date:
        """`days` business days after `day` (before, when negative): ``numpy.busday_offset``.

        A `day` that is not a business day is first rolled to the next
        (``roll="forward"``) or the previous (``roll="backward"``) business day.
        """
        moved = np.busday_offset(np.datetime64(day, "D"), days, roll=roll, busdaycal=self._calendar).astype(dt.date)
        if not isinstance(moved, dt.date):  # numpy gives an int past Python's year 9999
            raise ScheduleError(f"{abs(days)} business days from {day} is past the last date a plan can hold.",
                                field="duration_days", milestone_keys=())
        return moved

    def count(self, start: dt.date, end: dt.date) -> int:
        """Business days in [start, end), ``numpy.busday_count``.

        When `end` is before `start` the count is negative and, as in numpy,
        covers (end, start].
        """
        return int(np.busday_count(np.datetime64(start, "D"), np.datetime64(end, "D"), busdaycal=self._calendar))


def check_milestones(milestones: Sequence[MilestoneInput]) -> tuple[str, ...]:
    """Refuse what cannot be scheduled; return the keys in dependency order.

    Raises ScheduleError naming the milestones at fault.
    """
    keys = [m.key for m in milestones]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ScheduleError(
            f"Milestone keys must be unique: {', '.join(duplicates)} appear more than once.",
            field="key",
            milestone_keys=duplicates,
        )
    known = set(keys)
    for milestone in milestones:
        if milestone.duration_days < 0:
            raise ScheduleError(
                f"Milestone '{milestone.key}' has a negative duration ({milestone.duration_days} days).",
                field="duration_days",
                milestone_keys=[milestone.key],
            )
        unknown = [dep for dep in milestone.depends_on if dep not in known]
        if unknown:
            raise ScheduleError(
                f"Milestone '{milestone.key}' depends on unknown milestone(s): {', '.join(unknown)}.",
                field="depends_on",
                milestone_keys=[milestone.key, *unknown],
            )
    order = _topological_order(milestones)
    if len(order) < len(milestones):
        cycle = _find_cycle(milestones, done=set(order))
        raise ScheduleError(
            "Dependency cycle: " + " → ".join([*cycle, cycle[0]]) + ".",
            field="depends_on",
            milestone_keys=cycle,
        )
    return tuple(order)


def schedule_plan(
    *,
    go_live_date: dt.date,
    milestones: Sequence[MilestoneInput],
    as_of: dt.date,
    holidays: Iterable[dt.date] = (),
) -> PlanSchedule:
    """Schedule the plan backward from go-live and forward from `as_of`."""
    order = check_milestones(milestones)
    calendar = BusinessCalendar(holidays)
    by_key = {m.key: m for m in milestones}
    dependents: dict[str, list[str]] = {key: [] for key in by_key}
    for milestone in milestones:
        for dep in milestone.depends_on:
            dependents[dep].append(milestone.key)

    latest_start: dict[str, dt.date] = {}
    latest_finish: dict[str, dt.date] = {}
    for key in reversed(order):
        after = dependents[key]
        finish = min(latest_start[d] for d in after) if after else go_live_date
        latest_finish[key] = finish
        latest_start[key] = calendar.offset(finish, -by_key[key].duration_days, roll="backward")

    today = calendar.roll_forward(as_of)
    earliest_start: dict[str, dt.date] = {}
    earliest_finish: dict[str, dt.date] = {}
    for key in order:
        milestone = by_key[key]
        if milestone.done_on is not None:
            earliest_finish[key] = milestone.done_on
            earliest_start[key] = calendar.offset(
                milestone.done_on, -milestone.duration_days, roll="backward"
            )
            continue
        unfinished = [d for d in milestone.depends_on if by_key[d].done_on is None]
        start = max(earliest_finish[d] for d in unfinished) if unfinished else today
        earliest_start[key] = start
        earliest_finish[key] = calendar.offset(start, milestone.duration_days, roll="forward")

    slack = {key: calendar.count(earliest_start[key], latest_start[key]) for key in order}
    open_slack = [slack[m.key] for m in milestones if m.done_on is None]
    min_slack = min(open_slack) if open_slack else None

    scheduled = tuple(
        ScheduledMilestone(
            key=m.key,
            name=m.name,
            side=m.side,
            duration_days=m.duration_days,
            depends_on=tuple(m.depends_on),
            done_on=m.done_on,
            latest_start=latest_start[m.key],
            latest_finish=latest_finish[m.key],
            earliest_start=earliest_start[m.key],
            earliest_finish=earliest_finish[m.key],
            slack_days=slack[m.key],
            critical=m.done_on is None and slack[m.key] == min_slack,
        )
        for m in milestones
    )
    signing = by_key.get(SIGNING_KEY)
    return PlanSchedule(
        go_live_date=go_live_date,
        milestones=scheduled,
        feasible=min_slack is None or min_slack >= 0,
        sign_by=latest_finish[SIGNING_KEY] if signing else None,
        earliest_signing=earliest_finish[SIGNING_KEY] if signing else None,
        min_slack=min_slack,
    )


def _topological_order(milestones: Sequence[MilestoneInput]) -> list[str]:
    """Kahn's algorithm, stable in input order; leaves out milestones on or behind a cycle."""
    waiting = {m.key: len(set(m.depends_on)) for m in milestones}
    dependents: dict[str, list[str]] = {m.key: [] for m in milestones}
    for milestone in milestones:
        for dep in set(milestone.depends_on):
            dependents[dep].append(milestone.key)
    ready = [m.key for m in milestones if waiting[m.key] == 0]
    order: list[str] = []
    while ready:
        key = ready.pop(0)
        order.append(key)
        for dependent in dependents[key]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                ready.append(dependent)
    return order


def _find_cycle(milestones: Sequence[MilestoneInput], *, done: set[str]) -> list[str]:
    """One dependency cycle among the milestones Kahn's algorithm could not order."""
    by_key = {m.key: m for m in milestones}
    stuck = [m.key for m in milestones if m.key not in done]
    # Every stuck milestone has a stuck predecessor, so walking predecessors
    # from any of them must revisit a milestone: that loop is a cycle.
    path: list[str] = []
    seen: dict[str, int] = {}
    key = stuck[0]
    while key not in seen:
        seen[key] = len(path)
        path.append(key)
        key = next(dep for dep in by_key[key].depends_on if dep not in done)
    cycle = list(reversed(path[seen[key] :]))  # a → b: b depends on a
    position = {m.key: i for i, m in enumerate(milestones)}
    first = min(range(len(cycle)), key=lambda i: position[cycle[i]])
    return cycle[first:] + cycle[:first]
