"""Building blocks for review tests."""

import datetime as dt
from decimal import Decimal

from coaching.review.report import weekly_review
from coaching.review.selectors import review_scope_for
from tests.factories import AccountFactory, OpportunityFactory, stage


def deal(owner, *, amount=100000, currency="USD", stage_slug="discover", **fields):
    return OpportunityFactory(
        account=AccountFactory(owner=owner), owner=owner, amount=Decimal(amount), currency=currency,
        stage=stage(stage_slug), forecast_category=fields.pop("forecast_category", stage(stage_slug).forecast_category),
        **fields,
    )


def review_for(user, as_of: dt.date, **params):
    return weekly_review(review_scope_for(user=user, params=params, as_of=as_of))
