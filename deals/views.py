"""The rep's desk: My deals, quick add and the deal page.

Thin views: parse with a form, fetch with permission (404 for anything the
user may not see), call one service, render. htmx requests get the fragment;
after a successful write the response carries `HX-Trigger: dealChanged` so the
other sections of the deal page (and the coaching panels) refresh themselves.
Coaching content comes in through `deals.panels`, never by importing coaching."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import accounts_visible_to
from dealcoach.audit.selectors import audit_events_for_opportunity

from . import desk, panels
from .desk_services import deal_quick_add, deal_role_add
from .forms import (
    ActivityQuickLogForm,
    DealListQuery,
    DealRoleEditForm,
    DealRoleForm,
    OpportunityEditForm,
    QuickAddForm,
    add_service_errors,
)
from .selectors import close_date_slips, opportunity_get_for_user, stages_in_order
from .services import activity_log, deal_role_remove, deal_role_set, opportunity_update

DEAL_CHANGED = "dealChanged"


# The activity form's "Who took part" listens for this one, so a person just put on the map can be ticked.
POLITICAL_MAP_CHANGED = "politicalMapChanged"


def _changed(response: HttpResponse, *also: str) -> HttpResponse:
    response["HX-Trigger"] = ", ".join((DEAL_CHANGED, *also))
    return response


def _status(request, ok: bool) -> int:
    # htmx swaps only 2xx responses by default, so a form with errors comes back as 200 there.
    return 200 if ok or request.htmx else 400


# --- My deals ---------------------------------------------------------------------

@login_required
@require_GET
def my_deals(request):
    stages = stages_in_order()
    owners = desk.owners_visible_to(request.user)
    extra_filters = panels.list_filters()
    query_form = DealListQuery(
        request.GET, stages=stages, owners=owners, extra_filters=extra_filters, extra_sorts=panels.list_sorts()
    )
    query = query_form.values()
    page = desk.paginate(
        desk.deal_list_queryset(user=request.user, query=query, extra_filters=extra_filters), query.get("page")
    )
    deals = list(page.object_list)
    context = {
        "query_form": query_form,
        "query": query,
        "page": page,
        "deals": deals,
        "columns": panels.list_columns_for(user=request.user, opportunities=deals, as_of=timezone.localdate()),
        "desk_panels": panels.desk_panels_for(request=request),
        "has_any_deal": bool(deals) or desk.has_any_deal(request.user),
        "today": timezone.localdate(),
    }
    if request.htmx and request.htmx.target == "deal-list":
        return render(request, "deals/_partials/deal_table.html", context)
    return render(request, "deals/my_deals.html", context)


# --- Quick add --------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def quick_add(request):
    form = QuickAddForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = deal_quick_add(actor=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Straight to the new deal's first action, logging what happened: the browser focuses
            # the fragment's field itself (a script could not, the fragment navigation runs after it).
            return redirect(reverse("deals:detail", kwargs={"pk": opportunity.pk}) + "#id_kind")
    context = {
        "form": form,
        "accounts": accounts_visible_to(request.user).order_by("name").values_list("name", flat=True)[:1000],
    }
    return render(request, "deals/quick_add.html", context, status=_status(request, not form.errors))


@login_required
@require_GET
def stakeholder_options(request):
    """The datalist of people at the account named in quick add (htmx)."""
    name = (request.GET.get("account_name") or "").strip()
    account = accounts_visible_to(request.user).filter(name__iexact=name).first() if name else None
    people = account.stakeholders.alive().order_by("name") if account else []
    return render(request, "deals/_partials/stakeholder_options.html", {"people": people})


# --- The deal page ----------------------------------------------------------------

SECTIONS = ("overview", "map", "timeline", "history")


def _section_context(request, opportunity, name: str) -> dict:
    today = timezone.localdate()
    if name == "overview":
        return {
            "anchors": desk.anchors_for(opportunity),
            "slip_count": len(close_date_slips(opportunity)),
            "today": today,
        }
    if name == "map":
        return {
            "political_map": desk.political_map_for(opportunity, today=today),
            "role_form": DealRoleForm(people=desk.people_at_account(opportunity)),
        }
    if name == "timeline":
        return {
            "activities": desk.timeline_for(opportunity),
            "log_form": ActivityQuickLogForm(people=desk.people_at_account(opportunity), initial={"occurred_on": today}),
        }
    if name == "history":
        history = desk.deal_history(opportunity, stages_in_order())
        return {"history": history, "slip_count": sum(1 for h in history if h.kind == "slip")}
    raise Http404("No such section.")


def _render_section(request, opportunity, name: str, extra: dict | None = None, status: int = 200):
    context = {"opportunity": opportunity, **_section_context(request, opportunity, name), **(extra or {})}
    return render(request, f"deals/_partials/{name}.html", context, status=status)


def _section_saved(request, opportunity, name: str, anchor: str, extra: dict | None = None):
    """After a write: the refreshed section for htmx (announcing the change), else back to the deal page.
    `extra` may name the saved item (e.g. `saved_role_id`), which the section marks for the focus."""
    if request.htmx:
        response = _render_section(request, opportunity, name, extra)
        return _changed(response, *([POLITICAL_MAP_CHANGED] if name == "map" else []))
    return redirect(reverse("deals:detail", kwargs={"pk": opportunity.pk}) + anchor)


def _section_invalid(request, opportunity, name: str, overrides: dict):
    """A form with errors: in its section for htmx, else on the whole deal page."""
    if request.htmx:
        return _render_section(request, opportunity, name, overrides)
    return _detail_with(request, opportunity, overrides)


def _panel(request, opportunity, key: str) -> panels.RenderedPanel:
    for panel in panels.page_panels_for(request=request, opportunity=opportunity, as_of=timezone.localdate()):
        if panel.key == key:
            return panel
    raise Http404("No such panel.")


def _page_context(request, opportunity) -> dict:
    """Every section of the deal page and its coaching panels."""
    context = {"opportunity": opportunity, "today": timezone.localdate()}
    for name in SECTIONS:
        context.update(_section_context(request, opportunity, name))
    context["panels"] = panels.page_panels_for(request=request, opportunity=opportunity, as_of=context["today"])
    return context


@login_required
@require_GET
def detail(request, pk: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=pk)
    context = _page_context(request, opportunity)
    context["audit_events"] = audit_events_for_opportunity(opportunity.id, limit=30)
    return render(request, "deals/detail.html", context)


@login_required
@require_GET
def section(request, pk: int, name: str):
    """One section of the deal page, for htmx refreshes after a change elsewhere."""
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=pk)
    if name.startswith("panel-"):
        panel = _panel(request, opportunity, name.removeprefix("panel-"))
        return render(request, "deals/_partials/panel.html", {"opportunity": opportunity, "panel": panel})
    if name.startswith("headline-"):
        panel = _panel(request, opportunity, name.removeprefix("headline-"))
        if not panel.headline:
            raise Http404("This panel has no headline.")
        return render(request, "deals/_partials/headline.html", {"opportunity": opportunity, "panel": panel})
    if name not in SECTIONS:
        raise Http404("No such section.")
    return _render_section(request, opportunity, name)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=pk)
    if request.method == "GET":
        form = OpportunityEditForm(initial=OpportunityEditForm.initial_for(opportunity))
        return _edit_response(request, opportunity, form)
    form = OpportunityEditForm(request.POST, stored=opportunity)
    if form.is_valid():
        # Re-fetch for update: the service validates and saves under the row lock.
        try:
            with transaction.atomic():
                locked = opportunity_get_for_user(user=request.user, opportunity_id=pk, for_update=True)
                opportunity = opportunity_update(actor=request.user, opportunity=locked, data=form.changes(locked))
        except ValidationError as error:
            add_service_errors(form, error)
            opportunity = opportunity_get_for_user(user=request.user, opportunity_id=pk)
        else:
            if request.htmx:
                return _changed(_render_section(request, opportunity, "overview"))
            return redirect("deals:detail", pk=pk)
    return _edit_response(request, opportunity, form, status=_status(request, False))


def _edit_response(request, opportunity, form, status: int = 200):
    context = {"opportunity": opportunity, "form": form}
    template = "deals/_partials/overview_form.html" if request.htmx else "deals/edit.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def log_activity(request, pk: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=pk)
    people = desk.people_at_account(opportunity)
    form = ActivityQuickLogForm(request.POST, people=people)
    if form.is_valid():
        try:
            activity_log(
                actor=request.user, opportunity=opportunity, kind=form.cleaned_data["kind"],
                summary=form.cleaned_data["summary"], stakeholders=form.cleaned_data["stakeholders"],
                occurred_at=_when(form.cleaned_data.get("occurred_on")),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _section_saved(request, opportunity, "timeline", "#timeline")
    return _section_invalid(request, opportunity, "timeline", {"log_form": form})


def _when(day: dt.date | None) -> dt.datetime | None:
    """Today's activities are stamped now; an earlier day at noon, local time."""
    if day is None or day == timezone.localdate():
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def _detail_with(request, opportunity, overrides: dict):
    """The whole deal page with a form that has errors in place of the blank one."""
    context = {**_page_context(request, opportunity), **overrides}
    return render(request, "deals/detail.html", context, status=400)


@login_required
@require_POST
def role_add(request, pk: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=pk)
    form = DealRoleForm(request.POST, people=desk.people_at_account(opportunity))
    if form.is_valid():
        try:
            deal_role = deal_role_add(actor=request.user, opportunity=opportunity, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _section_saved(request, opportunity, "map", "#political-map", {"saved_role_id": deal_role.pk})
    return _section_invalid(request, opportunity, "map", {"role_form": form, "role_form_open": True})


@login_required
@require_http_methods(["GET", "POST"])
def role_edit(request, pk: int, role_id: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=pk)
    deal_role = desk.deal_role_get(opportunity=opportunity, role_id=role_id)
    if request.method == "GET":
        form = DealRoleEditForm(initial={
            "stance": deal_role.stance, "influence": deal_role.influence,
            "strength": deal_role.strength, "leans_to_competitor": deal_role.leans_to_competitor,
        })
    else:
        form = DealRoleEditForm(request.POST)
        if form.is_valid():
            try:
                deal_role_set(
                    actor=request.user, opportunity=opportunity, stakeholder=deal_role.stakeholder,
                    role=deal_role.role, **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _section_saved(request, opportunity, "map", "#political-map", {"saved_role_id": deal_role.pk})
    template = "deals/_partials/role_edit_form.html" if request.htmx else "deals/role_edit.html"
    context = {"opportunity": opportunity, "deal_role": deal_role, "form": form}
    return render(request, template, context, status=_status(request, not form.errors))


@login_required
@require_POST
def role_remove(request, pk: int, role_id: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=pk)
    deal_role_remove(actor=request.user, deal_role=desk.deal_role_get(opportunity=opportunity, role_id=role_id))
    return _section_saved(request, opportunity, "map", "#political-map")
