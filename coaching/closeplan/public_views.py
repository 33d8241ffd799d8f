"""The buyer's pages: /share/plan/<token>/..., opened without an account.

Opening a link asks for the buyer's work email and a one-time code sent to it
(see `buyer_services`); the session then holds which proven address it is, per
link. Only then is the plan shown — milestones, owners, dates, the go-live and
why it matters, the buyer's thread with the rep — never amounts, notes, scores,
other deals or other people's emails — with what the buyer can do on it.

Every POST is CSRF-protected (Django's middleware) and rate-limited per client
address, per link and per proven address, through the cache."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Stakeholder
from dealcoach.forms import add_service_errors
from dealcoach.security import client_ip

from . import buyer_services, services
from .exports import ics_response
from .forms import (
    BuyerCodeForm,
    BuyerCommentForm,
    BuyerConfirmForm,
    BuyerDoneForm,
    BuyerEmailForm,
    BuyerOwnerForm,
    BuyerProposalForm,
)
from .schedule import GO_LIVE_KEY
from .selectors import (
    buyer_access_get,
    plan_detail,
    plan_get_for_opportunity,
    plan_thread,
    share_link_from_token,
)
from .timeline import timeline_for

PUBLIC_RATE_LIMIT = 60  # requests per client address per minute on the buyer's pages
PUBLIC_ACTION_LIMIT = 10  # buyer actions (codes asked, codes tried, comments, ...) per client address per minute
LINK_ACTION_LIMIT = 30  # buyer actions per link per minute, whoever sends them
ADDRESS_ACTION_LIMIT = 10  # per email address (proven or claimed) per minute
SESSION_KEY = "closeplan_buyer:{link_id}"


def _rate_limited(subject: str, limit: int) -> bool:
    """A fixed one-minute window per subject, counted in the cache."""
    window = int(timezone.now().timestamp() // 60)
    key = f"closeplan:share:{subject}:{window}"
    if cache.add(key, 1, timeout=70):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=70)
        return False
    return count > limit


def _action_limited(request, link, email: str = "") -> bool:
    checks = [
        (f"action:ip:{client_ip(request) or 'unknown'}", PUBLIC_ACTION_LIMIT),
        (f"action:link:{link.pk}", LINK_ACTION_LIMIT),
    ]
    if email:
        checks.append((f"action:address:{link.pk}:{buyer_services.normalize_email(email)}", ADDRESS_ACTION_LIMIT))
    return any([_rate_limited(subject, limit) for subject, limit in checks])  # count every bucket


def _too_many_requests() -> HttpResponse:
    response = HttpResponse(
        "Too many requests. Wait a minute and try again.", status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = "60"
    return response


def _public_response(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token never leaves in a Referer; our own POSTs keep their Origin.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _unavailable(request, reason: str, status: int) -> HttpResponse:
    return _public_response(request, "closeplan/public_unavailable.html", {"reason": reason}, status=status)


def _usable_link(request, token: str):
    """(link, None) for a working link, else (None, the response that says why)."""
    if _rate_limited(f"view:{client_ip(request) or 'unknown'}", PUBLIC_RATE_LIMIT):
        return None, _too_many_requests()
    link = share_link_from_token(token)
    if link is None:
        return None, _unavailable(request, "This link is not valid.", 404)
    try:
        services.share_link_check_usable(link)
    except services.ShareLinkUnusable as unusable:
        return None, _unavailable(request, str(unusable), 410)
    return link, None


def _session_access(request, link):
    return buyer_access_get(link=link, access_id=request.session.get(SESSION_KEY.format(link_id=link.pk)))


def _auto_id(kind: str, key: str) -> str:
    """Unique ids for the many small forms of one page (labels stay tied to their inputs)."""
    return f"id_{kind}_{key or 'plan'}_%s"


def _plan_url(token: str) -> str:
    return reverse("closeplan:public", args=[token])


# --- proving the address ----------------------------------------------------------------


def _identify_page(request, token, *, email_form=None, code_form=None, error: str = "", status: int = 200):
    context = {
        "token": token, "email_form": email_form or BuyerEmailForm(), "code_form": code_form, "error": error,
        "code_minutes": buyer_services.CODE_MINUTES,
    }
    return _public_response(request, "closeplan/public_identify.html", context, status=status)


@require_POST
def public_identify(request, token: str):
    """Ask for a code. The same answer whether or not the address may open the plan."""
    link, refused = _usable_link(request, token)
    if refused:
        return refused
    form = BuyerEmailForm(request.POST)
    if not form.is_valid():
        return _identify_page(request, token, email_form=form, status=400)
    email = form.cleaned_data["email"]
    if _action_limited(request, link, email):
        return _too_many_requests()
    try:
        buyer_services.buyer_request_code(link=link, email=email)
    except buyer_services.CodeRequestedTooOften as too_often:
        code_form = BuyerCodeForm(initial={"email": email})
        return _identify_page(request, token, code_form=code_form, error=str(too_often), status=429)
    return _identify_page(request, token, code_form=BuyerCodeForm(initial={"email": email}))


@require_POST
def public_verify(request, token: str):
    link, refused = _usable_link(request, token)
    if refused:
        return refused
    form = BuyerCodeForm(request.POST)
    if not form.is_valid():
        return _identify_page(request, token, code_form=form, status=400)
    email = form.cleaned_data["email"]
    if _action_limited(request, link, email):
        return _too_many_requests()
    try:
        access = buyer_services.buyer_verify_code(link=link, email=email, code=form.cleaned_data["code"])
    except buyer_services.AddressLocked as locked:
        return _identify_page(request, token, error=str(locked), status=403)
    except buyer_services.CodeRefused as wrong:
        form.add_error("code", str(wrong))
        return _identify_page(request, token, code_form=form, status=400)
    request.session.cycle_key()  # a fresh session id once the address is proven
    request.session[SESSION_KEY.format(link_id=link.pk)] = access.pk
    services.share_link_mark_opened(link=link)
    return redirect(_plan_url(token))


# --- the plan, once proven ------------------------------------------------------------------


def _plan_context(request, link, access, token: str, bound: dict | None = None, *, changed_message: str = ""):
    plan = plan_get_for_opportunity(opportunity_id=link.plan.opportunity_id)
    detail = plan_detail(plan, timezone.localdate())
    thread = plan_thread(plan)
    people = list(
        Stakeholder.objects.alive().filter(account_id=plan.opportunity.account_id).only("pk", "name", "account_id")
    )
    bound = bound or {}
    comments_by_key: dict[str, list] = {}
    for comment in thread.comments:
        comments_by_key.setdefault(comment.milestone_key, []).append(comment)
    proposals_by_key: dict[str, list] = {}
    for proposal in thread.proposals:
        proposals_by_key.setdefault(proposal.milestone_key, []).append(proposal)

    def form(kind, form_class, key, **kwargs):
        if bound.get("kind") == kind and bound.get("key") == key:
            return bound["form"]
        return form_class(initial={"milestone_key": key}, auto_id=_auto_id(kind, key), **kwargs)

    rows = []
    for row in detail.milestones:
        key = row.scheduled.key
        rows.append({
            "row": row,
            "comments": comments_by_key.get(key, []),
            # Go-live's proposals and its "propose" form are at the top of the page, with the date.
            "proposals": proposals_by_key.get(key, []) if key != GO_LIVE_KEY else [],
            "comment_form": form("comment", BuyerCommentForm, key),
            "propose_form": form("propose", BuyerProposalForm, key) if key != GO_LIVE_KEY else None,
            "done_form": form("done", BuyerDoneForm, key) if row.milestone.side == "customer" else None,
            "owner_form": form("owner", BuyerOwnerForm, key, people=people) if row.milestone.side != "ours" else None,
            "open": bound.get("key") == key,
        })
    opportunity = plan.opportunity
    return {
        "token": token,
        "plan": plan,
        "me": access.stakeholder,
        "account_name": opportunity.account.name,
        "prepared_by": opportunity.owner.get_full_name() or opportunity.owner.username,
        "prepared_by_email": opportunity.owner.email,
        "detail": detail,
        "timeline": timeline_for(detail),
        "rows": rows,
        "plan_comments": comments_by_key.get("", []),
        "go_live_proposals": proposals_by_key.get(GO_LIVE_KEY, []),
        "plan_comment_form": form("comment", BuyerCommentForm, ""),
        "go_live_form": form("propose", BuyerProposalForm, GO_LIVE_KEY),
        "confirm_form": bound["form"] if bound.get("kind") == "confirm" else BuyerConfirmForm(
            initial={"version": plan.version}
        ),
        "changed_message": changed_message,
        "today": detail.as_of,
    }


@require_GET
def public_plan(request, token: str):
    link, refused = _usable_link(request, token)
    if refused:
        return refused
    access = _session_access(request, link)
    if access is None:
        return _identify_page(request, token)
    return _public_response(request, "closeplan/public_plan.html", _plan_context(request, link, access, token))


def _buyer_action(kind: str, form_class, act, success: str):
    """A POST of the proven buyer: parse, call `act(access, cleaned_data)`, redirect back
    with `success`; a refusal comes back on the form, with the field and the reason."""

    @require_http_methods(["POST"])
    def view(request, token: str):
        link, refused = _usable_link(request, token)
        if refused:
            return refused
        access = _session_access(request, link)
        if access is None:
            return _identify_page(request, token, error="Prove your address first.", status=403)
        if _action_limited(request, link, access.email):
            return _too_many_requests()
        key = request.POST.get("milestone_key", "") if kind != "confirm" else ""
        kwargs = {"people": Stakeholder.objects.alive().filter(account_id=link.plan.opportunity.account_id)} \
            if kind == "owner" else {}
        form = form_class(request.POST, auto_id=_auto_id(kind, key), **kwargs)
        changed_message = ""
        if form.is_valid():
            try:
                act(access, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except services.PlanChangedWhileReviewing as changed:
                changed_message = str(changed)
                form = BuyerConfirmForm(initial={"version": link.plan.version})
            except services.ShareLinkUnusable as unusable:
                return _unavailable(request, str(unusable), 410)
            else:
                messages.success(request, success)
                anchor = f"#step-{key}" if key and key != GO_LIVE_KEY else ""
                return redirect(_plan_url(token) + anchor)
        context = _plan_context(
            request, link, access, token, {"kind": kind, "key": key, "form": form}, changed_message=changed_message
        )
        return _public_response(
            request, "closeplan/public_plan.html", context, status=409 if changed_message else 400
        )

    return view


public_comment = _buyer_action(
    "comment", BuyerCommentForm,
    lambda access, data: buyer_services.buyer_comment(
        access=access, body=data["body"], milestone_key=data.get("milestone_key") or ""
    ),
    "Comment sent. The plan's owner will answer here.",
)
public_propose = _buyer_action(
    "propose", BuyerProposalForm,
    lambda access, data: buyer_services.buyer_propose_date(
        access=access, milestone_key=data["milestone_key"], proposed_date=data["proposed_date"],
        reason=data["reason"],
    ),
    "Date proposed. Nothing moves until the plan's owner accepts it.",
)
public_done = _buyer_action(
    "done", BuyerDoneForm,
    lambda access, data: buyer_services.buyer_mark_done(
        access=access, milestone_key=data["milestone_key"], done_on=data["done_on"]
    ),
    "Marked done. Thank you.",
)
public_owner = _buyer_action(
    "owner", BuyerOwnerForm,
    lambda access, data: buyer_services.buyer_name_owner(
        access=access, milestone_key=data["milestone_key"],
        owner=Stakeholder.objects.alive().filter(
            pk=data["owner"], account_id=access.link.plan.opportunity.account_id
        ).first(),
    ),
    "Owner saved.",
)
public_confirm = _buyer_action(
    "confirm", BuyerConfirmForm,
    lambda access, data: buyer_services.buyer_confirm(access=access, seen_version=data["version"]),
    "Thank you: you confirmed the plan.",
)


@require_GET
def public_plan_ics(request, token: str):
    link, refused = _usable_link(request, token)
    if refused:
        return refused
    if _session_access(request, link) is None:
        return _identify_page(request, token, error="Prove your address first.", status=403)
    plan = plan_get_for_opportunity(opportunity_id=link.plan.opportunity_id)
    detail = plan_detail(plan, timezone.localdate())
    return ics_response(detail, "close-plan", title=f"Close plan: {plan.opportunity.account.name}")
