"""A deterministic, realistic demo pipeline: one team (a manager, three reps),
a dozen customer accounts with org charts, ~30 deals across every stage with
deal roles and 90 days of activities. Some deals are healthy, some stale,
some single-threaded, some without an economic buyer, some past their close
date, some decaying — so every screen has something to show.

Deterministic for a given `as_of` date: the same seed, dates relative to it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Stakeholder
from dealcoach.models import Team, User

from .models import Activity, DealRole, ForecastCategory, Opportunity, OpportunityFieldChange, Stage
from .services import normalise_competitors, opportunities_refresh_engagement
from .signals import announce_deal_changed

DEMO_PASSWORD = "demo-pass-2026"
DEMO_TEAM = "Enterprise North"
DEMO_OTHER_TEAM = "Mid-Market South"

ACCOUNTS = [
    ("Northwind Logistics", "northwind.example", "Logistics"),
    ("Contoso Health", "contoso-health.example", "Healthcare"),
    ("Fabrikam Manufacturing", "fabrikam.example", "Manufacturing"),
    ("Tailspin Airlines", "tailspin.example", "Aviation"),
    ("Woodgrove Bank", "woodgrove.example", "Financial services"),
    ("Litware Software", "litware.example", "Software"),
    ("Adventure Works Retail", "adventure-works.example", "Retail"),
    ("Proseware Insurance", "proseware.example", "Insurance"),
    ("Wingtip Energy", "wingtip.example", "Energy"),
    ("Alpine Ski House", "alpineski.example", "Leisure"),
    ("Coho Foods", "coho.example", "Food and beverage"),
    ("Lucerne Publishing", "lucerne.example", "Media"),
]

# Title, seniority, index of the person they report to (None = top of the chart).
ORG_CHART = [
    ("Chief Executive Officer", "c_level", None),
    ("Chief Financial Officer", "c_level", 0),
    ("Chief Information Officer", "c_level", 0),
    ("VP Operations", "vp", 0),
    ("Director of IT", "director", 2),
    ("Head of Procurement", "manager", 1),
    ("Operations Manager", "manager", 3),
    ("Systems Analyst", "staff", 4),
]

FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Luis",
         "Mei", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Yusuf"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Schmidt", "Haddad", "Novak", "Reyes", "Fischer",
        "Kowalski", "Nakamura", "Duarte", "Byrne", "Costa", "Ivanova", "Mensah"]

COMPETITORS = ["Acme CRM Suite", "Globex Analytics", "Initech Cloud", "internal build"]

SUMMARIES = {
    "meeting": ["Discovery workshop on current process", "Steering group update", "Business case review",
                "Walked through evaluation criteria", "Reviewed rollout timeline with the project team"],
    "call": ["Check-in on evaluation progress", "Call about procurement steps", "Pricing questions",
             "Follow-up on security questionnaire"],
    "email": ["Sent proposal draft", "Shared customer reference list", "Sent mutual plan for comment",
              "Answered integration questions"],
    "demo": ["Product demo for the operations team", "Technical deep-dive for IT"],
    "note": ["Heard a competitor is also presenting", "Budget cycle closes end of quarter"],
}


@dataclass(frozen=True)
class DealProfile:
    """How healthy a demo deal is; drives roles, activities and anchors."""

    name: str
    economic_buyer: bool
    champion: bool
    threads: int  # stakeholders engaged recently
    days_since_activity: int
    days_since_senior: int | None
    anchors: bool
    close_offset_days: int  # expected close relative to as_of (negative = passed)
    slips: int


PROFILES = [
    DealProfile("healthy", True, True, 4, 2, 5, True, 45, 0),
    DealProfile("healthy", True, True, 3, 4, 9, True, 70, 0),
    DealProfile("stale", True, False, 2, 30, 30, True, 40, 1),
    DealProfile("single_threaded", False, True, 1, 5, None, False, 60, 0),
    DealProfile("no_economic_buyer", False, True, 3, 3, 20, False, 50, 1),
    DealProfile("past_close", True, False, 2, 8, 12, True, -10, 2),
    DealProfile("decaying", True, True, 2, 10, 75, True, 80, 1),
]

STAGE_PLAN = ["qualify"] * 6 + ["discover"] * 7 + ["evaluate"] * 7 + ["propose"] * 6 + ["negotiate"] * 4


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _user(username: str, role: str, team: Team | None, first: str, last: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"role": role})
    user.role, user.team, user.first_name, user.last_name = role, team, first, last
    user.email = f"{username}@dealcoach.example"
    user.is_staff = user.is_superuser = role == "admin"
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def demo_exists() -> bool:
    return Opportunity.objects.filter(external_id__startswith="demo-").exists()


@transaction.atomic
def build_demo_pipeline(*, as_of: date | None = None) -> dict[str, int]:
    """Create the demo team, users, accounts, stakeholders, deals, roles and
    activities. Returns counts. Not meant to run twice (see `demo_exists`)."""
    as_of = as_of or timezone.localdate()
    rng = random.Random(2026)
    stages = {s.slug: s for s in Stage.objects.all()}

    team = Team.objects.get_or_create(name=DEMO_TEAM)[0]
    maria = _user("maria", "manager", team, "Maria", "Alvarez")
    team.manager = maria
    team.coaching_min_amount = Decimal("50000")
    team.save()
    reps = [_user("rob", "rep", team, "Rob", "Chen"), _user("rita", "rep", team, "Rita", "Patel"),
            _user("raj", "rep", team, "Raj", "Singh")]
    _user("admin", "admin", None, "Ada", "Admin")
    other = Team.objects.get_or_create(name=DEMO_OTHER_TEAM)[0]
    other.manager = _user("mike", "manager", other, "Mike", "Osei")
    other.save()
    rosa = _user("rosa", "rep", other, "Rosa", "Lopez")

    names = iter(rng.sample([f"{f} {last}" for f in FIRST for last in LAST], 200))
    accounts: list[tuple[Account, list[Stakeholder]]] = []
    for index, (name, domain, industry) in enumerate(ACCOUNTS):
        owner = reps[index % len(reps)] if index < 11 else rosa
        account = Account.objects.create(
            name=name, domain=domain, industry=industry, owner=owner, external_id=f"demo-acc-{index + 1}"
        )
        people: list[Stakeholder] = []
        for person_index, (title, seniority, boss) in enumerate(ORG_CHART):
            full_name = next(names)
            people.append(Stakeholder.objects.create(
                account=account, name=full_name, title=title, seniority=seniority,
                email=f"{full_name.split()[0].lower()}@{domain}",
                reports_to=people[boss] if boss is not None else None,
                external_id=f"demo-sh-{index + 1}-{person_index + 1}",
            ))
        accounts.append((account, people))

    opportunities: list[Opportunity] = []
    activities = 0
    for deal_index, stage_slug in enumerate(STAGE_PLAN):
        account, people = accounts[deal_index % 11]
        profile = PROFILES[deal_index % len(PROFILES)]
        stage = stages[stage_slug]
        amount = Decimal(rng.randrange(20, 400) * 1000)
        expected_close = as_of + timedelta(days=profile.close_offset_days + stage.order * 3)
        opportunity = Opportunity.objects.create(
            external_id=f"demo-opp-{deal_index + 1}",
            account=account, owner=account.owner, stage=stage,
            name=f"{account.name.split()[0]} — {rng.choice(['Platform rollout', 'Analytics expansion', 'Ops modernisation', 'Renewal and upsell', 'Pilot to production'])}",
            amount=amount, currency="USD" if deal_index % 5 else "EUR",
            expected_close_date=expected_close,
            go_live_date=expected_close + timedelta(days=rng.choice([50, 75, 120])) if profile.anchors else None,
            budget_status=("approved" if stage.order >= 4 else "identified") if profile.anchors else "unknown",
            budget_amount=amount * Decimal("1.2") if profile.anchors else None,
            compelling_event=("Regulatory deadline: new reporting rules apply from the start of next fiscal year"
                              if profile.anchors else ""),
            consequence_if_missed=("Manual reporting for another year: 3 analysts full time, audit risk"
                                   if profile.anchors and deal_index % 3 else ""),
            success_criteria=("Order-to-cash cycle down from 12 to 8 days; 95% of orders touchless"
                              if profile.anchors else ""),
            business_value=(f"Customer's CFO estimates ${int(amount * 3):,} a year saved in working capital"
                            if profile.name in ("healthy", "decaying") else
                            "Saves time and money" if deal_index % 2 else ""),
            competitors=normalise_competitors([rng.choice(COMPETITORS)] if deal_index % 3 else []),
            strategy=rng.choice(["direct", "indirect", "divisional", ""]) if profile.name != "single_threaded" else "",
            strategy_notes=("Change the criteria to total cost of ownership; our champion presents to the CFO"
                            if profile.champion else ""),
            forecast_category=stage.forecast_category,
            stage_entered_at=_at(as_of - timedelta(days=rng.randrange(5, 40))),
        )
        opportunities.append(opportunity)
        _add_roles(opportunity, people, profile, rng)
        activities += _add_activities(opportunity, people, profile, as_of, rng)
        _add_history(opportunity, profile, as_of, maria)

    # A few closed deals for the forecast's Closed column and the won/lost counts.
    for offset, (status, reason) in enumerate([("won", ""), ("won", ""), ("lost", "Went with the incumbent")]):
        account, people = accounts[offset]
        Opportunity.objects.create(
            external_id=f"demo-closed-{offset + 1}", account=account, owner=account.owner,
            stage=stages["negotiate"], name=f"{account.name.split()[0]} — Phase 1",
            amount=Decimal(90000 + offset * 15000), currency="USD", status=status, lost_reason=reason,
            expected_close_date=as_of - timedelta(days=3 + offset),
            forecast_category=ForecastCategory.CLOSED if status == "won" else ForecastCategory.OMITTED,
            competitors=normalise_competitors([]), stage_entered_at=_at(as_of - timedelta(days=30)),
        )

    ids = list(Opportunity.objects.filter(external_id__startswith="demo-").values_list("id", flat=True))
    opportunities_refresh_engagement(opportunity_ids=ids)
    announce_deal_changed(ids)
    return {"users": 7, "accounts": len(accounts), "opportunities": len(ids), "activities": activities}


def _add_roles(opportunity: Opportunity, people: list[Stakeholder], profile: DealProfile, rng) -> None:
    ceo, cfo, cio, vp_ops, director_it, procurement, ops_manager, analyst = people
    roles = [
        DealRole(opportunity=opportunity, stakeholder=ops_manager, role="user_buyer", stance="supporter",
                 influence="medium", strength=rng.randint(2, 4)),
        DealRole(opportunity=opportunity, stakeholder=director_it, role="technical_buyer",
                 stance=rng.choice(["neutral", "skeptic", "supporter"]), influence="medium",
                 strength=rng.randint(1, 3), leans_to_competitor=rng.random() < 0.3),
    ]
    if profile.economic_buyer:
        roles.append(DealRole(opportunity=opportunity, stakeholder=cfo, role="economic_buyer",
                              stance=rng.choice(["supporter", "neutral"]), influence="high",
                              strength=rng.randint(2, 4)))
        roles.append(DealRole(opportunity=opportunity, stakeholder=cio, role="decision_maker",
                              stance="neutral", influence="high", strength=rng.randint(1, 3)))
    if profile.champion:
        roles.append(DealRole(opportunity=opportunity, stakeholder=vp_ops, role="champion", stance="advocate",
                              influence="high", strength=rng.randint(4, 5)))
    if rng.random() < 0.4:
        roles.append(DealRole(opportunity=opportunity, stakeholder=procurement, role="procurement",
                              stance="neutral", influence="low", strength=1))
    if rng.random() < 0.25:
        roles.append(DealRole(opportunity=opportunity, stakeholder=analyst, role="blocker", stance="opponent",
                              influence="low", strength=1, leans_to_competitor=True))
    DealRole.objects.bulk_create(roles)


def _add_activities(opportunity, people, profile: DealProfile, as_of: date, rng) -> int:
    ceo, cfo, cio, vp_ops, director_it, procurement, ops_manager, analyst = people
    juniors = [ops_manager, analyst, procurement]
    seniors = [cfo, vp_ops, director_it] if profile.economic_buyer or profile.champion else [vp_ops]
    count = 0
    day = as_of - timedelta(days=90)
    last_day = as_of - timedelta(days=profile.days_since_activity)
    senior_cutoff = as_of - timedelta(days=profile.days_since_senior) if profile.days_since_senior is not None else None
    while day <= last_day:
        kind = rng.choice(list(SUMMARIES))
        recent = (as_of - day).days <= 60
        if profile.threads <= 1:
            attendees = [ops_manager]
        else:
            pool = juniors[: max(1, profile.threads - 1)]
            attendees = rng.sample(pool, k=min(len(pool), rng.randint(1, 2)))
            if senior_cutoff and day <= senior_cutoff and rng.random() < 0.6:
                attendees.append(rng.choice(seniors))
        if day == last_day and profile.threads > 1 and recent:
            attendees = list({*attendees, *juniors[: profile.threads - 1]})
        activity = Activity.objects.create(
            opportunity=opportunity, kind=kind, summary=rng.choice(SUMMARIES[kind]),
            occurred_at=_at(day, rng.randint(9, 16)), logged_by=opportunity.owner,
        )
        activity.stakeholders.set(attendees)
        count += 1
        day += timedelta(days=rng.randint(4, 9))
    if senior_cutoff and senior_cutoff <= last_day:
        activity = Activity.objects.create(
            opportunity=opportunity, kind="meeting", summary="Executive sponsor meeting on the business case",
            occurred_at=_at(senior_cutoff, 15), logged_by=opportunity.owner,
        )
        activity.stakeholders.set([seniors[0], vp_ops])
        count += 1
    return count


def _add_history(opportunity: Opportunity, profile: DealProfile, as_of: date, manager: User) -> None:
    changes = []
    close = opportunity.expected_close_date
    for slip in range(profile.slips, 0, -1):
        earlier = close - timedelta(days=21 * slip)
        later = close - timedelta(days=21 * (slip - 1))
        changes.append(OpportunityFieldChange(
            opportunity=opportunity, field="expected_close_date", old_value=earlier.isoformat(),
            new_value=later.isoformat(), changed_by=opportunity.owner,
            changed_at=_at(as_of - timedelta(days=3 + 10 * slip)),
        ))
    changes.append(OpportunityFieldChange(
        opportunity=opportunity, field="stage", old_value="", new_value=opportunity.stage.slug,
        changed_by=opportunity.owner, changed_at=opportunity.stage_entered_at,
    ))
    OpportunityFieldChange.objects.bulk_create(changes)
