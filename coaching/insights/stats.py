"""The statistics of Insights: win rates with 95% Wilson intervals, forecast
accuracy, close-date slips, and the plain sentences that say what they mean.
Plain Python over plain numbers, no Django.

Small samples are shown as such: below `MIN_SAMPLE` deals a rate is not
given at all (only the counts), because "2 of 3 won" read as "67%" is the
kind of number managers have learnt not to trust.

    rate = win_rate(won=3, total=4)   # rate.rate is None: n < 10
    rate = win_rate(won=6, total=10)  # 0.6, Wilson interval (0.31, 0.83)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_SAMPLE = 10
Z_95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval


def wilson_interval(successes: int, total: int, *, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion: unlike p ± z·se it stays
    inside [0, 1] and is honest for small n and for rates near 0% or 100%."""
    if total <= 0:
        raise ValueError("An interval needs at least one observation.")
    if not 0 <= successes <= total:
        raise ValueError("successes must be between 0 and total.")
    p = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


@dataclass(frozen=True, slots=True)
class Rate:
    """`hits` of `total` deals, with the rate and its 95% interval when the
    sample is big enough (else all three are None)."""

    hits: int
    total: int

    @property
    def enough(self) -> bool:
        return self.total >= MIN_SAMPLE

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.enough else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.hits, self.total) if self.enough else None

    @property
    def low(self) -> float | None:
        return self.interval[0] if self.enough else None

    @property
    def high(self) -> float | None:
        return self.interval[1] if self.enough else None

    def as_dict(self) -> dict:
        return {"hits": self.hits, "total": self.total, "rate": _round(self.rate),
                "low": _round(self.low), "high": _round(self.high)}


def win_rate(*, won: int, total: int) -> Rate:
    return Rate(hits=won, total=total)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


# --- forecast accuracy ------------------------------------------------------------------------

def forecast_error(*, forecast: float, actual: float) -> float | None:
    """How far a forecast was from what closed, as a share of what closed
    (+0.25: called 25% too much). None when nothing closed: no share of zero."""
    if actual <= 0:
        return None
    return (forecast - actual) / actual


def forecast_accuracy(*, forecast: float, actual: float) -> float | None:
    """1 − |error|, floored at 0: 100% is a perfect call, 0% is off by all of it or more."""
    error = forecast_error(forecast=forecast, actual=actual)
    return None if error is None else max(0.0, 1.0 - abs(error))


def mean_absolute_error_share(pairs: Iterable[tuple[float, float]]) -> float | None:
    """The mean of |forecast − actual| / actual over (forecast, actual) pairs
    whose actual is above zero; None when there is none."""
    errors = [abs(e) for f, a in pairs if (e := forecast_error(forecast=f, actual=a)) is not None]
    return sum(errors) / len(errors) if errors else None


def closest_forecast(errors: Mapping[str, float | None]) -> str | None:
    """The key of the forecast with the smallest mean error (ties: the first given)."""
    known = [(error, index, key) for index, (key, error) in enumerate(errors.items()) if error is not None]
    return min(known)[2] if known else None


# --- slips -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SlipSummary:
    """Of `deals` deals, `slipped` had their close date moved later at least
    once, by `days` days in all (the sum of every later move)."""

    deals: int
    slipped: int
    days: int

    @property
    def share(self) -> Rate:
        return Rate(hits=self.slipped, total=self.deals)

    @property
    def average_days(self) -> float | None:
        return self.days / self.slipped if self.slipped else None

    def as_dict(self) -> dict:
        return {"deals": self.deals, "slipped": self.slipped, "days_slipped": self.days,
                "share": self.share.as_dict(), "average_days": _round(self.average_days, 1)}


def days_slipped(moves: Iterable[tuple[object, object]]) -> int:
    """Days a deal's close date was moved later, over its (old, new) date moves.
    Moves earlier do not cancel a slip: pulling a date in and pushing it out
    again is still a slip."""
    return sum(max(0, (new - old).days) for old, new in moves if old is not None and new is not None)


def summarise_slips(days_by_deal: Iterable[int]) -> SlipSummary:
    """One summary from each deal's days slipped (0 = never moved later)."""
    days = list(days_by_deal)
    return SlipSummary(deals=len(days), slipped=sum(1 for d in days if d > 0), days=sum(days))


# --- sentences -------------------------------------------------------------------------------

def _n(rate: Rate) -> str:
    return f"{percent(rate.rate)} of the time (n={rate.total})"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _few(rate: Rate, who: str) -> str:
    if rate.total == 0:
        return f"no deals {who}"
    noun = "deal" if rate.total == 1 else "deals"
    return f"only {rate.total} {noun} {who} ({rate.hits} won), too few for a rate"


def rsvp_sentence(*, dimension: str, moment: str, rates: Mapping[str, Rate]) -> str:
    """'Deals green on Relationships at Propose closed 58% of the time (n=43), red ones 9% (n=31).'"""
    green, red = rates.get("green", Rate(0, 0)), rates.get("red", Rate(0, 0))
    if green.total == 0 and red.total == 0:
        return f"No closed deal had a score for {dimension} {moment} in this period."
    subject = f"on {dimension}" if dimension != "overall" else "overall"
    if green.enough:
        first = f"Deals green {subject} {moment} closed {_n(green)}"
    else:
        first = _upper_first(_few(green, f"were green {subject} {moment}"))
    if red.enough:
        second = f"red ones {percent(red.rate)} (n={red.total})"
    else:
        second = _few(red, "were red")
    return f"{first}, {second}."


def comparison_sentence(*, yes_label: str, no_label: str, yes: Rate, no: Rate) -> str:
    """'Deals whose … closed 70% of the time (n=20), the others 30% (n=40).'"""
    if yes.total == 0 and no.total == 0:
        return "No deal closed in this period."
    first = f"Deals {yes_label} closed {_n(yes)}" if yes.enough else _upper_first(_few(yes, yes_label))
    second = f"deals {no_label} {percent(no.rate)} (n={no.total})" if no.enough else _few(no, no_label)
    return f"{first}, {second}."


FORECAST_LABELS = {
    "commit": "the reps' Commit",
    "best_case": "Commit plus Best Case",
    "weighted": "the stage-weighted forecast",
    "propensity": "the decay-adjusted forecast (propensity)",
}


def forecast_sentence(*, errors: Mapping[str, float | None], weeks: int) -> str:
    """Which forecast came closest to what closed, over `weeks` finished weeks."""
    best = closest_forecast(errors)
    if best is None:
        return "No finished quarter in this period had both weekly forecasts and closed-won deals to compare."
    commit = errors.get("commit")
    text = (f"Over {weeks} week{'s' if weeks != 1 else ''} of finished quarters, the closest forecast was "
            f"{FORECAST_LABELS[best]}, off by {percent(errors[best])} of what closed on average")
    if best != "commit" and commit is not None:
        text += f"; the reps' Commit was off by {percent(commit)}"
    return text + "."


def slip_sentence(summary: SlipSummary) -> str:
    if summary.deals == 0:
        return "No deal closed in this period."
    if not summary.share.enough:
        return (f"Only {summary.deals} deal{'s' if summary.deals != 1 else ''} closed in this period; "
                f"{summary.slipped} had the close date moved later: too few for a rate.")
    text = (f"{percent(summary.share.rate)} of the deals closed in this period had their close date moved "
            f"later (n={summary.deals})")
    if summary.average_days is not None:
        text += f", by {summary.average_days:.0f} days on average"
    return text + "."


def losses_sentence(*, by_stage: Mapping[str, int], top_reason: tuple[str, int] | None, lost: int) -> str:
    if lost == 0:
        return "No deal was lost in this period."
    stage, count = max(by_stage.items(), key=lambda item: item[1])
    text = f"Most lost deals were lost in {stage} ({count} of {lost})"
    if top_reason:
        text += f"; the most common reason was \u201c{top_reason[0]}\u201d ({top_reason[1]})"
    return text + "."


def stage_entry_sentence(rows: list[tuple[str, Rate, float | None]]) -> str:
    """From (stage, win rate of the deals that reached it, average days from entry to close)."""
    rated = [(stage, rate, days) for stage, rate, days in rows if rate.enough]
    if not rated:
        return "Too few closed deals reached each stage for a win rate."
    first_stage, first_rate, _ = rated[0]
    last_stage, last_rate, last_days = rated[-1]
    text = f"Deals that reached {first_stage} won {_n(first_rate)}"
    if last_stage != first_stage:
        text += f"; those that reached {last_stage} won {percent(last_rate.rate)} (n={last_rate.total})"
    if last_days is not None:
        text += f", and the won ones closed {last_days:.0f} days after entering it on average"
    return text + "."
