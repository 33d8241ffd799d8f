"""Geometry of the plan's timeline picture (a Gantt-like SVG drawn by a template).

Per milestone: the latest window (latest start → latest finish) as a wide pale
bar, the earliest dates (earliest start → earliest finish) as a narrow solid
bar inside it, critical milestones in red; a dashed line for today and a solid
one for the go-live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .selectors import PlanDetail

WIDTH = 1000
LABEL_WIDTH = 250
RIGHT_MARGIN = 24
HEADER = 34
ROW = 30
FOOTER = 12
LABEL_CHARS = 34


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    width: float


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    title: str
    y: float
    latest: Bar
    earliest: Bar
    milestone_point: bool  # zero duration: drawn as diamonds
    critical: bool
    done: bool
    late: bool
    stripe: bool  # every other row is shaded

    @property
    def text_y(self) -> float:
        return self.y + 19

    @property
    def latest_y(self) -> float:
        return self.y + 6

    @property
    def earliest_y(self) -> float:
        return self.y + 12

    @property
    def latest_diamond(self) -> str:
        return _diamond(self.latest.x, self.y + 15, 8)

    @property
    def earliest_diamond(self) -> str:
        return _diamond(self.earliest.x, self.y + 15, 4.5)


def _diamond(x: float, y: float, r: float) -> str:
    return f"M{x:.1f},{y - r:.1f} L{x + r:.1f},{y:.1f} L{x:.1f},{y + r:.1f} L{x - r:.1f},{y:.1f} Z"


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    chart_left: int
    chart_right: int
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    today_x: float
    go_live_x: float
    today: dt.date
    go_live: dt.date

    @property
    def chart_bottom(self) -> int:
        return self.height - FOOTER

    @property
    def today_label_x(self) -> float:
        return self.today_x + 4

    @property
    def go_live_label_x(self) -> float:
        return self.go_live_x - 4


def _span(detail: PlanDetail) -> tuple[dt.date, dt.date]:
    days = [detail.as_of, detail.plan.go_live_date]
    for row in detail.milestones:
        s = row.scheduled
        days += [s.latest_start, s.latest_finish, s.earliest_start, s.earliest_finish]
    return _shifted(min(days), -3), _shifted(max(days), 5)


def _shifted(day: dt.date, days: int) -> dt.date:
    """`day` moved by a few days of margin, stopping at the ends of the calendar
    (a plan stored before the horizon was enforced may reach them)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _month_ticks(start: dt.date, end: dt.date, x) -> tuple[Tick, ...]:
    """The first day of every `step`-th month in [start, end], at most a dozen labels
    (months counted as year * 12 + month - 1, so the last one never overflows)."""
    start_month, end_month = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    step = max(1, -(-(end_month - start_month + 1) // 12))
    ticks = []
    for index in range(start_month, end_month + 1, step):
        month = dt.date(index // 12, index % 12 + 1, 1)
        if month >= start:
            ticks.append(Tick(x(month), month.strftime("%b %Y")))
    return tuple(ticks)


def timeline_for(detail: PlanDetail) -> Timeline:
    start, end = _span(detail)
    chart_left, chart_right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN
    per_day = (chart_right - chart_left) / max(1, (end - start).days)

    def x(day: dt.date) -> float:
        return round(chart_left + (day - start).days * per_day, 1)

    def bar(first: dt.date, last: dt.date) -> Bar:
        left = x(first)
        return Bar(left, max(2.0, round(x(last) - left, 1)))

    rows = []
    for index, row in enumerate(detail.milestones):
        s = row.scheduled
        label = s.name if len(s.name) <= LABEL_CHARS else s.name[: LABEL_CHARS - 1] + "…"
        title = (
            f"{s.name}: latest {s.latest_start:%d %b} → {s.latest_finish:%d %b}, "
            f"earliest {s.earliest_start:%d %b} → {s.earliest_finish:%d %b}, slack {s.slack_days} business days"
            + (f", done {s.done_on:%d %b}" if s.done_on else "")
            + (" (critical)" if s.critical else "")
        )
        rows.append(
            Row(
                key=s.key,
                label=label,
                title=title,
                y=HEADER + index * ROW,
                latest=bar(s.latest_start, s.latest_finish),
                earliest=bar(s.earliest_start, s.earliest_finish),
                milestone_point=s.duration_days == 0,
                critical=s.critical,
                done=s.done_on is not None,
                late=s.slack_days < 0 and s.done_on is None,
                stripe=index % 2 == 1,
            )
        )
    return Timeline(
        width=WIDTH,
        height=HEADER + len(rows) * ROW + FOOTER,
        chart_left=chart_left,
        chart_right=chart_right,
        rows=tuple(rows),
        ticks=_month_ticks(start, end, x),
        today_x=x(detail.as_of),
        go_live_x=x(detail.plan.go_live_date),
        today=detail.as_of,
        go_live=detail.plan.go_live_date,
    )
