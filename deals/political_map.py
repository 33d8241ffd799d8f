"""The political map of a deal and its four anchors, as plain data for the deal page.

Pure functions over plain values (no queries): the page shows who plays which
role, how warm they are and when we last spoke to them, and says out loud what
is missing. The scoring of these facts is RSVP's job; this only displays them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

ROLE_ORDER = (
    "economic_buyer", "decision_maker", "champion", "coach", "technical_buyer", "user_buyer",
    "influencer", "procurement", "legal", "blocker",
)
SENIOR_SENIORITIES = ("c_level", "vp", "director")


@dataclass(frozen=True)
class MapEntry:
    role_id: int
    role: str
    role_label: str
    stakeholder_id: int
    name: str
    title: str
    seniority: str
    stance: str
    influence: str
    strength: int
    leans_to_competitor: bool
    last_contact: dt.datetime | None


@dataclass(frozen=True)
class RoleGroup:
    role: str
    label: str
    entries: tuple[MapEntry, ...]


@dataclass(frozen=True)
class PoliticalMap:
    groups: tuple[RoleGroup, ...]
    gaps: tuple[str, ...]

    @property
    def people_count(self) -> int:
        return len({e.stakeholder_id for g in self.groups for e in g.entries})


def build_political_map(entries: Iterable[MapEntry], *, today: dt.date, engaged_within_days: int = 60) -> PoliticalMap:
    entries = list(entries)
    by_role: dict[str, list[MapEntry]] = {}
    for entry in entries:
        by_role.setdefault(entry.role, []).append(entry)
    order = {role: i for i, role in enumerate(ROLE_ORDER)}
    groups = tuple(
        RoleGroup(role, items[0].role_label, tuple(sorted(items, key=lambda e: e.name.lower())))
        for role, items in sorted(by_role.items(), key=lambda kv: order.get(kv[0], len(order)))
    )
    return PoliticalMap(groups, tuple(political_gaps(entries, today=today, engaged_within_days=engaged_within_days)))


def political_gaps(entries: list[MapEntry], *, today: dt.date, engaged_within_days: int = 60) -> list[str]:
    roles = {e.role for e in entries}
    gaps = []
    if "economic_buyer" not in roles:
        gaps.append("No economic buyer")
    if "decision_maker" not in roles:
        gaps.append("No decision maker")
    if "champion" not in roles:
        gaps.append("No champion")
    if not any(e.seniority in SENIOR_SENIORITIES for e in entries):
        gaps.append("No one at director level or above")
    since = today - dt.timedelta(days=engaged_within_days)
    engaged = {e.stakeholder_id for e in entries if e.last_contact and e.last_contact.date() >= since}
    if len(engaged) < 2:
        gaps.append(f"Single-threaded: fewer than two people contacted in the last {engaged_within_days} days")
    opponents = sorted({e.name for e in entries if e.stance == "opponent" or e.role == "blocker"})
    if opponents:
        gaps.append("Opposed by " + ", ".join(opponents) + " — is there a plan for them?")
    return gaps


@dataclass(frozen=True)
class Anchor:
    key: str
    label: str
    value: str
    missing: bool


def anchors_of(
    *, budget_status: str, budget_status_label: str, budget_amount, currency: str, go_live_date: dt.date | None,
    compelling_event: str, consequence_if_missed: str, success_criteria: str,
) -> list[Anchor]:
    """The four facts that keep a deal from drifting, each marked missing when we don't have it."""
    budget = budget_status_label + (f" · {budget_amount:,.0f} {currency}" if budget_amount is not None else "")
    event = compelling_event.strip()
    if event and consequence_if_missed.strip():
        event = f"{event} — if missed: {consequence_if_missed.strip()}"
    return [
        Anchor("budget", "Budget", budget, budget_status == "unknown"),
        Anchor("timeline", "Timeline (customer go-live)", go_live_date.isoformat() if go_live_date else "", go_live_date is None),
        Anchor("compelling_event", "Compelling event", event, not compelling_event.strip()),
        Anchor("success_criteria", "Success criteria", success_criteria.strip(), not success_criteria.strip()),
    ]
