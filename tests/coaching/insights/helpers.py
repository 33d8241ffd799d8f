"""Building blocks for Insights tests: closed deals with the history the
page reads (stage entries, close-date moves, score and pipeline snapshots).
Time is frozen on Wednesday 11 June 2025: the default period runs from
1 July 2024 to that day, and Q1 2025 is a finished quarter."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from coaching.closeplan.models import ClosePlan
from coaching.review.models import PipelineSnapshot
from coaching.rsvp.models import ScoreSnapshot
from dealcoach.dates import week_start
from deals.models import Activity, DealRole, OpportunityFieldChange
from tests.factories import AccountFactory, OpportunityFactory, StakeholderFactory, stage

TODAY = dt.date(2025, 6, 11)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def snapshot(deal, day: dt.date, *, r=50, s=50, v=50, p=50, overall=None) -> ScoreSnapshot:
    return ScoreSnapshot.objects.create(
        opportunity=deal, week=week_start(day), overall=overall if overall is not None else (r + s + v + p) // 4,
        relationships=r, strategy=s, value=v, process=p, taken_at=at(week_start(day)),
    )


def closed_deal(owner, *, won: bool, close: dt.date, stage_slug="negotiate", reason="Went with a competitor",
                entered_propose: dt.date | None = None, propose: dict | None = None,
                before_close: dict | None = None, at_close: dict | None = None, validated_on: dt.date | None = None,
                economic_buyer_met: dt.date | None = None, moves=(), amount=100000, currency="USD", name=None):
    """A deal won or lost with close date `close`; `propose` / `before_close` / `at_close` are the
    RSVP scores (r, s, v, p keywords) of a snapshot taken at Propose entry, 4 weeks before close, at close."""
    deal = OpportunityFactory(
        account=AccountFactory(owner=owner), owner=owner, stage=stage(stage_slug), status="won" if won else "lost",
        lost_reason="" if won else reason, expected_close_date=close, amount=Decimal(amount), currency=currency,
        forecast_category="closed" if won else "omitted", **({"name": name} if name else {}),
    )
    if entered_propose:
        OpportunityFieldChange.objects.create(opportunity=deal, field="stage", old_value="evaluate",
                                              new_value="propose", changed_at=at(entered_propose))
    if propose is not None:
        snapshot(deal, entered_propose, **propose)
    if before_close is not None:
        snapshot(deal, close - dt.timedelta(weeks=4), **before_close)
    if at_close is not None:
        snapshot(deal, close, **at_close)
    if validated_on:
        ClosePlan.objects.create(opportunity=deal, go_live_date=close + dt.timedelta(days=90), validated_version=1,
                                 validated_at=at(validated_on), validated_by_name="Buyer")
    if economic_buyer_met:
        person = StakeholderFactory(account=deal.account, seniority="c_level")
        DealRole.objects.create(opportunity=deal, stakeholder=person, role="economic_buyer")
        meeting = Activity.objects.create(opportunity=deal, summary="Business case", occurred_at=at(economic_buyer_met))
        meeting.stakeholders.set([person])
    for old, new in moves:
        OpportunityFieldChange.objects.create(opportunity=deal, field="expected_close_date", old_value=old.isoformat(),
                                              new_value=new.isoformat(), changed_at=at(old - dt.timedelta(days=20)))
    return deal


def pipeline_row(deal, week: dt.date, *, category: str, close: dt.date, amount=None, stage_slug="propose",
                 propensity=None) -> PipelineSnapshot:
    return PipelineSnapshot.objects.create(
        week=week_start(week), opportunity=deal, owner=deal.owner, stage=stage(stage_slug),
        amount=Decimal(amount if amount is not None else deal.amount), currency=deal.currency, status="open",
        forecast_category=category, expected_close_date=close, propensity=propensity, taken_at=timezone.now(),
    )
