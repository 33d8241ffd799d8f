"""Query filters of the API lists (django-filter). Every bad value is a 400
naming the parameter, never silently ignored."""

import django_filters

from deals.models import Activity, ForecastCategory, Opportunity
from sync.resources.base import IdFilter, UpdatedSinceFilterSet


class OpportunityFilterSet(UpdatedSinceFilterSet):
    owner = IdFilter(field_name="owner_id")
    account = IdFilter(field_name="account_id")
    stage = django_filters.CharFilter(field_name="stage__slug", max_length=40, label="Stage slug.")
    status = django_filters.ChoiceFilter(choices=Opportunity.Status.choices)
    forecast_category = django_filters.ChoiceFilter(choices=ForecastCategory.choices)

    class Meta:
        model = Opportunity
        fields = ["owner", "account", "stage", "status", "forecast_category", "updated_since", "external_id"]


class ActivityFilterSet(UpdatedSinceFilterSet):
    opportunity = IdFilter(field_name="opportunity_id")
    account = IdFilter(field_name="opportunity__account_id")
    owner = IdFilter(field_name="opportunity__owner_id")
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices)

    class Meta:
        model = Activity
        fields = ["opportunity", "account", "owner", "kind", "updated_since", "external_id"]
