"""Browser pages for coaching sessions. Thin: fetch with permission, call a
service, render (htmx gets the fragment)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from coaching.rsvp.selectors import coaching_result_for
from dealcoach.forms import add_service_errors
from dealcoach.models import User
from deals.selectors import opportunity_get_for_user

from .forms import CommitmentCloseForm, CommitmentForm, NotesForm
from .models import DIMENSIONS
from .selectors import (
    coaching_session_get_for_user,
    commitment_get_for_user,
    commitments_closed_since,
    last_closed_session,
    open_commitments_on,
    rsvp_trend,
)
from .services import (
    coaching_session_close,
    coaching_session_open,
    coaching_session_record_answer,
    coaching_session_set_notes,
    commitment_add,
    commitment_close,
    scores_of,
)


def _owners_for(opportunity):
    """Who can own a commitment on this deal: the rep and the team's manager."""
    owner = opportunity.owner
    q = Q(pk=owner.pk)
    if owner.team_id and owner.team.manager_id:
        q |= Q(pk=owner.team.manager_id)
    return User.objects.filter(q, is_active=True)


def session_context(session, *, commitment_form=None, errors=None) -> dict:
    """Everything the session page shows: follow-ups first, then the four
    dimensions weakest first with their gaps and questions."""
    opportunity = session.opportunity
    previous = last_closed_session(opportunity=opportunity, before=session)
    if session.is_closed:
        result_dict = session.result_at_close
        now_scores = session.scores_at_close
    else:
        result = coaching_result_for(opportunity)
        result_dict = result.to_dict()
        now_scores = scores_of(result)
    answers = {a.question_key: a for a in session.answers.all()}
    dimensions = []
    for name in DIMENSIONS:
        data = result_dict["dimensions"][name]
        gaps = []
        for gap in data["gaps"]:
            key = "" if session.is_closed else gap["question_key"]
            gaps.append({**gap, "question_key": key, "answer": answers.get(key)})
        dimensions.append({"name": name, **data, "gaps": gaps})
    dimensions.sort(key=lambda d: d["score"])
    # Several gaps can lead to the same question: offer its answer form once, at the first (weakest) one.
    asked: set[str] = set()
    for dimension in dimensions:
        for gap in dimension["gaps"]:
            gap["ask_here"] = bool(gap["question_key"]) and gap["question_key"] not in asked
            asked.add(gap["question_key"])
    owners = _owners_for(opportunity)
    return {
        "session": session,
        "opportunity": opportunity,
        "dimensions": dimensions,
        "overall": result_dict["overall"],
        # The deal's top-ranked gap (CoachingResult.next_gap); a session closed before it was stored has none.
        "next_question": result_dict.get("next"),
        "answers": list(answers.values()),
        "open_commitments": open_commitments_on(opportunity=opportunity),
        "closed_since": commitments_closed_since(opportunity=opportunity,
                                                 since=previous.closed_at if previous else None),
        "previous": previous,
        "trend": rsvp_trend(before=previous.scores_at_close, now=now_scores) if previous else [],
        "since_open": rsvp_trend(before=session.scores_at_open, now=now_scores),
        "commitment_form": commitment_form or CommitmentForm(
            owners=owners, initial={"owner": opportunity.owner_id,
                                    "due_on": timezone.localdate() + timezone.timedelta(days=7)}),
        "notes_form": NotesForm(initial={"notes": session.notes}),
        "answer_choices": [("yes", "Yes"), ("partly", "Partly"), ("no", "No"), ("dont_know", "Don't know")],
        "errors": errors or {},
        "today": timezone.localdate(),
    }


@login_required
@require_POST
def session_start(request, opportunity_id: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
    try:
        session = coaching_session_open(actor=request.user, opportunity=opportunity)
    except ValidationError as error:
        from django.contrib import messages

        messages.error(request, " ".join(error.messages))
        return redirect("deals:detail", pk=opportunity.pk)
    return redirect("coaching_sessions:detail", session_id=session.pk)


@login_required
@require_GET
def session_detail(request, session_id: int):
    session = coaching_session_get_for_user(user=request.user, session_id=session_id)
    return render(request, "coaching_sessions/session.html", session_context(session))


@login_required
@require_GET
def session_print(request, session_id: int):
    session = coaching_session_get_for_user(user=request.user, session_id=session_id)
    return render(request, "coaching_sessions/print.html", session_context(session))


def _rerender(request, session, status=200, **kwargs):
    session = coaching_session_get_for_user(user=request.user, session_id=session.pk)
    template = "coaching_sessions/_partials/body.html" if request.htmx else "coaching_sessions/session.html"
    return render(request, template, session_context(session, **kwargs), status=status)


@login_required
@require_POST
def session_answer(request, session_id: int):
    session = coaching_session_get_for_user(user=request.user, session_id=session_id)
    key = request.POST.get("question_key", "")
    try:
        coaching_session_record_answer(actor=request.user, session=session, question_key=key,
                                       answer=request.POST.get("answer", ""),
                                       evidence=request.POST.get("evidence", ""))
    except ValidationError as error:
        return _rerender(request, session, status=400, errors={"answer": error.messages, "question_key": key})
    return _rerender(request, session)


@login_required
@require_POST
def session_notes(request, session_id: int):
    session = coaching_session_get_for_user(user=request.user, session_id=session_id)
    form = NotesForm(request.POST)
    try:
        form.is_valid()
        coaching_session_set_notes(actor=request.user, session=session, notes=form.cleaned_data.get("notes", ""))
    except ValidationError as error:
        return _rerender(request, session, status=400, errors={"notes": error.messages})
    return _rerender(request, session)


@login_required
@require_POST
def session_commitment_add(request, session_id: int):
    session = coaching_session_get_for_user(user=request.user, session_id=session_id)
    form = CommitmentForm(request.POST, owners=_owners_for(session.opportunity))
    if form.is_valid():
        try:
            commitment_add(actor=request.user, session=session, **form.cleaned_data)
            return _rerender(request, session)
        except ValidationError as error:
            add_service_errors(form, error)
    return _rerender(request, session, status=400, commitment_form=form)


@login_required
@require_POST
def session_close(request, session_id: int):
    session = coaching_session_get_for_user(user=request.user, session_id=session_id)
    try:
        coaching_session_close(actor=request.user, session=session)
    except ValidationError as error:
        return _rerender(request, session, status=400, errors={"session": error.messages})
    return redirect("coaching_sessions:detail", session_id=session.pk)


@login_required
@require_POST
def commitment_close_view(request, commitment_id: int):
    commitment = commitment_get_for_user(user=request.user, commitment_id=commitment_id)
    form = CommitmentCloseForm(request.POST)
    if form.is_valid():
        try:
            commitment_close(actor=request.user, commitment=commitment, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    status = 200 if form.is_valid() and not form.errors else 400
    commitment.refresh_from_db()
    if request.htmx:
        return render(request, "coaching_sessions/_partials/commitment.html",
                      {"commitment": commitment, "close_form": form, "today": timezone.localdate()}, status=status)
    next_url = request.POST.get("next") or ""
    if status == 200 and next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return render(request, "coaching_sessions/commitment_close.html",
                  {"commitment": commitment, "close_form": form, "today": timezone.localdate()}, status=status)
