"""The Insights page and its CSV export: parse, fetch within the viewer's
scope, render. The numbers come from `sections`, as in the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from coaching.review.charts import RAG_COLOURS

from . import charts
from .export import insights_csv_rows
from .scope import InsightsScope, insights_scope_for
from .sections import FORECAST_NAMES, SECTIONS, losses

YES, NO = charts.YES_NO_COLOURS["yes"], charts.YES_NO_COLOURS["no"]


def _telling_row(rows: list[dict]) -> dict:
    """The dimension whose green and red deals differ most (both with a rate); else the overall row."""
    rated = [r for r in rows if r["rates"]["green"].rate is not None and r["rates"]["red"].rate is not None]
    if rated:
        return max(rated, key=lambda r: r["rates"]["green"].rate - r["rates"]["red"].rate)
    return rows[0]


def page_context(scope: InsightsScope) -> dict:
    rsvp, forecast, slips = (SECTIONS[key](scope) for key in ("rsvp-win-rates", "forecast-accuracy", "slips"))
    lost = losses(scope)
    for moment in rsvp["moments"]:
        moment["chart"] = charts.rate_chart(charts.status_groups(moment["rows"]),
                                            title=f"Win rate by RSVP status {moment['label']}",
                                            chart_id=f"chart-rsvp-{moment['moment']}")
        moment["sentence"] = _telling_row(moment["rows"])["sentence"]
    rsvp["evidence_chart"] = charts.rate_chart(
        [("Validated plan", [("Yes", YES, rsvp["validated_plan"]["yes"]), ("No", NO, rsvp["validated_plan"]["no"])]),
         ("Economic buyer", [("Yes", YES, rsvp["economic_buyer"]["yes"]), ("No", NO, rsvp["economic_buyer"]["no"])])],
        title="Win rate with and without a validated close plan and the economic buyer", chart_id="chart-rsvp-evidence")
    labels = {**FORECAST_NAMES, "won": "Closed won"}
    forecast["chart"] = charts.forecast_chart(forecast["weeks"], currency=forecast["currency"], labels=labels)
    forecast["methods"] = [(key, FORECAST_NAMES[key], forecast["errors"][key]) for key in FORECAST_NAMES]
    slips["chart"] = charts.rate_chart(
        [(rep["name"], [("Slipped", "#b45309", rep["summary"].share)]) for rep in slips["reps"]]
        + [("Team", [("Slipped", "#b45309", slips["team"].share)])],
        title="Share of closed deals whose close date moved later", chart_id="chart-slips-share")
    lost["stage_chart"] = charts.count_chart([(row["label"], row["lost"]) for row in lost["by_stage"]],
                                             title="Deals lost, by the stage they were lost in", chart_id="chart-lost-stage")
    lost["red_chart"] = charts.count_chart(
        [(row["label"], row["lost"]) for row in lost["red_dimensions"]], colour=RAG_COLOURS["red"],
        title="Lost deals red on each RSVP dimension at the loss", chart_id="chart-lost-red")
    lost["entry_chart"] = charts.rate_chart(
        [(row["label"], [("Won", YES, row["rate"])]) for row in lost["stage_entry"]["rows"]],
        title="Win rate of the deals that reached each stage", chart_id="chart-stage-entry")
    return {"scope": scope, "rsvp": rsvp, "forecast": forecast, "slips": slips, "losses": lost}


@login_required
@require_GET
def insights(request):
    as_of = timezone.localdate()
    try:
        scope = insights_scope_for(user=request.user, params=request.GET, as_of=as_of)
        errors = {}
    except ValidationError as error:
        # Show the default figures, and the filter form with what was wrong next to each field.
        scope = insights_scope_for(user=request.user, params={}, as_of=as_of)
        errors = error.message_dict
        scope.form = type(scope.form)(request.GET, teams=scope.teams, reps=scope.form.reps,
                                      default_start=scope.start, default_end=scope.end)
        scope.form.is_valid()
    context = page_context(scope)
    context["errors"] = errors
    return render(request, "insights/insights.html", context, status=400 if errors else 200)


@login_required
@require_GET
def export_csv(request):
    """Every Insights figure of the page's filters as CSV, streamed."""
    try:
        scope = insights_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    except ValidationError as error:
        reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
        return HttpResponseBadRequest(reasons, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(insights_csv_rows(scope), content_type="text/csv; charset=utf-8")
    filename = f"insights-{slugify(scope.title)}-{scope.start.isoformat()}-{scope.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
