"""A deal's propensity to close (DESIGN.md, stale deals): its stage probability,
halved for every half-life without senior engagement — interest decays like an
isotope. `propensity` is the rule on plain numbers; `deal_propensity` applies it
to one deal and `propensity_expression` to a queryset, in SQL.

It is computed where it is read, as of the reader's day, not stored: it changes
every day for every open deal, and storing it made the nightly sweep rewrite
every open deal's row (28 of the first sweep's 60 s over 1,000,000 deals, see
bench/NOTES.md)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, FloatField, Func, IntegerField, Value
from django.db.models.functions import Cast, Coalesce, Greatest, Power
from django.utils import timezone


def propensity(*, probability_percent: int, days_since_senior: int, half_life_days: int) -> float:
    """The propensity to close, 0–1, of a deal at `probability_percent` whose last
    senior engagement (or creation) was `days_since_senior` days ago."""
    if half_life_days <= 0:
        raise ValueError("The half-life must be a positive number of days.")
    return probability_percent / 100 * 0.5 ** (max(0, days_since_senior) / half_life_days)


def deal_propensity(opportunity, *, as_of: dt.date | None = None) -> float | None:
    """The deal's propensity as of `as_of` (default today); None for a closed or deleted deal."""
    if opportunity.status != "open" or opportunity.deleted_at is not None:
        return None
    as_of = as_of or timezone.localdate()
    since = opportunity.last_senior_engagement_at or opportunity.created_at
    days = (as_of - timezone.localdate(since)).days if since is not None else 0
    return propensity(probability_percent=opportunity.stage.probability, days_since_senior=days,
                      half_life_days=settings.DEALCOACH_DECAY_HALF_LIFE_DAYS)


def days_since_sql(vendor: str, column: str, *, as_of: str = "%s", tz: str = "%s") -> str:
    """SQL for the whole days from `column`'s local date to the date `as_of` (both
    placeholders): the one way days are counted, by the sweep's SQL and here."""
    if vendor == "postgresql":
        return f"(CAST({as_of} AS date) - CAST(({column}) AT TIME ZONE {tz} AS date))"
    return f"CAST(julianday({as_of}) - julianday(date({column})) AS INTEGER)"


class DaysSince(Func):
    """Whole days from a timestamp's local date (TIME_ZONE) to `as_of`, as the stale
    sweep counts them (negative for a later date)."""

    output_field = IntegerField()

    def __init__(self, expression, *, as_of: dt.date):
        super().__init__(expression)
        self.as_of = as_of

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        as_of = connection.ops.adapt_datefield_value(self.as_of)
        tz = [timezone.get_current_timezone_name()] if connection.vendor == "postgresql" else []
        return days_since_sql(connection.vendor, sql), [as_of, *params, *tz]


def propensity_expression(*, as_of: dt.date) -> Func:
    """`propensity` over a queryset of deals as of `as_of` (a float column; the
    queryset joins the stage)."""
    half_life = settings.DEALCOACH_DECAY_HALF_LIFE_DAYS
    if half_life <= 0:
        raise ValueError("The half-life must be a positive number of days.")
    days = Greatest(
        DaysSince(Coalesce(F("last_senior_engagement_at"), F("created_at")), as_of=as_of), Value(0),
        output_field=IntegerField(),
    )
    probability = Cast(F("stage__probability"), FloatField()) / Value(100.0)
    return probability * Power(Value(0.5), Cast(days, FloatField()) / Value(float(half_life)),
                               output_field=FloatField())
