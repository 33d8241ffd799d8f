"""CSV and iCalendar exports of a plan, with every computed date.

The .ics has one all-day event per milestone on its latest finish. UIDs are
`<plan id>-<milestone key>@dealcoach` and SEQUENCE is the plan's version, so
re-importing an updated export moves the events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import io

from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

from dealcoach.spreadsheet import spreadsheet_writer

from .models import ClosePlan
from .selectors import PlanDetail, Thread

CSV_COLUMNS = (
    "key",
    "name",
    "side",
    "owner",
    "owner_type",
    "duration_days",
    "depends_on",
    "status",
    "done_on",
    "latest_start",
    "latest_finish",
    "earliest_start",
    "earliest_finish",
    "slack_days",
    "critical",
)
SIDE_LABELS = {"customer": "Customer", "ours": "Ours", "both": "Both"}


def plan_csv(detail: PlanDetail) -> str:
    out = io.StringIO()
    writer = spreadsheet_writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in detail.milestones:
        s = row.scheduled
        writer.writerow(
            [
                s.key,
                s.name,
                s.side,
                row.owner_name,
                row.owner_kind or "",
                s.duration_days,
                " ".join(s.depends_on),
                row.status,
                s.done_on.isoformat() if s.done_on else "",
                s.latest_start.isoformat(),
                s.latest_finish.isoformat(),
                s.earliest_start.isoformat(),
                s.earliest_finish.isoformat(),
                s.slack_days,
                "yes" if s.critical else "no",
            ]
        )
    return out.getvalue()


THREAD_CSV_COLUMNS = ("kind", "id", "in_reply_to", "milestone_key", "author", "author_type", "at", "text",
                      "current_date", "proposed_date", "status", "reply")


def thread_csv(thread: Thread) -> str:
    """The comments and date proposals exchanged with the customer; the spreadsheet writer
    makes a comment starting with = text, not a formula."""
    out = io.StringIO()
    writer = spreadsheet_writer(out, lineterminator="\r\n")
    writer.writerow(THREAD_CSV_COLUMNS)
    for top in thread.comments:
        for c in (top, *top.thread_replies):
            author = c.author_stakeholder.name if c.author_stakeholder_id else (
                c.author_user.get_full_name() or c.author_user.username if c.author_user_id else "")
            writer.writerow(["comment", c.pk, c.in_reply_to_id or "", c.milestone_key, author,
                             "stakeholder" if c.author_stakeholder_id else "user", c.created_at.isoformat(),
                             c.body, "", "", "", ""])
    for p in thread.proposals:
        writer.writerow(["proposal", p.pk, "", p.milestone_key, p.proposed_by.name if p.proposed_by_id else "",
                         "stakeholder", p.created_at.isoformat(), p.reason, p.current_date.isoformat(),
                         p.proposed_date.isoformat(), p.status, p.reply])
    return out.getvalue()


def thread_csv_response(thread: Thread, filename: str) -> HttpResponse:
    response = HttpResponse(thread_csv(thread), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-customer-thread.csv"'
    return response


def milestone_uid(plan_id: int, key: str) -> str:
    return f"{plan_id}-{key}@dealcoach"


def plan_ics(detail: PlanDetail, *, title: str) -> bytes:
    plan = detail.plan
    calendar = Calendar()
    calendar.add("prodid", "-//dealcoach//close plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", title)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    modified = plan.updated_at.astimezone(dt.UTC).replace(microsecond=0)
    for row in detail.milestones:
        s = row.scheduled
        event = Event()
        event.add("uid", milestone_uid(plan.pk, s.key))
        event.add("sequence", plan.version)
        event.add("dtstamp", stamp)
        event.add("last-modified", modified)
        event.add("dtstart", s.latest_finish)
        event.add("dtend", s.latest_finish + dt.timedelta(days=1))
        done = " (done)" if s.done_on else ""
        event.add("summary", f"{s.name}{done} — latest finish")
        lines = [
            f"{title}",
            f"Side: {SIDE_LABELS.get(s.side, s.side)}",
            f"Owner: {row.owner_name or 'not assigned'}",
            f"Duration: {s.duration_days} business days",
            f"Latest start: {s.latest_start.isoformat()}",
            f"Latest finish: {s.latest_finish.isoformat()}",
            f"Earliest finish: {s.earliest_finish.isoformat()}",
            f"Status: {row.status_label}",
        ]
        if s.done_on:
            lines.append(f"Done on: {s.done_on.isoformat()}")
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["Close plan"])
        calendar.add_component(event)
    return calendar.to_ical()


def csv_response(detail: PlanDetail, filename: str) -> HttpResponse:
    response = HttpResponse(plan_csv(detail), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def ics_response(detail: PlanDetail, filename: str, *, title: str) -> HttpResponse:
    response = HttpResponse(plan_ics(detail, title=title), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    return response


def export_filename(plan: ClosePlan) -> str:
    return f"close-plan-{plan.opportunity_id}"


def export_title(plan: ClosePlan) -> str:
    return f"Close plan: {plan.opportunity.account.name}"
