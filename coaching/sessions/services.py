"""Writes for coaching sessions and commitments. Callers fetch the session or
deal with permission first (`coaching_session_get_for_user`, `opportunity_get_for_user`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from coaching.rsvp.models import CoachingQuestion
from coaching.rsvp.scoring import CoachingResult
from coaching.rsvp.selectors import coaching_result_for
from coaching.rsvp.services import coaching_answer_set
from deals.models import Opportunity
from deals.selectors import opportunities_visible_to

from .models import DIMENSIONS, CoachingSession, Commitment, SessionAnswer


def scores_of(result: CoachingResult) -> dict[str, int]:
    return {"overall": result.overall, **{name: result.dimensions[name].score for name in DIMENSIONS}}


def _check_open(session: CoachingSession) -> None:
    if session.is_closed:
        raise ValidationError({"session": ["This session is closed; it is part of the coaching history now."]})


@transaction.atomic
def coaching_session_open(*, actor, opportunity: Opportunity) -> CoachingSession:
    """Open a session on the deal, or return the one already open (a second
    click continues the conversation rather than starting another)."""
    existing = CoachingSession.objects.filter(opportunity=opportunity, status="open").first()
    if existing:
        return existing
    if opportunity.status != Opportunity.Status.OPEN:
        raise ValidationError({"opportunity": ["Only open deals are coached."]})
    kind = CoachingSession.Kind.SELF if actor.pk == opportunity.owner_id else CoachingSession.Kind.MANAGER
    session = CoachingSession(
        opportunity=opportunity, kind=kind, opened_by=actor, rep=opportunity.owner,
        opened_at=timezone.now(), scores_at_open=scores_of(coaching_result_for(opportunity)),
    )
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        # Someone opened one a moment ago: continue theirs.
        return CoachingSession.objects.get(opportunity=opportunity, status="open")
    return session


@transaction.atomic
def coaching_session_record_answer(
    *, actor, session: CoachingSession, question_key: str, answer: str, evidence: str = ""
) -> SessionAnswer:
    """Record an answer in the session and on the deal (so the scorecard uses it)."""
    session = CoachingSession.objects.select_for_update().get(pk=session.pk)
    _check_open(session)
    question = CoachingQuestion.objects.filter(key=question_key, active=True).first()
    if question is None:
        raise ValidationError({"question": [f"'{question_key}' is not an active coaching question."]})
    coaching_answer_set(actor=actor, opportunity=session.opportunity, question=question_key,
                        answer=answer, evidence=evidence)
    row, _ = SessionAnswer.objects.update_or_create(
        session=session, question_key=question_key,
        defaults={"dimension": question.dimension, "question_text": question.text, "answer": answer,
                  "evidence": (evidence or "").strip(), "recorded_by": actor, "recorded_at": timezone.now()},
    )
    return row


@transaction.atomic
def coaching_session_set_notes(*, actor, session: CoachingSession, notes: str) -> CoachingSession:
    session = CoachingSession.objects.select_for_update().get(pk=session.pk)
    _check_open(session)
    session.notes = (notes or "").strip()
    session.save(update_fields=["notes"])
    return session


def check_commitment_owner(*, opportunity: Opportunity, owner) -> None:
    if owner is None or not opportunities_visible_to(owner).filter(pk=opportunity.pk).exists():
        raise ValidationError({"owner": ["The owner must be someone who works this deal (the rep or their manager)."]})


@transaction.atomic
def commitment_add(
    *, actor, session: CoachingSession, action: str, owner, due_on: dt.date, dimension: str = "", gap: str = "",
) -> Commitment:
    session = CoachingSession.objects.select_for_update().get(pk=session.pk)
    _check_open(session)
    errors: dict[str, list[str]] = {}
    action = (action or "").strip()
    if not action:
        errors["action"] = ["Say what will be done."]
    elif len(action) > 300:
        errors["action"] = ["Keep the action to one line (300 characters at most)."]
    if not isinstance(due_on, dt.date):
        errors["due_on"] = ["Give a due date (YYYY-MM-DD)."]
    elif due_on < timezone.localdate():
        errors["due_on"] = ["The due date cannot be in the past."]
    if dimension not in ("", *DIMENSIONS):
        errors["dimension"] = [f"Choose one of {', '.join(DIMENSIONS)}."]
    if errors:
        raise ValidationError(errors)
    check_commitment_owner(opportunity=session.opportunity, owner=owner)
    return Commitment.objects.create(
        session=session, opportunity=session.opportunity, action=action, owner=owner, due_on=due_on,
        dimension=dimension, gap=(gap or "")[:300], created_by=actor, created_at=timezone.now(),
    )


@transaction.atomic
def commitment_close(*, actor, commitment: Commitment, status: str, outcome: str) -> Commitment:
    """Close a commitment as done or dropped, with what happened in one line."""
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    errors: dict[str, list[str]] = {}
    if commitment.status != Commitment.Status.OPEN:
        errors["status"] = [f"This commitment is already {commitment.status}."]
    elif status not in (Commitment.Status.DONE, Commitment.Status.DROPPED):
        errors["status"] = ["Say whether it was done or dropped."]
    outcome = " ".join((outcome or "").split())
    if not outcome:
        errors["outcome"] = ["Say in one line what happened."]
    elif len(outcome) > 300:
        errors["outcome"] = ["One line, please (300 characters at most)."]
    if errors:
        raise ValidationError(errors)
    commitment.status, commitment.outcome = status, outcome
    commitment.closed_at, commitment.closed_by = timezone.now(), actor
    commitment.save()
    return commitment


@transaction.atomic
def coaching_session_close(*, actor, session: CoachingSession) -> CoachingSession:
    """Close the session: the scores and the coaching result are frozen into it."""
    session = CoachingSession.objects.select_for_update().select_related("opportunity").get(pk=session.pk)
    _check_open(session)
    result = coaching_result_for(session.opportunity)
    session.scores_at_close = scores_of(result)
    session.result_at_close = result.to_dict()
    session.status = CoachingSession.Status.CLOSED
    session.closed_at = timezone.now()
    session.save(closing=True)
    return session


def overdue_commitment_digests_send(*, as_of: dt.date | None = None) -> int:
    """Email each owner the commitments that went past their due date, once
    per commitment: a rerun (or a second worker) sends nothing twice, because
    rows are claimed with SKIP LOCKED and marked in the same transaction."""
    as_of = as_of or timezone.localdate()
    sent = 0
    with transaction.atomic():
        due = list(
            Commitment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status="open", due_on__lt=as_of, overdue_notified_at__isnull=True)
            .select_related("owner", "opportunity")
            .order_by("owner_id", "due_on", "id")
        )
        by_owner: dict[int, list[Commitment]] = defaultdict(list)
        for commitment in due:
            by_owner[commitment.owner_id].append(commitment)
        now = timezone.now()
        for commitments in by_owner.values():
            owner = commitments[0].owner
            if not owner.email:
                continue
            body = render_to_string("coaching_sessions/overdue_digest.txt",
                                    {"owner": owner, "commitments": commitments, "as_of": as_of})
            send_mail(f"dealcoach: {len(commitments)} overdue coaching commitment(s)", body, None, [owner.email])
            Commitment.objects.filter(pk__in=[c.pk for c in commitments]).update(overdue_notified_at=now)
            sent += 1
    return sent
