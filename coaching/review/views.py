"""The weekly pipeline review pages: parse, fetch with permission, render.
htmx requests get the fragment they asked for."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .queue import exception_queue, rsvp_heatmap
from .report import weekly_review
from .selectors import review_scope_for


def _offset(request) -> int:
    try:
        return max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        return 0


@login_required
@require_GET
def weekly(request):
    scope = review_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    context = {"review": weekly_review(scope) if scope.team else None, "scope": scope}
    if request.htmx and request.htmx.target == "review-body":
        return render(request, "review/_partials/body.html", context)
    return render(request, "review/weekly.html", context)


@login_required
@require_GET
def queue_more(request):
    scope = review_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    queue = exception_queue(scope, offset=_offset(request))
    return render(request, "review/_partials/queue_rows.html", {"queue": queue, "scope": scope})


@login_required
@require_GET
def heatmap_more(request):
    scope = review_scope_for(user=request.user, params=request.GET, as_of=timezone.localdate())
    heatmap = rsvp_heatmap(scope, offset=_offset(request))
    return render(request, "review/_partials/heatmap_rows.html", {"heatmap": heatmap, "scope": scope})
