"""Formatting of Insights figures in templates."""

from django import template

from coaching.insights.stats import Rate, percent

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.58 -> '58%'; None -> '—'."""
    return percent(value)


@register.filter
def rate_text(rate: Rate) -> str:
    """'9 of 12 won · 75% (47–91%)', or only the counts below the sample size for a rate."""
    if not isinstance(rate, Rate) or rate.total == 0:
        return "—"
    counts = f"{rate.hits} of {rate.total}"
    if rate.rate is None:
        return f"{counts} · too few"
    return f"{counts} · {percent(rate.rate)} ({percent(rate.low)}–{percent(rate.high)})"
