"""The four Insights sections, assembled from the selectors' rows with the
pure statistics of `stats`. The page, the API and the CSV export all call
these, so they cannot disagree. Each returns plain data (dicts, lists,
`Rate` and `SlipSummary` values); `jsonable` turns it into the API's JSON."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from coaching.review.periods import quarter_bounds
from coaching.rsvp.scoring import status_for

from . import stats
from .scope import InsightsScope
from .selectors import (
    DIMENSIONS,
    close_date_moves,
    closed_deals,
    stage_entries,
    stages,
    weekly_forecasts,
    won_by_quarter,
)

STATUSES = ("green", "amber", "red")
MOMENT_LABELS = {"propose": "at Propose", "before_close": "4 weeks before close"}
DIMENSION_LABELS = {"overall": "Overall", "relationships": "Relationships", "strategy": "Strategy",
                    "value": "Value", "process": "Process"}
FORECASTS = ("commit", "best_case", "weighted", "propensity")
FORECAST_NAMES = {"commit": "Commit", "best_case": "Commit + Best Case", "weighted": "Stage-weighted",
                  "propensity": "Decay-adjusted"}
MOST_SLIPPED = 10
TOP_REASONS = 8


def period(scope: InsightsScope) -> dict:
    return {"from": scope.start, "to": scope.end, "team": scope.team.pk if scope.team else None,
            "rep": scope.rep.pk if scope.rep else None, "owners": len(scope.owner_ids)}


# --- does RSVP predict wins? -----------------------------------------------------------------

def rsvp_win_rates(scope: InsightsScope) -> dict:
    deals = closed_deals(scope)
    moments = []
    for moment, moment_label in MOMENT_LABELS.items():
        scored = [d for d in deals if moment in d.scores]
        rows = []
        for dimension in ("overall", *DIMENSIONS):
            won, total = Counter(), Counter()
            for deal in scored:
                status = status_for(deal.scores[moment][dimension])
                total[status] += 1
                won[status] += deal.won
            rates = {status: stats.win_rate(won=won[status], total=total[status]) for status in STATUSES}
            rows.append({
                "dimension": dimension, "label": DIMENSION_LABELS[dimension], "rates": rates,
                "sentence": stats.rsvp_sentence(dimension=DIMENSION_LABELS[dimension] if dimension != "overall"
                                                else "overall", moment=moment_label, rates=rates),
            })
        moments.append({"moment": moment, "label": moment_label, "deals": len(scored), "rows": rows})
    return {
        "period": period(scope), "deals": len(deals), "won": sum(d.won for d in deals), "moments": moments,
        "validated_plan": _yes_no(deals, "validated_plan", "whose close plan the customer validated before signing",
                                  "without"),
        "economic_buyer": _yes_no(deals, "economic_buyer", "where we met the economic buyer", "without"),
    }


def _yes_no(deals, attribute: str, yes_label: str, no_label: str) -> dict:
    yes = [d for d in deals if getattr(d, attribute)]
    no = [d for d in deals if not getattr(d, attribute)]
    yes_rate = stats.win_rate(won=sum(d.won for d in yes), total=len(yes))
    no_rate = stats.win_rate(won=sum(d.won for d in no), total=len(no))
    return {"yes": yes_rate, "no": no_rate,
            "sentence": stats.comparison_sentence(yes_label=yes_label, no_label=no_label, yes=yes_rate, no=no_rate)}


# --- forecast accuracy -----------------------------------------------------------------------

def forecast_accuracy(scope: InsightsScope) -> dict:
    forecasts = weekly_forecasts(scope)
    won = won_by_quarter(scope)
    by_currency = Counter(f.currency for f in forecasts) + Counter(c for (_, _, c) in won)
    currency = max(sorted(by_currency), key=lambda c: by_currency[c]) if by_currency else "USD"
    this_quarter, _ = quarter_bounds(scope.as_of)
    names = scope.names

    team_weeks: dict[dt.date, dict[str, float]] = defaultdict(lambda: dict.fromkeys(FORECASTS, 0.0))
    rep_weeks: dict[int, dict[dt.date, dict[str, float]]] = defaultdict(dict)
    for row in forecasts:
        if row.currency != currency:
            continue
        for key in FORECASTS:
            team_weeks[row.week][key] += getattr(row, key)
        rep_weeks[row.owner_id][row.week] = {key: getattr(row, key) for key in FORECASTS}
    won_team: dict[dt.date, float] = defaultdict(float)
    won_rep: dict[tuple[dt.date, int], float] = defaultdict(float)
    for (quarter, owner, cur), amount in won.items():
        if cur == currency:
            won_team[quarter] += amount
            won_rep[(quarter, owner)] += amount

    weeks = []
    for week in sorted(team_weeks):
        quarter, _ = quarter_bounds(week)
        weeks.append({"week": week, "quarter": quarter, "finished": quarter < this_quarter,
                      **{key: round(team_weeks[week][key], 2) for key in FORECASTS},
                      "won": round(won_team.get(quarter, 0.0), 2)})
    finished = [w for w in weeks if w["finished"]]
    team_errors = {key: stats.mean_absolute_error_share((w[key], w["won"]) for w in finished) for key in FORECASTS}
    reps = []
    for owner_id in sorted(rep_weeks, key=lambda pk: names.get(pk, str(pk))):
        pairs = [(week, values) for week, values in sorted(rep_weeks[owner_id].items())
                 if quarter_bounds(week)[0] < this_quarter]
        errors = {key: stats.mean_absolute_error_share(
            (values[key], won_rep.get((quarter_bounds(week)[0], owner_id), 0.0)) for week, values in pairs)
            for key in FORECASTS}
        reps.append({"owner_id": owner_id, "name": names.get(owner_id, str(owner_id)), "weeks": len(pairs),
                     "errors": errors, "closest": stats.closest_forecast(errors)})
    others = sorted(c for c in by_currency if c != currency)
    return {
        "period": period(scope), "currency": currency, "other_currencies": others, "weeks": weeks,
        "finished_weeks": len(finished), "errors": team_errors, "closest": stats.closest_forecast(team_errors),
        "reps": reps, "sentence": stats.forecast_sentence(errors=team_errors, weeks=len(finished)),
    }


# --- slips -----------------------------------------------------------------------------------

def slips(scope: InsightsScope) -> dict:
    deals = closed_deals(scope)
    moves = close_date_moves(scope)
    names = scope.names
    days = {deal.id: stats.days_slipped(moves.get(deal.id, [])) for deal in deals}
    by_rep: dict[int, list[int]] = defaultdict(list)
    for deal in deals:
        by_rep[deal.owner_id].append(days[deal.id])
    team = stats.summarise_slips(days.values())
    reps = [{"owner_id": owner, "name": names.get(owner, str(owner)), "summary": stats.summarise_slips(values)}
            for owner, values in sorted(by_rep.items(), key=lambda item: names.get(item[0], str(item[0])))]
    slipped = sorted((d for d in deals if days[d.id] > 0), key=lambda d: (-days[d.id], d.id))[:MOST_SLIPPED]
    most = []
    for deal in slipped:
        deal_moves = moves.get(deal.id, [])
        first = next((old for old, _ in deal_moves if old is not None), None)
        most.append({"id": deal.id, "name": deal.name, "owner_id": deal.owner_id,
                     "owner": names.get(deal.owner_id, ""), "days": days[deal.id],
                     "later_moves": sum(1 for old, new in deal_moves if old and new and new > old),
                     "first_close_date": first, "closed_on": deal.closed_on, "won": deal.won,
                     "amount": deal.amount, "currency": deal.currency})
    return {"period": period(scope), "team": team, "reps": reps, "most_slipped": most,
            "sentence": stats.slip_sentence(team)}


# --- where deals are lost --------------------------------------------------------------------

def losses(scope: InsightsScope) -> dict:
    deals = closed_deals(scope)
    ordered = stages(scope)
    stage_names = {s.slug: s.name for s in ordered}
    lost = [d for d in deals if not d.won]

    by_stage = Counter(d.stage_slug for d in lost)
    reason_key = {}  # one spelling per reason, however reps typed it
    reasons: dict[str, Counter] = defaultdict(Counter)
    for deal in lost:
        text = " ".join(deal.lost_reason.split()) or "No reason given"
        key = text.casefold()
        reason_key.setdefault(key, text)
        reasons[key][deal.stage_slug] += 1
    reason_rows = sorted(({"reason": reason_key[key], "total": sum(c.values()),
                           "by_stage": {s.slug: c.get(s.slug, 0) for s in ordered}} for key, c in reasons.items()),
                         key=lambda row: (-row["total"], row["reason"]))
    top = reason_rows[:TOP_REASONS]
    if len(reason_rows) > TOP_REASONS:
        rest = reason_rows[TOP_REASONS:]
        top.append({"reason": "Other reasons", "total": sum(r["total"] for r in rest),
                    "by_stage": {s.slug: sum(r["by_stage"][s.slug] for r in rest) for s in ordered}})

    red_rows = []
    scored_at_loss = [d for d in lost if "at_close" in d.scores]
    for dimension in DIMENSIONS:
        red = [d for d in scored_at_loss if status_for(d.scores["at_close"][dimension]) == "red"]
        common = Counter(" ".join(d.lost_reason.split()) for d in red).most_common(1)
        red_rows.append({"dimension": dimension, "label": DIMENSION_LABELS[dimension], "lost": len(red),
                         "top_reason": common[0][0] if common else None})

    return {
        "period": period(scope), "lost": len(lost), "scored_at_loss": len(scored_at_loss),
        "by_stage": [{"stage": s.slug, "label": s.name, "lost": by_stage.get(s.slug, 0)} for s in ordered],
        "reasons": top, "red_dimensions": red_rows, "stage_entry": _stage_entry(scope, deals, ordered),
        "sentence": stats.losses_sentence(
            by_stage={stage_names.get(slug, slug): n for slug, n in by_stage.items()},
            top_reason=(top[0]["reason"], top[0]["total"]) if top else None, lost=len(lost)),
    }


def _stage_entry(scope: InsightsScope, deals, ordered) -> dict:
    """Win rate of the closed deals that reached each stage, and how long the
    won ones took from entering it to the close."""
    entries = stage_entries(scope)
    order_of = {s.slug: s.order for s in ordered}
    reached = {stage.slug: [0, 0] for stage in ordered}  # won, total
    won_days: dict[str, list[int]] = {stage.slug: [] for stage in ordered}
    for deal in deals:
        entered = entries.get(deal.id, {})
        final = order_of.get(deal.stage_slug, 0)
        for stage in ordered:
            # A deal now past a stage went through it, even when no change to it was recorded.
            if stage.order <= final or stage.slug in entered:
                reached[stage.slug][0] += deal.won
                reached[stage.slug][1] += 1
                if deal.won and stage.slug in entered:
                    won_days[stage.slug].append(max(0, (deal.closed_on - _day(entered[stage.slug])).days))
    rows = []
    for stage in ordered:
        days = won_days[stage.slug]
        rows.append({"stage": stage.slug, "label": stage.name,
                     "rate": stats.win_rate(won=reached[stage.slug][0], total=reached[stage.slug][1]),
                     "days_to_win": round(sum(days) / len(days), 1) if days else None})
    sentence = stats.stage_entry_sentence([(r["label"], r["rate"], r["days_to_win"]) for r in rows])
    return {"rows": rows, "sentence": sentence}


def _day(moment) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


# --- JSON ------------------------------------------------------------------------------------

def jsonable(value):
    """The sections as the API returns them: rates and slip summaries as
    dicts, dates as ISO strings, float amounts rounded to cents."""
    if isinstance(value, stats.Rate | stats.SlipSummary):
        return value.as_dict()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


SECTIONS = {
    "rsvp-win-rates": rsvp_win_rates,
    "forecast-accuracy": forecast_accuracy,
    "slips": slips,
    "losses": losses,
}
