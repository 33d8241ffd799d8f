"""Derived facts about one deal, computed once and read by every rule and anchor check."""

from __future__ import annotations

import datetime as dt
import re

from coaching.rsvp.inputs import POWER_ROLES, SENIORITY_RANK, STAGE_LADDER, STRATEGIES, DealFacts, RoleFact

# A stakeholder counts as engaged when they took part in an activity this recently, unless the facts
# say otherwise (`DealFacts.engagement_window_days`, from DEALCOACH_ENGAGEMENT_WINDOW_DAYS: the same
# window as the stale-deal flags single_threaded and no_decision_maker).
ENGAGED_WITHIN_DAYS = 60
# Evidence shorter than this ("yes", "ok", "see notes") does not count as evidence.
MIN_EVIDENCE_CHARS = 12

_DO_NOTHING_NAMES = frozenset({"donothing", "statusquo", "nodecision", "noaction", "inaction"})
_NUMBER = re.compile(r"\d")
_GENERIC_VALUE = re.compile(
    r"sav(e|es|ed|ing|ings)\s+(them\s+|you\s+)?(both\s+)?(time|money)"
    r"|time\s+and\s+money|cost\s+savings?|reduces?\s+costs?|efficien|productiv|streamlin"
    r"|best[\s-]in[\s-]class|\broi\b|peace\s+of\s+mind|game[\s-]?chang",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"\breferenc(e|es|ing)\b", re.IGNORECASE)
REFERENCE_CHECK_KIND = "reference_check"  # the activity kind that marks a reference check
# What makes a figure value rather than a spec, clause by clause (a clause ends at ";", ". ", ", " or a line).
_CLAUSE_BREAK = re.compile(r";|\n|[.,](?=\s)")
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\d[\d,.]*\s?(?:k|m|bn|mn)?\s?(?:usd|eur|gbp|aud|cad|chf|sek|nok|dkk|dollars?|euros?|pounds?)\b"
    r"|\b(?:usd|eur|gbp|aud|cad|chf)\s?\d",
    re.IGNORECASE,
)
_TIME_SPAN = re.compile(
    r"\d[\d,.]*\s?(?:-\s?)?(?:hours?|hrs?|days?|weeks?|months?|years?|minutes?|mins?|seconds?|ftes?"
    r"|full[- ]time|person[- ]?(?:days?|hours?|months?)|man[- ]?(?:days?|hours?))\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d[\d,.]*\s?(?:%|percent\b|x\b|k\b|m\b)?", re.IGNORECASE)
_FEATURE_UNIT = re.compile(
    r"\s*(?:integrations?|connectors?|apis?|uptime|availability|users?|seats?|licen[cs]es?|features?"
    r"|modules?|dashboards?|reports?|templates?|languages?|servers?|nodes?|[gtm]b\b|versions?|screens?"
    r"|widgets?|plug-?ins?|add-?ons?|workflows?|fields?|sso\b|sla\b)",
    re.IGNORECASE,
)
_OUTCOME = re.compile(
    r"reduc|\bcut|sav(e|es|ed|ing|ings)\b|lower|increas|\brais|grow|improv|avoid|faster|fewer|\bless\b|\bdown\b"
    r"|\bup\b|drop|shrink|recover|free[sd]?\s+up|\bfrom\b.*\bto\b|churn|error|defect|cost|revenue|margin|profit"
    r"|cash|capital|stock|inventory|downtime|outage|backlog|turnover|headcount|overtime|\bfines?\b|penalt|risk"
    r"|\bdso\b|conversion|retention|win rate|forecast|orders?|invoices?|tickets?|claims?|complaints?|incidents?"
    r"|touchless|accuracy|on[- ]time|yield|scrap|waste|emissions?|sales|bookings|renewals?",
    re.IGNORECASE,
)

ROLE_LABELS = {
    "economic_buyer": "economic buyer",
    "decision_maker": "decision maker",
    "technical_buyer": "technical buyer",
    "user_buyer": "user buyer",
}
SENIORITY_LABELS = {"c_level": "C-level", "vp": "VP", "director": "director", "manager": "manager", "staff": "staff"}


def stage_level(stage_slug: str, stage_order: int) -> int:
    """1 (Qualify) to 5 (Negotiate); custom stages fall back to their order, clamped to the ladder."""
    if stage_slug in STAGE_LADDER:
        return STAGE_LADDER.index(stage_slug) + 1
    return min(max(stage_order, 1), len(STAGE_LADDER))


def stage_name(level: int) -> str:
    return STAGE_LADDER[level - 1].title()


def has_number(text: str) -> bool:
    return bool(_NUMBER.search(text))


def is_quantified_value(text: str) -> bool:
    """A number tied to a business outcome the customer measures: money, time, or a rate or count of
    something they care about ("cut invoice errors by 40%"). A feature list with numbers
    ("20 integrations, 99.9% uptime") is not value. The one test behind the Value rules and the
    success-criteria anchor, so the two never disagree about the same kind of text."""
    if not _NUMBER.search(text):
        return False
    for clause in _CLAUSE_BREAK.split(text):
        if not _NUMBER.search(clause):
            continue
        if _MONEY.search(clause) or _TIME_SPAN.search(clause):
            return True
        figures = [m for m in _FIGURE.finditer(clause) if not _FEATURE_UNIT.match(clause, m.end())]
        if figures and _OUTCOME.search(clause):
            return True
    return False


def is_generic_claim(text: str) -> bool:
    """Boilerplate benefit talk ("saves time and money") with no measured outcome behind it."""
    return bool(text.strip()) and bool(_GENERIC_VALUE.search(text)) and not is_quantified_value(text)


def is_do_nothing(competitor: str) -> bool:
    return re.sub(r"[^a-z]", "", competitor.lower()) in _DO_NOTHING_NAMES


def has_evidence(evidence: str) -> bool:
    return len(evidence.strip()) >= MIN_EVIDENCE_CHARS


def quote(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def describe(role: RoleFact) -> str:
    label = ROLE_LABELS.get(role.role, role.role.replace("_", " "))
    rank = role.title or SENIORITY_LABELS.get(role.seniority, role.seniority)
    return f"{role.name} ({label}, {rank})"


def names(roles: list[RoleFact] | tuple[RoleFact, ...], limit: int = 3) -> str:
    shown = ", ".join(describe(r) for r in roles[:limit])
    return shown + (f" and {len(roles) - limit} more" if len(roles) > limit else "")


class DealView:
    """Read-only derived view of `DealFacts`; built once per deal per scoring run."""

    __slots__ = (
        "facts",
        "level",
        "window",
        "last_engaged",
        "engaged",
        "power",
        "engaged_power",
        "engaged_senior",
        "champions",
        "engaged_champions",
        "threats",
        "high_allies",
        "rivals",
        "has_do_nothing",
        "value_has_number",
        "value_quantified",
        "value_is_generic",
        "reference_activity",
        "strategy_chosen",
    )

    def __init__(self, facts: DealFacts):
        self.facts = facts
        self.level = stage_level(facts.stage_slug, facts.stage_order)
        as_of = facts.as_of

        last: dict[int, dt.date | None] = {}
        for role in facts.roles:
            last[role.stakeholder_id] = _later(last.get(role.stakeholder_id), role.last_engaged_on)
        reference = None
        for activity in facts.activities:
            if activity.occurred_on > as_of:
                continue
            for sid in activity.stakeholder_ids:
                if sid in last:
                    last[sid] = _later(last[sid], activity.occurred_on)
            if reference is None and (
                activity.kind == REFERENCE_CHECK_KIND or _REFERENCE.search(activity.subject)
            ):
                reference = activity
        self.last_engaged = last
        self.reference_activity = reference

        self.window = facts.engagement_window_days
        since = as_of - dt.timedelta(days=self.window)
        seen: set[int] = set()
        engaged: list[RoleFact] = []
        for role in facts.roles:
            when = last.get(role.stakeholder_id)
            if when is not None and since <= when <= as_of and role.stakeholder_id not in seen:
                seen.add(role.stakeholder_id)
                engaged.append(role)
        engaged_ids = seen
        self.engaged = engaged
        self.power = [r for r in facts.roles if r.role in POWER_ROLES]
        self.engaged_power = [r for r in self.power if r.stakeholder_id in engaged_ids]
        self.engaged_senior = [
            r for r in facts.roles
            if r.stakeholder_id in engaged_ids and SENIORITY_RANK.get(r.seniority, 0) >= SENIORITY_RANK["vp"]
        ]
        self.champions = [
            r for r in facts.roles if r.role in ("champion", "coach") and r.stance in ("advocate", "supporter")
        ]
        self.engaged_champions = [r for r in self.champions if r.stakeholder_id in engaged_ids]
        # Anyone with high influence who can stop the deal: a blocker, an opponent, or someone who leans
        # to a competitor (the same people, whether the data or the rep's answer is read).
        self.threats = [
            r for r in facts.roles
            if r.influence == "high" and (r.role == "blocker" or r.stance == "opponent" or r.leans_to_competitor)
        ]
        self.high_allies = [
            r for r in facts.roles
            if r.stance in ("advocate", "supporter") and r.influence == "high" and not r.leans_to_competitor
        ]
        self.rivals = [c for c in facts.competitors if c.strip() and not is_do_nothing(c)]
        self.has_do_nothing = any(is_do_nothing(c) for c in facts.competitors)
        self.value_has_number = has_number(facts.business_value)
        self.value_quantified = is_quantified_value(facts.business_value)
        self.value_is_generic = is_generic_claim(facts.business_value)
        self.strategy_chosen = facts.strategy in STRATEGIES

    def engaged_on(self, role: RoleFact) -> dt.date | None:
        return self.last_engaged.get(role.stakeholder_id)

    def directors_or_above_engaged(self) -> bool:
        return any(SENIORITY_RANK.get(r.seniority, 0) >= SENIORITY_RANK["director"] for r in self.engaged)


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
