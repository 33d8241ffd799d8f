"""Account pages: the list of visible accounts and one account's org chart and deals.

Thin views: every account comes from the permission-scoped selectors (404 for
another team's), writes go through `accounts.services`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dealcoach.forms import add_service_errors
from dealcoach.permissions import visible_owner_ids_q

from .forms import AccountSearchForm, StakeholderForm
from .models import Account, Stakeholder
from .selectors import account_get_for_user, accounts_visible_to, org_chart
from .services import stakeholder_create

PAGE_SIZE = 25


@dataclass
class OrgNode:
    person: Stakeholder
    children: list[OrgNode] = field(default_factory=list)


def org_tree(rows: list[tuple[Stakeholder, int]]) -> list[OrgNode]:
    """Nest `org_chart`'s (person, depth) rows, which come in depth-first order."""
    roots: list[OrgNode] = []
    path: list[OrgNode] = []
    for person, depth in rows:
        node = OrgNode(person)
        del path[depth:]
        (path[-1].children if path else roots).append(node)
        path.append(node)
    return roots


@login_required
@require_GET
def account_list(request):
    form = AccountSearchForm(request.GET)
    form.is_valid()
    term = (form.cleaned_data.get("q") or "").strip()
    visible_open = Q(opportunities__deleted_at__isnull=True, opportunities__status="open") & visible_owner_ids_q(
        request.user, owner_field="opportunities__owner"
    )
    accounts = accounts_visible_to(request.user).annotate(
        open_deals=Count("opportunities", filter=visible_open)
    ).order_by("name", "id")
    if term:
        accounts = accounts.filter(Q(name__icontains=term) | Q(domain__icontains=term))
    page = Paginator(accounts, PAGE_SIZE).get_page(form.cleaned_data.get("page"))
    return render(request, "accounts/list.html", {"page": page, "q": term})


def _detail_context(request, account: Account, stakeholder_form=None) -> dict:
    people = account.stakeholders.alive().order_by("name")
    return {
        "account": account,
        "org_tree": org_tree(org_chart(account)),
        # The account's deals the user may see (accounts sit below deals: no deals import).
        "deals": account.opportunities.alive().filter(visible_owner_ids_q(request.user))
        .select_related("stage", "owner").order_by("status", "expected_close_date", "id"),
        "stakeholder_form": stakeholder_form or StakeholderForm(people=people),
    }


@login_required
@require_GET
def detail(request, pk: int):
    account = account_get_for_user(user=request.user, account_id=pk)
    return render(request, "accounts/detail.html", _detail_context(request, account))


@login_required
@require_POST
def stakeholder_add(request, pk: int):
    account = account_get_for_user(user=request.user, account_id=pk)
    form = StakeholderForm(request.POST, people=account.stakeholders.alive().order_by("name"))
    if form.is_valid():
        try:
            stakeholder_create(actor=request.user, account=account, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return render(request, "accounts/_partials/org_chart.html", _detail_context(request, account))
            return redirect(reverse("accounts:detail", kwargs={"pk": pk}) + "#org-chart")
    context = _detail_context(request, account, stakeholder_form=form)
    if request.htmx:
        return render(request, "accounts/_partials/org_chart.html", context)
    return render(request, "accounts/detail.html", context, status=400)
