"""A year of demo history for Insights (called by `seed_demo` after the
demo pipeline exists): ~200 deals won or lost over the last four quarters (Insights' default
period), across the demo teams, each with its stage entries, close-date moves, weekly RSVP score
snapshots and weekly pipeline snapshots while it was open.

Deterministic for a given `as_of` (seeded random). The generator *plants*
these relationships; the Insights page *measures* them from the rows, without
knowing them:

- Each deal gets RSVP scores at Propose entry (25–95, higher for "better"
  deals). Its chance to win is a logistic curve of those scores, Relationships
  counting double: P = 1 / (1 + e^-(0.4·R + 0.2·S + 0.2·V + 0.2·P − 58) / 12),
  plus 12 points when the customer validated the close plan before signing
  and 8 when we met the economic buyer, kept within 12–80% — so greener deals
  win more often, but not always.
- A validated plan is likelier the stronger Process is (10% + Process/2 %);
  meeting the economic buyer likelier the stronger Relationships is (R/110).
- After Propose, scores drift up on the deals that will be won and down on
  those that will be lost, so "4 weeks before close" separates them more.
- Deals that will be lost slip more often (0–3 moves of 2–6 weeks) than
  those that will be won (0–2), and go quiet: their propensity (stage
  probability decayed by silence) falls, while the stage-weighted forecast
  does not notice; reps call half their Propose deals Commit (happy ears).
- The reason for a loss follows what was red at the time (no economic buyer
  → lost the sponsor; weak value → price or no decision; weak process →
  timing).

Deals close at least 8 days before the start of this week, so the weekly
review's "what changed since last week" is untouched by the history.
Rows are written with bulk_create: the whole history takes well under a
second on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Stakeholder
from coaching.closeplan.models import ClosePlan
from coaching.review.models import PipelineSnapshot
from coaching.rsvp.models import ScoreSnapshot
from coaching.rsvp.scoring import status_for
from dealcoach.dates import week_start
from dealcoach.models import User
from deals.models import Activity, DealRole, Opportunity, OpportunityFieldChange, Stage

from .scope import default_period

HISTORY_PREFIX = "hist-opp-"
DEALS = 200
OWNERS = [("rob", 3), ("rita", 3), ("raj", 3), ("rosa", 2)]  # username, weight
STAGE_AT = {"qualify": 0.0, "discover": 0.15, "evaluate": 0.35, "propose": 0.55, "negotiate": 0.8}
PRODUCTS = ["Platform rollout", "Analytics expansion", "Ops modernisation", "Renewal and upsell",
            "Pilot to production", "Finance automation", "Regional rollout"]
REASONS = {
    "relationships": ["Lost our sponsor in a reorganisation", "Went with a competitor"],
    "value": ["Price", "No decision: stayed with the status quo"],
    "process": ["Timing: project postponed to next year", "No decision: stayed with the status quo"],
    "strategy": ["Went with a competitor"],
    None: ["Went with a competitor", "Price", "No budget"],
}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


def history_exists() -> bool:
    return Opportunity.objects.filter(external_id__startswith=HISTORY_PREFIX).exists()


@transaction.atomic
def demo_history(*, as_of: dt.date | None = None) -> int:
    """Write the history; returns the number of closed deals. Does nothing when it is already there."""
    as_of = as_of or timezone.localdate()
    if history_exists():
        return 0
    rng = random.Random(2121)
    users = {u.username: u for u in User.objects.filter(username__in=[name for name, _ in OWNERS])}
    if len(users) < len(OWNERS):
        return 0  # the demo pipeline (its reps) is not there
    stages = {s.slug: s for s in Stage.objects.all()}
    accounts_of: dict[int, list[Account]] = {}
    for account in Account.objects.filter(owner__in=users.values()).order_by("id"):
        accounts_of.setdefault(account.owner_id, []).append(account)
    sponsors = {s.account_id: s for s in Stakeholder.objects.filter(
        account__in=[a for accounts in accounts_of.values() for a in accounts], title="Chief Financial Officer")}
    last_close = week_start(as_of) - dt.timedelta(days=8)
    owners = [users[name] for name, weight in OWNERS for _ in range(weight)]

    first_close, _ = default_period(as_of)
    plans = [_plan(index, rng, owner=rng.choice(owners), first_close=first_close, last_close=last_close)
             for index in range(DEALS)]
    for plan in plans:
        plan["account"] = rng.choice(accounts_of[plan["owner"].pk])
    deals = Opportunity.objects.bulk_create([
        Opportunity(
            external_id=f"{HISTORY_PREFIX}{index + 1}", owner=plan["owner"], account=plan["account"],
            name=f"{plan['account'].name.split()[0]} — {PRODUCTS[index % len(PRODUCTS)]} ({plan['close']:%b %Y})",
            amount=plan["amount"], currency="USD", stage=stages[plan["stage"]], status=plan["status"],
            lost_reason=plan["reason"], expected_close_date=plan["close"],
            forecast_category="closed" if plan["won"] else "omitted", competitors=["do nothing"],
            stage_entered_at=_at(plan["entered"][plan["stage"]]),
        )
        for index, plan in enumerate(plans)
    ])
    if any(deal.pk is None for deal in deals):  # a database that returns no ids from bulk_create
        by_external = dict(Opportunity.objects.filter(external_id__startswith=HISTORY_PREFIX)
                           .values_list("external_id", "id"))
        for deal in deals:
            deal.pk = deal.id = by_external[deal.external_id]

    changes, scores, pipeline, roles, meetings, validated = [], [], [], [], [], []
    for deal, plan in zip(deals, plans, strict=True):
        changes += _field_changes(deal, plan)
        scores += _score_snapshots(deal, plan)
        pipeline += _pipeline_snapshots(deal, plan, stages)
        sponsor = sponsors.get(deal.account_id)
        if sponsor is not None:
            roles.append(DealRole(opportunity=deal, stakeholder=sponsor, role="economic_buyer", influence="high"))
            if plan["economic_buyer"]:
                meetings.append((Activity(opportunity=deal, kind="meeting", summary="Business case with the CFO",
                                          occurred_at=_at(plan["entered"]["propose"] if "propose" in plan["entered"]
                                                          else plan["close"] - dt.timedelta(days=10), 15),
                                          logged_by=deal.owner), sponsor))
        if plan["validated"]:
            validated.append(ClosePlan(opportunity=deal, go_live_date=plan["close"] + dt.timedelta(days=75),
                                       validated_version=1, validated_at=_at(plan["close"] - dt.timedelta(days=12)),
                                       validated_by_name="Customer sponsor"))
    OpportunityFieldChange.objects.bulk_create(changes)
    ScoreSnapshot.objects.bulk_create(scores)
    PipelineSnapshot.objects.bulk_create(pipeline)
    DealRole.objects.bulk_create(roles)
    ClosePlan.objects.bulk_create(validated)
    activities = Activity.objects.bulk_create([activity for activity, _ in meetings])
    through = Activity.stakeholders.through
    through.objects.bulk_create([through(activity_id=activity.pk, stakeholder_id=sponsor.pk)
                                 for activity, (_, sponsor) in zip(activities, meetings, strict=True)
                                 if activity.pk is not None])
    return len(deals)


def _plan(index: int, rng: random.Random, *, owner, first_close: dt.date, last_close: dt.date) -> dict:
    """One deal's life, decided up front: scores, outcome, timeline, slips."""
    quality = rng.random()
    base = {d: _clamp(25 + 65 * quality + rng.gauss(0, 14)) for d in ("relationships", "strategy", "value", "process")}
    validated = rng.random() < 0.10 + base["process"] / 200
    economic_buyer = rng.random() < base["relationships"] / 110
    weighted = (0.4 * base["relationships"] + 0.2 * base["strategy"] + 0.2 * base["value"]
                + 0.2 * base["process"])
    chance = 1 / (1 + math.exp(-(weighted - 58) / 12)) + 0.12 * validated + 0.08 * economic_buyer
    won = rng.random() < min(0.8, max(0.12, chance))
    cycle = rng.randint(90, 200)
    close = last_close - dt.timedelta(days=rng.randint(0, (last_close - first_close).days))
    if won:
        stage, days_open = "negotiate", cycle
    else:  # lost some days after entering the stage it died in
        stage = rng.choices(["discover", "evaluate", "propose", "negotiate"], weights=[1, 2, 4, 3])[0]
        days_open = round(cycle * STAGE_AT[stage]) + rng.randint(7, 30)
    created = close - dt.timedelta(days=days_open)
    order = list(STAGE_AT)
    entered = {slug: created + dt.timedelta(days=round(cycle * STAGE_AT[slug]))
               for slug in order[:order.index(stage) + 1]}
    slips = rng.choice([0, 0, 0, 0, 1, 1, 2] if won else [0, 0, 1, 1, 2, 3])
    moves, date = [], close
    for _ in range(slips):  # walk back from the final date to the first one promised
        earlier = date - dt.timedelta(days=rng.randint(14, 42))
        moves.append((earlier, date))
        date = earlier
    moves.reverse()
    span = max((close - created).days - 7, 1)
    moved_on = sorted(created + dt.timedelta(days=rng.randint(7, span)) for _ in moves)
    red = [d for d, score in base.items() if status_for(score) == "red"]
    reason = "" if won else rng.choice(REASONS[rng.choice(red) if red else None])
    return {
        "owner": owner, "won": won, "status": "won" if won else "lost", "stage": stage, "reason": reason,
        "amount": Decimal(rng.randrange(20, 300) * 1000), "created": created, "close": close, "entered": entered,
        "moves": list(zip(moved_on, moves, strict=True)), "base": base, "validated": validated,
        "economic_buyer": economic_buyer, "calls_commit": rng.random() < 0.5,
        "silence": rng.randint(5, 20) if won else rng.randint(30, 90),
        "noise": random.Random(7919 * (index + 1)),  # each deal's own weekly jitter
    }


def _field_changes(deal, plan) -> list[OpportunityFieldChange]:
    rows, previous = [], ""
    for slug, day in plan["entered"].items():
        rows.append(OpportunityFieldChange(opportunity=deal, field="stage", old_value=previous, new_value=slug,
                                           changed_by=deal.owner, changed_at=_at(day)))
        previous = slug
    first = plan["moves"][0][1][0] if plan["moves"] else plan["close"]
    rows.append(OpportunityFieldChange(opportunity=deal, field="expected_close_date", old_value="",
                                       new_value=first.isoformat(), changed_by=deal.owner,
                                       changed_at=_at(plan["created"])))
    for moved_on, (old, new) in plan["moves"]:
        rows.append(OpportunityFieldChange(opportunity=deal, field="expected_close_date", old_value=old.isoformat(),
                                           new_value=new.isoformat(), changed_by=deal.owner, changed_at=_at(moved_on)))
    rows.append(OpportunityFieldChange(opportunity=deal, field="status", old_value="open", new_value=plan["status"],
                                       changed_by=deal.owner, changed_at=_at(plan["close"], 16)))
    return rows


def _weeks_open(plan) -> list[dt.date]:
    week, weeks = week_start(plan["created"]) + dt.timedelta(days=7), []
    while week < plan["close"]:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return weeks


def _score_snapshots(deal, plan) -> list[ScoreSnapshot]:
    """Scores below their Propose level early on (less evidence), drifting after Propose toward the outcome."""
    rows, propose_on = [], plan["entered"].get("propose", plan["close"])
    rng = plan["noise"]
    for week in _weeks_open(plan):
        early = max(0.0, (propose_on - week).days / max((propose_on - plan["created"]).days, 1))
        weeks_after = max(0, (week - propose_on).days) / 7
        drift = (1.5 if plan["won"] else -1.5) * weeks_after
        values = {d: _clamp(score - 18 * early + drift + rng.gauss(0, 6)) for d, score in plan["base"].items()}
        rows.append(ScoreSnapshot(opportunity=deal, week=week, overall=_clamp(sum(values.values()) / 4),
                                  taken_at=_at(week, 6), **values))
    return rows


def _pipeline_snapshots(deal, plan, stages: dict[str, Stage]) -> list[PipelineSnapshot]:
    rows = []
    for week in _weeks_open(plan):
        slug = max((s for s, day in plan["entered"].items() if day <= week), key=lambda s: STAGE_AT[s])
        expected = next((old for moved_on, (old, _) in plan["moves"] if moved_on > week), plan["close"])
        category = stages[slug].forecast_category
        if slug == "propose" and plan["calls_commit"]:
            category = "commit"
        quiet_days = plan["silence"] * min(1.0, (week - plan["created"]).days / max((plan["close"] - plan["created"]).days, 1))
        propensity = stages[slug].probability / 100 * 0.5 ** (quiet_days / 45)
        rows.append(PipelineSnapshot(
            week=week, opportunity=deal, owner=deal.owner, stage=stages[slug], amount=deal.amount,
            currency=deal.currency, status="open", forecast_category=category, expected_close_date=expected,
            propensity=round(propensity, 4), taken_at=_at(week, 6),
        ))
    return rows
