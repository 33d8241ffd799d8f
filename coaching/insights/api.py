"""REST API for Insights: /api/v1/insights/<section>/?team=&rep=&from=&to=

The same numbers as the page: both call `sections` within the same scope
(a rep gets their own figures, a manager their teams', an admin everyone's).
A filter outside what the caller may see, or a bad period, is a 400 naming
the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .scope import insights_scope_for
from .sections import SECTIONS, jsonable

PARAMETERS = [
    OpenApiParameter("team", OpenApiTypes.INT, description="A team you manage (admins: any team). Default: all of them."),
    OpenApiParameter("rep", OpenApiTypes.INT, description="One rep whose deals you may see. Default: everyone in scope."),
    OpenApiParameter("from", OpenApiTypes.DATE,
                     description="First day of the period (default: the start of the quarter three quarters ago)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of the period (default: today)."),
]

FILTERS = ("team", "rep", "from", "to")

RATE = inline_serializer("InsightsRate", {
    "hits": serializers.IntegerField(help_text="Deals won (or slipped)."),
    "total": serializers.IntegerField(help_text="Deals counted."),
    "rate": serializers.FloatField(allow_null=True, help_text="hits / total; null below 10 deals."),
    "low": serializers.FloatField(allow_null=True, help_text="Lower end of the 95% Wilson interval."),
    "high": serializers.FloatField(allow_null=True, help_text="Upper end of the 95% Wilson interval."),
})
PERIOD = inline_serializer("InsightsPeriod", {
    "from": serializers.DateField(), "to": serializers.DateField(),
    "team": serializers.IntegerField(allow_null=True), "rep": serializers.IntegerField(allow_null=True),
    "owners": serializers.IntegerField(help_text="How many people's deals are counted."),
})
ERROR = inline_serializer("InsightsError", {
    "detail": serializers.CharField(),
    "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
})

RESPONSES = {
    "rsvp-win-rates": inline_serializer("InsightsRsvpWinRates", {
        "period": PERIOD, "deals": serializers.IntegerField(help_text="Deals won or lost in the period."),
        "won": serializers.IntegerField(),
        "moments": serializers.ListField(child=serializers.DictField(), help_text=(
            "At Propose entry and 4 weeks before close: for `overall` and each dimension, "
            "`rates` by status (green, amber, red) and a plain `sentence`.")),
        "validated_plan": serializers.DictField(help_text="`yes` / `no` rates and a `sentence`."),
        "economic_buyer": serializers.DictField(help_text="`yes` / `no` rates and a `sentence`."),
    }),
    "forecast-accuracy": inline_serializer("InsightsForecastAccuracy", {
        "period": PERIOD, "currency": serializers.CharField(),
        "other_currencies": serializers.ListField(child=serializers.CharField(),
                                                  help_text="Left out: not converted into `currency`."),
        "weeks": serializers.ListField(child=serializers.DictField(), help_text=(
            "Per week: commit, best_case (Commit + Best Case), weighted, propensity, won (in that quarter), "
            "finished (the quarter is over).")),
        "finished_weeks": serializers.IntegerField(),
        "errors": serializers.DictField(child=serializers.FloatField(allow_null=True),
                                        help_text="Mean |forecast − won| / won per forecast, over finished weeks."),
        "closest": serializers.CharField(allow_null=True), "reps": serializers.ListField(child=serializers.DictField()),
        "sentence": serializers.CharField(),
    }),
    "slips": inline_serializer("InsightsSlips", {
        "period": PERIOD, "team": serializers.DictField(help_text="deals, slipped, days_slipped, share, average_days."),
        "reps": serializers.ListField(child=serializers.DictField()),
        "most_slipped": serializers.ListField(child=serializers.DictField()), "sentence": serializers.CharField(),
    }),
    "losses": inline_serializer("InsightsLosses", {
        "period": PERIOD, "lost": serializers.IntegerField(), "scored_at_loss": serializers.IntegerField(),
        "by_stage": serializers.ListField(child=serializers.DictField()),
        "reasons": serializers.ListField(child=serializers.DictField()),
        "red_dimensions": serializers.ListField(child=serializers.DictField()),
        "stage_entry": serializers.DictField(help_text="`rows` (stage, rate, days_to_win) and a `sentence`."),
        "sentence": serializers.CharField(),
    }),
}
SUMMARIES = {
    "rsvp-win-rates": "Win rate by RSVP status at Propose entry and 4 weeks before close",
    "forecast-accuracy": "Weekly Commit, Best Case, stage-weighted and decay-adjusted forecasts against what closed",
    "slips": "How often and how far close dates moved later",
    "losses": "Where deals are lost: by stage, reason and red RSVP dimension; win rate by stage reached",
}

SCOPE = (
    " Scope: your own deals as a rep, your teams' as a manager, everyone's as an admin; `team` and `rep` narrow "
    "it, never widen it (a value outside it answers 400 naming the field). The period defaults to the current "
    "quarter to date and the three before it. The same figures as the Insights page; not paginated."
)
DESCRIPTIONS = {
    "rsvp-win-rates": (
        "Does the coaching predict wins? Of the deals won or lost in the period, the win rate by RSVP status "
        "(green, amber, red; overall and per dimension) when the deal entered Propose and 4 weeks before its "
        "close date, and with and without a customer-validated close plan and an engaged economic buyer. "
        "Rates carry a 95% Wilson interval and are null below 10 deals; each part has a plain `sentence`."
    ),
    "forecast-accuracy": (
        "For each weekly pipeline snapshot in the period, the Commit, Best Case, stage-weighted and "
        "decay-adjusted forecasts of the deals due in that quarter against what was won, the mean error of "
        "each over finished weeks, which one came closest, and the same per rep. Amounts are in `currency`; "
        "deals in currencies without a rate are left out and listed in `other_currencies`."
    ),
    "slips": (
        "Of the deals closed in the period, how many had their close date moved later at least once and by "
        "how many days in all, for the team and per rep, with the deals that slipped most."
    ),
    "losses": (
        "The deals lost in the period by the stage they were lost in, by reason (spelling and case folded "
        "together) and by the RSVP dimension that was red at the loss, and the win rate and days to win of "
        "deals by the stage they reached."
    ),
}


def _section_view(section: str) -> type[APIView]:
    build = SECTIONS[section]

    class InsightsSectionAPI(APIView):
        @extend_schema(
            operation_id=f"insights_{section.replace('-', '_')}_retrieve", tags=["insights"],
            summary=SUMMARIES[section], description=DESCRIPTIONS[section] + SCOPE,
            parameters=PARAMETERS,
            responses={200: RESPONSES[section], 400: OpenApiResponse(ERROR, description="A filter you may not use.")},
        )
        def get(self, request):
            # The page's form sends blanks for "no filter"; an API caller sending one made a mistake.
            blank = {name: ["Give a value, or leave the parameter out."]
                     for name in FILTERS if name in request.query_params and not request.query_params[name].strip()}
            if blank:
                raise ValidationError(blank)
            scope = insights_scope_for(user=request.user, params=request.query_params, as_of=timezone.localdate())
            return Response(jsonable(build(scope)))

    InsightsSectionAPI.__name__ = InsightsSectionAPI.__qualname__ = (
        "Insights" + "".join(part.capitalize() for part in section.split("-")) + "API")
    return InsightsSectionAPI


SECTION_VIEWS = {section: _section_view(section) for section in SECTIONS}
