"""Helpers for the stale-flag tests: deals whose denormalised facts (created,
last activity, last senior engagement) are set to known dates."""

import datetime as dt

import time_machine
from django.utils import timezone

from deals.models import Opportunity, Stage
from tests.factories import AccountFactory, OpportunityFactory


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=dt.UTC)


def make_deal(owner, *, stage="evaluate", created: dt.date, last_activity: dt.date | None = None,
              last_senior: dt.date | None = None, close: dt.date | None = None, **fields) -> Opportunity:
    """A deal created on `created`, with its denormalised engagement dates set
    directly (as `opportunities_refresh_engagement` would store them) and
    stamped as written now, as every write through the services is."""
    with time_machine.travel(at(created), tick=False):
        deal = OpportunityFactory(
            account=fields.pop("account", None) or AccountFactory(owner=owner),
            owner=owner, stage=Stage.objects.get(slug=stage),
            expected_close_date=close or created + dt.timedelta(days=365), **fields,
        )
    Opportunity.objects.filter(pk=deal.pk).update(
        last_activity_at=at(last_activity) if last_activity else None,
        last_senior_engagement_at=at(last_senior) if last_senior else None,
        updated_at=timezone.now(),
    )
    deal.refresh_from_db()
    return deal


def open_flags(deal) -> dict[str, str]:
    """kind -> reason of the deal's open flags."""
    return dict(deal.flags.filter(cleared_at__isnull=True).values_list("kind", "reason"))
