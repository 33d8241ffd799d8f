"""What coaching sessions add to the deal pages (see deals/panels.py)."""

from django.utils import timezone

from deals import panels

from .selectors import open_commitments_for, open_commitments_on


def deal_panel_context(*, request, opportunity, as_of):
    sessions = list(opportunity.coaching_sessions.order_by("-opened_at")[:6])
    return {
        "open_session": next((s for s in sessions if s.status == "open"), None),
        "past_sessions": [s for s in sessions if s.status == "closed"],
        "deal_commitments": open_commitments_on(opportunity=opportunity),
        "today": as_of,
    }


def desk_context(*, request):
    commitments = open_commitments_for(user=request.user)
    if not commitments:
        return None
    return {"my_commitments": commitments, "today": timezone.localdate()}


def register() -> None:
    panels.register_page_panel(panels.DealPagePanel(
        key="coaching_sessions", title="Coaching sessions", order=25,
        template="coaching_sessions/_partials/deal_panel.html", context=deal_panel_context,
    ))
    panels.register_desk_panel(panels.DeskPanel(
        key="commitments", title="My open coaching commitments", order=10,
        template="coaching_sessions/_partials/desk_commitments.html", context=desk_context,
    ))
