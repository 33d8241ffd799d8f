"""ISO 4217 active currency codes (the ones a deal can be priced in), and
conversion between them with dated exchange rates. Plain Python."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_REPORTING_CURRENCY = "USD"

CURRENCY_CODES: tuple[str, ...] = (
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
    "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN",
    "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF",
    "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
    "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN",
    "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT",
    "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
)


# --- Exchange rates (plain Python; the rows are `dealcoach.models.ExchangeRate`) ---------------


@dataclass(frozen=True, slots=True)
class Rate:
    """1 `base` = `rate` `quote`, in force from `valid_from` until a later rate of the pair."""

    base: str
    quote: str
    rate: Decimal
    valid_from: dt.date

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate.normalize():f} {self.quote} (from {self.valid_from.isoformat()})"


@dataclass(frozen=True, slots=True)
class Conversion:
    """How `source` amounts become `target` ones: multiply by `factor`. `rates` are
    the stored rates used (one, or two through a common currency)."""

    source: str
    target: str
    factor: float
    rates: tuple[Rate, ...] = ()
    inverse: bool = False  # the stored rate is target -> source

    def describe(self) -> str:
        """Which rate was used, for the reader: the stored rate itself when it was used as it is."""
        if len(self.rates) == 1 and not self.inverse:
            return str(self.rates[0])
        if not self.rates:
            return f"1 {self.source} = 1 {self.target}"
        return f"1 {self.source} = {self.factor:.6g} {self.target} from {'; '.join(str(r) for r in self.rates)}"


class RateTable:
    """The rates in force on one date. Conversion uses the pair's own rate, or
    its inverse, or one step through a common currency (EUR -> USD -> GBP);
    None when nothing connects the two, and the caller shows the amount
    unconverted rather than guessing."""

    def __init__(self, rates: Iterable[Rate], *, as_of: dt.date):
        latest: dict[tuple[str, str], Rate] = {}
        for rate in rates:
            if rate.valid_from > as_of or rate.rate <= 0:
                continue
            key = (rate.base, rate.quote)
            if key not in latest or rate.valid_from > latest[key].valid_from:
                latest[key] = rate
        self.as_of = as_of
        self._latest = latest
        self._cache: dict[tuple[str, str], Conversion | None] = {}

    def _direct(self, source: str, target: str) -> Conversion | None:
        rate = self._latest.get((source, target))
        if rate is not None:
            return Conversion(source, target, float(rate.rate), (rate,))
        rate = self._latest.get((target, source))
        if rate is not None:
            return Conversion(source, target, 1.0 / float(rate.rate), (rate,), inverse=True)
        return None

    def conversion(self, source: str, target: str) -> Conversion | None:
        if source == target:
            return Conversion(source, target, 1.0)
        key = (source, target)
        if key not in self._cache:
            found = self._direct(source, target)
            if found is None:
                pivots = sorted({c for pair in self._latest for c in pair} - {source, target})
                for pivot in pivots:
                    first, second = self._direct(source, pivot), self._direct(pivot, target)
                    if first and second:
                        found = Conversion(source, target, first.factor * second.factor, first.rates + second.rates)
                        break
            self._cache[key] = found
        return self._cache[key]

    def convert(self, amount: float | Decimal | None, source: str, target: str) -> float | None:
        if amount is None:
            return None
        conversion = self.conversion(source, target)
        return None if conversion is None else float(amount) * conversion.factor
