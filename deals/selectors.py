"""Reads of deals, always scoped to what the user may see."""

from django.db.models import QuerySet
from django.http import Http404

from dealcoach.permissions import visible_owner_ids_q

from .models import Activity, Opportunity, OpportunityFieldChange, Stage


def opportunities_visible_to(user) -> QuerySet[Opportunity]:
    return Opportunity.objects.alive().filter(visible_owner_ids_q(user))


def opportunity_get_for_user(*, user, opportunity_id, for_update: bool = False) -> Opportunity:
    """The deal, if `user` may see it; Http404 otherwise (never 403: we don't
    confirm that another team's deal exists)."""
    qs = opportunities_visible_to(user).select_related("account", "owner", "stage")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=opportunity_id)
    except (Opportunity.DoesNotExist, ValueError, TypeError):
        raise Http404("No such deal.") from None


def activities_visible_to(user) -> QuerySet[Activity]:
    return Activity.objects.alive().filter(opportunity__deleted_at__isnull=True).filter(
        visible_owner_ids_q(user, owner_field="opportunity__owner")
    )


def stages_in_order() -> list[Stage]:
    return list(Stage.objects.order_by("order"))


def close_date_slips(opportunity: Opportunity) -> list[OpportunityFieldChange]:
    """Changes that moved the expected close date later."""
    slips = []
    for change in opportunity.field_changes.filter(field="expected_close_date").order_by("changed_at"):
        if change.old_value and change.new_value and change.new_value > change.old_value:
            slips.append(change)
    return slips
