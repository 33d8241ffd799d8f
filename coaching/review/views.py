"""The weekly pipeline review pages: parse, fetch with permission, render.
htmx requests get the fragment they asked for."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from coaching.sessions.selectors import (
    coached_deal_trends,
    overdue_commitments,
    uncoached_deals,
    uncoached_reps,
)
from deals.selectors import opportunity_get_for_user

from .cache import CSRF_PLACEHOLDER, review_body_cached
from .export import review_csv_rows
from .queue import exception_queue, rsvp_heatmap
from .report import weekly_review
from .selectors import review_scope_for
from .sheet import coaching_sheet_context


def _offset(request) -> int:
    try:
        return max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        return 0


def _review_body(request, scope, context: dict) -> SafeString:
    """The rendered review body, from the team's cache when nothing changed
    (`cache`). Rendered without the request, the viewer's CSRF token stands
    in as a placeholder and is put in per response."""

    def render_body() -> str:
        context["review"] = weekly_review(scope)
        return render_to_string(
            "review/_partials/body.html", {"review": context["review"], "scope": scope, "csrf_token": CSRF_PLACEHOLDER}
        )

    body = review_body_cached(scope=scope, render=render_body)
    return mark_safe(body.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 (our own template's output)


@login_required
@require_GET
def weekly(request):
    scope = review_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    # `review` is set only when the body was computed in this request (not served from the cache).
    context = {"review": None, "scope": scope}
    context["review_body"] = _review_body(request, scope, context) if scope.team else ""
    if request.htmx and request.htmx.target == "review-body":
        return HttpResponse(context["review_body"])
    return render(request, "review/weekly.html", context)


@login_required
@require_GET
def queue_more(request):
    scope = review_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    queue = exception_queue(scope, offset=_offset(request), sort=scope.sort)
    return render(request, "review/_partials/queue_rows.html", {"queue": queue, "scope": scope})


@login_required
@require_GET
def heatmap_more(request):
    scope = review_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    heatmap = rsvp_heatmap(scope, offset=_offset(request))
    return render(request, "review/_partials/heatmap_rows.html", {"heatmap": heatmap, "scope": scope})


@login_required
@require_GET
def export_csv(request):
    """The review as CSV (the page's team and filters), streamed."""
    scope = review_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    if scope.team is None:
        raise Http404("No team to export.")
    response = StreamingHttpResponse(review_csv_rows(scope), content_type="text/csv; charset=utf-8")
    filename = f"pipeline-review-{slugify(scope.team.name)}-{scope.as_of.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def coaching_sheet(request, opportunity_id: int):
    """A printable one-page coaching sheet for one deal (anyone who may see the deal)."""
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
    return render(request, "review/coaching_sheet.html",
                  coaching_sheet_context(opportunity=opportunity, as_of=timezone.localdate()))


@login_required
@require_GET
def coaching_cadence(request):
    """The coaching section of the weekly review, loaded as its own fragment so
    the review page keeps its fixed query budget."""
    scope = review_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    # Opened on its own (the review's link without JavaScript) it is a whole page.
    template = "coaching_sessions/_partials/review_cadence.html" if request.htmx else "coaching_sessions/cadence.html"
    if scope.team is None:
        return render(request, template, {"scope": scope})
    uncoached = uncoached_deals(user=request.user, team=scope.team, as_of=scope.as_of)
    return render(request, template, {
        "scope": scope,
        "team": scope.team,
        "uncoached": uncoached,
        "uncoached_reps": uncoached_reps(uncoached),
        "overdue": overdue_commitments(user=request.user, team=scope.team, as_of=scope.as_of),
        "trends": coached_deal_trends(user=request.user, team=scope.team),
        "today": scope.as_of,
    })
