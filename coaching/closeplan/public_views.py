"""The buyer's page: /share/plan/<token>/, opened without an account.

Shows the plan — milestones, owners, dates, the go-live and why it matters —
never amounts, notes, scores or other deals; the buyer confirms it with their
name. Rate-limited per client address through the cache."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dealcoach.forms import add_service_errors
from dealcoach.security import client_ip

from . import services
from .exports import ics_response
from .forms import BuyerConfirmForm
from .selectors import plan_detail, plan_get_for_opportunity, share_link_from_token, share_link_token
from .timeline import timeline_for

PUBLIC_RATE_LIMIT = 60  # requests per address per minute on the buyer's page
PUBLIC_CONFIRM_LIMIT = 10  # confirmations per address per minute


def _rate_limited(request, bucket: str, limit: int) -> bool:
    """A fixed one-minute window per IP, counted in the cache."""
    window = int(timezone.now().timestamp() // 60)
    key = f"closeplan:share:{bucket}:{client_ip(request) or 'unknown'}:{window}"
    if cache.add(key, 1, timeout=70):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=70)
        return False
    return count > limit


def _too_many_requests() -> HttpResponse:
    response = HttpResponse(
        "Too many requests from your address. Wait a minute and try again.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "60"
    return response


def _public_context(link, plan, *, form=None, confirmed: bool = False, changed_message: str = "") -> dict:
    opportunity = plan.opportunity
    detail = plan_detail(plan, timezone.localdate())
    return {
        "link": link,
        "link_token": share_link_token(link),
        "plan": plan,
        "account_name": opportunity.account.name,
        "prepared_by": (opportunity.owner.get_full_name() or opportunity.owner.username),
        "detail": detail,
        "timeline": timeline_for(detail),
        "form": form or BuyerConfirmForm(initial={"version": plan.version}),
        "confirmed": confirmed,
        "changed_message": changed_message,
        "today": detail.as_of,
    }


def _public_response(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = (
        "same-origin"  # the token never leaves in a Referer; our own POST keeps its Origin
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def public_plan(request, token: str):
    if _rate_limited(request, "view", PUBLIC_RATE_LIMIT) or (
        request.method == "POST" and _rate_limited(request, "confirm", PUBLIC_CONFIRM_LIMIT)
    ):
        return _too_many_requests()
    link = share_link_from_token(token)
    if link is None:
        return _public_response(
            request, "closeplan/public_unavailable.html", {"reason": "This link is not valid."}, status=404
        )
    try:
        services.share_link_check_usable(link)
    except services.ShareLinkUnusable as unusable:
        return _public_response(
            request, "closeplan/public_unavailable.html", {"reason": str(unusable)}, status=410
        )
    plan = plan_get_for_opportunity(opportunity_id=link.plan.opportunity_id)
    if request.method == "GET":
        services.share_link_mark_opened(link=link)
        return _public_response(request, "closeplan/public_plan.html", _public_context(link, plan))
    form = BuyerConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.plan_validate_by_buyer(
                link=link, name=form.cleaned_data["name"], seen_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except services.PlanChangedWhileReviewing as changed:
            # Show the current plan, keep the name typed, ask to confirm again.
            fresh = BuyerConfirmForm(initial={"version": plan.version, "name": form.cleaned_data["name"]})
            context = _public_context(link, plan, form=fresh, changed_message=str(changed))
            return _public_response(request, "closeplan/public_plan.html", context, status=409)
        except services.ShareLinkUnusable as unusable:
            return _public_response(
                request, "closeplan/public_unavailable.html", {"reason": str(unusable)}, status=410
            )
        else:
            plan = plan_get_for_opportunity(opportunity_id=plan.opportunity_id)
            context = _public_context(link, plan, confirmed=True)
            return _public_response(request, "closeplan/public_plan.html", context)
    context = _public_context(link, plan, form=form)
    return _public_response(request, "closeplan/public_plan.html", context, status=400)


@require_GET
def public_plan_ics(request, token: str):
    if _rate_limited(request, "view", PUBLIC_RATE_LIMIT):
        return _too_many_requests()
    link = share_link_from_token(token)
    if link is None:
        raise Http404("This link is not valid.")
    try:
        services.share_link_check_usable(link)
    except services.ShareLinkUnusable as unusable:
        return HttpResponse(str(unusable), status=410, content_type="text/plain; charset=utf-8")
    plan = plan_get_for_opportunity(opportunity_id=link.plan.opportunity_id)
    detail = plan_detail(plan, timezone.localdate())
    return ics_response(detail, "close-plan", title=f"Close plan: {plan.opportunity.account.name}")
