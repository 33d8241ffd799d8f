"""Reads of exchange rates. The whole table is small (a rate per pair per day
at most) and read on every review, so it is cached and forgotten on any write
(`dealcoach.apps`: post_save / post_delete of ExchangeRate)."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import QuerySet

from dealcoach.currencies import Rate, RateTable
from dealcoach.models import ExchangeRate

RATES_CACHE_KEY = "rates:all:v1"
RATES_CACHE_SECONDS = 15 * 60


def _all_rates() -> list[Rate]:
    return [
        Rate(base=base, quote=quote, rate=rate, valid_from=valid_from)
        for base, quote, rate, valid_from in ExchangeRate.objects.order_by().values_list(
            "base_currency", "quote_currency", "rate", "valid_from"
        )
    ]


def rate_table_on(as_of: dt.date) -> RateTable:
    """The rates in force on `as_of` (each pair's latest rate from that day or before)."""
    return RateTable(cache.get_or_set(RATES_CACHE_KEY, _all_rates, RATES_CACHE_SECONDS), as_of=as_of)


def rates_forget() -> None:
    cache.delete(RATES_CACHE_KEY)


def exchange_rates_list(*, base: str | None = None, quote: str | None = None,
                        on: dt.date | None = None) -> QuerySet[ExchangeRate]:
    rates = ExchangeRate.objects.all()
    if base:
        rates = rates.filter(base_currency=base)
    if quote:
        rates = rates.filter(quote_currency=quote)
    if on:
        rates = rates.filter(valid_from__lte=on)
    return rates.order_by("base_currency", "quote_currency", "-valid_from", "id")
