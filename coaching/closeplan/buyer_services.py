"""The mutual plan: the buyer proves who they are and works the plan; the rep answers.

Identity: on a share link the buyer gives their work email; it must belong to a
stakeholder in a role on the deal (or one the rep sent the link to). A six-digit
code goes to that address; only an HMAC of it is stored, it expires after
CODE_MINUTES, works once, and MAX_FAILED_ATTEMPTS wrong codes lock the link for
that address. An address that may not open the plan gets the same answer as
one that may, and no mail: the page never says whether the deal exists.

Every buyer action checks the link still works (a revoked link stops them all),
is recorded as a `BuyerAction` against the stakeholder (audited, announced in
the owner's digest) and, for comments, proposals and confirmations, emitted as
a webhook. Nothing the buyer does moves the plan except marking their own step
done; a date proposal waits for the rep to accept or decline it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape, linebreaks

from accounts.models import Stakeholder
from deals.signals import announce_deal_changed
from sync.webhooks import webhooks_emit

from . import services
from .models import BuyerAccess, BuyerAction, ClosePlan, DateProposal, Milestone, PlanComment, ShareLink
from .schedule import GO_LIVE_KEY, BusinessCalendar
from .selectors import (
    buyer_role_on_deal,
    buyer_stakeholder_for_email,
    holiday_dates,
    plan_get_for_opportunity,
    plan_schedule_for,
)

CODE_MINUTES = 15
CODE_RESEND_SECONDS = 30
MAX_CODES_PER_ADDRESS = 10  # per link: enough for a buyer, useless for a mail bomb
MAX_FAILED_ATTEMPTS = 5
MAX_COMMENT_LENGTH = 2000
MAX_REASON_LENGTH = 1000
MAX_NOTE_LENGTH = 1000
CODE_SALT = "coaching.closeplan.buyer-code"


class CodeRefused(Exception):
    """The code is wrong, expired or already used (the message says which, never more)."""


class AddressLocked(Exception):
    """Too many wrong codes: this address can no longer prove itself on this link."""


class CodeRequestedTooOften(Exception):
    """A code was sent to this address moments ago, or too many were sent."""


class ProposalAlreadyDecided(Exception):
    """The rep (or another rep) already accepted or declined this proposal."""


# --- text the buyer or the rep types -------------------------------------------------


def clean_text(value, *, field: str, limit: int, required: bool = True, what: str = "a comment") -> str:
    """Plain text: trimmed, control characters out, length-limited. Markup is kept as
    typed and escaped wherever it is shown."""
    text = "".join(ch for ch in str(value or "") if ch in "\n\t" or ch.isprintable()).strip()
    if required and not text:
        raise ValidationError({field: [f"Write {what}."]})
    if len(text) > limit:
        raise ValidationError({field: [f"Keep it under {limit} characters (this is {len(text)})."]})
    return text


def text_as_html(text: str) -> str:
    """How a comment is put into HTML (the emails, the webhook's `html`): escaped, then paragraphs."""
    return linebreaks(escape(text))


# --- sharing by email ------------------------------------------------------------------


def share_link_send(
    *,
    actor,
    plan: ClosePlan,
    recipients: Sequence[Stakeholder],
    note: str = "",
    valid_days: int = services.SHARE_LINK_DAYS,
    url_for_token: Callable[[str], str],
) -> tuple[ShareLink, str]:
    """Create a link, name its recipients and email it to each of them with the rep's note."""
    note = clean_text(note, field="note", limit=MAX_NOTE_LENGTH, required=False)
    opportunity = plan.opportunity
    people = list(recipients)
    if not people:
        raise ValidationError({"recipients": ["Choose who to send the plan to."]})
    for person in people:
        if person.account_id != opportunity.account_id or person.deleted_at is not None:
            raise ValidationError({"recipients": [f"{person.name} is not at {opportunity.account.name}."]})
        if not person.email:
            raise ValidationError({"recipients": [f"{person.name} has no email address: add it first."]})
    with transaction.atomic():
        link, token = services.share_link_create(actor=actor, plan=plan, valid_days=valid_days)
        link.note = note
        link.save(update_fields=["note"])
        link.recipients.set(people)
    url = url_for_token(token)
    sender = actor.get_full_name() or actor.username
    for person in people:
        context = {"person": person, "sender": sender, "note": note, "url": url,
                   "account_name": opportunity.account.name, "expires_at": link.expires_at}
        message = EmailMultiAlternatives(
            subject=f"{sender} shared the project plan for {opportunity.account.name}",
            body=render_to_string("closeplan/email/share.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
            reply_to=[actor.email] if actor.email else None,
        )
        message.attach_alternative(render_to_string("closeplan/email/share.html", context), "text/html")
        message.send()
    return link, token


# --- proving the address ---------------------------------------------------------------


def _code_hash(link_id: int, email: str, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{link_id}:{email}:{code}", algorithm="sha256").hexdigest()


def normalize_email(email: str) -> str:
    return str(email or "").strip().lower()


def buyer_request_code(*, link: ShareLink, email: str) -> None:
    """Send a one-time code to `email` if it may open this link; otherwise do nothing,
    and look the same. Raises CodeRequestedTooOften / ShareLinkUnusable."""
    services.share_link_check_usable(link)
    email = normalize_email(email)
    stakeholder = buyer_stakeholder_for_email(link=link, email=email)
    if stakeholder is None:
        return
    now = timezone.now()
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        access, _ = BuyerAccess.objects.select_for_update().get_or_create(
            link=link, email=email, defaults={"stakeholder": stakeholder}
        )
        if access.locked_at is not None:
            return  # no code can help; the code form says so when one is tried
        if access.last_code_sent_at and (now - access.last_code_sent_at).total_seconds() < CODE_RESEND_SECONDS:
            raise CodeRequestedTooOften("A code was sent moments ago: check your inbox, or wait a minute.")
        if access.codes_sent >= MAX_CODES_PER_ADDRESS:
            raise CodeRequestedTooOften("Too many codes were sent to this address. Ask the sender for a new link.")
        access.stakeholder = stakeholder
        access.code_hash = _code_hash(link.pk, email, code)
        access.code_expires_at = now + dt.timedelta(minutes=CODE_MINUTES)
        access.codes_sent += 1
        access.last_code_sent_at = now
        access.save()
    context = {"person": stakeholder, "code": code, "minutes": CODE_MINUTES,
               "account_name": link.plan.opportunity.account.name}
    message = EmailMultiAlternatives(
        subject=f"Your code for the {context['account_name']} project plan: {code}",
        body=render_to_string("closeplan/email/code.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[stakeholder.email],
    )
    message.send()


def buyer_verify_code(*, link: ShareLink, email: str, code: str) -> BuyerAccess:
    """The access the code proves. A wrong code counts against the address (the
    count is kept even though the call raises); the fifth locks it out."""
    services.share_link_check_usable(link)
    email = normalize_email(email)
    code = "".join(str(code or "").split())
    now = timezone.now()
    with transaction.atomic():
        access = (
            BuyerAccess.objects.select_for_update().select_related("stakeholder")
            .filter(link=link, email=email).first()
        )
        if access is None:
            outcome = "wrong"
        elif access.locked_at is not None:
            outcome = "locked"
        elif not access.code_hash:
            outcome = "used"
        elif access.code_expires_at is None or access.code_expires_at <= now:
            outcome = "expired"
        elif not constant_time_compare(access.code_hash, _code_hash(link.pk, email, code)):
            access.failed_attempts += 1
            outcome = "wrong"
            if access.failed_attempts >= MAX_FAILED_ATTEMPTS:
                access.locked_at = now
                outcome = "locked"
            access.save(update_fields=["failed_attempts", "locked_at"])
        else:
            outcome = "ok"
            access.code_hash = ""
            access.code_expires_at = None
            access.failed_attempts = 0
            access.verified_at = now
            access.save(update_fields=["code_hash", "code_expires_at", "failed_attempts", "verified_at"])
            _record(access, BuyerAction.Kind.VERIFIED, f"{access.stakeholder.name} proved their address.")
    if outcome == "locked":
        raise AddressLocked("Too many wrong codes for this address. Ask the sender for a new link.")
    if outcome == "expired":
        raise CodeRefused("That code has expired. Ask for a new one.")
    if outcome == "used":
        raise CodeRefused("That code was already used or replaced. Ask for a new one.")
    if outcome == "wrong":
        raise CodeRefused("That code is not right. Check the latest email and try again.")
    return access


def buyer_check_access(access: BuyerAccess) -> None:
    """Call first in every buyer action: the link still works and the address is proven."""
    services.share_link_check_usable(access.link)
    if access.verified_at is None or access.locked_at is not None:
        raise services.ShareLinkUnusable("Prove your address again to continue.")


# --- what the buyer does -----------------------------------------------------------------


def _record(access: BuyerAccess, kind: str, summary: str, milestone_key: str = "") -> BuyerAction:
    plan = access.link.plan
    action = BuyerAction.objects.create(
        plan_id=plan.pk, link_id=access.link_id, stakeholder=access.stakeholder,
        stakeholder_name=access.stakeholder.name, kind=kind, milestone_key=milestone_key,
        summary=summary[:300], at=timezone.now(),
    )
    announce_deal_changed([plan.opportunity_id])
    return action


def _event_base(plan: ClosePlan, stakeholder: Stakeholder) -> dict:
    opportunity = plan.opportunity
    return {
        "opportunity": opportunity.pk,
        "opportunity_external_id": opportunity.external_id,
        "stakeholder": {"id": stakeholder.pk, "name": stakeholder.name, "title": stakeholder.title},
    }


def _milestone(plan: ClosePlan, key: str) -> Milestone:
    milestone = plan.milestones.filter(key=key).first()
    if milestone is None:
        raise ValidationError({"milestone": ["No such step in this plan."]})
    return milestone


@transaction.atomic
def buyer_comment(*, access: BuyerAccess, body: str, milestone_key: str = "") -> PlanComment:
    buyer_check_access(access)
    plan = access.link.plan
    body = clean_text(body, field="body", limit=MAX_COMMENT_LENGTH)
    milestone = _milestone(plan, milestone_key) if milestone_key else None
    comment = PlanComment.objects.create(
        plan=plan, milestone_key=milestone_key, author_stakeholder=access.stakeholder, body=body,
        created_at=timezone.now(),
    )
    subject = f"on “{milestone.name}”" if milestone else "on the plan"
    _record(access, BuyerAction.Kind.COMMENTED, f"Commented {subject}: {body}", milestone_key)
    webhooks_emit(event="close_plan.commented", owner_id=plan.opportunity.owner_id, payload={
        **_event_base(plan, access.stakeholder),
        "comment": {"id": comment.pk, "milestone_key": milestone_key or None, "text": body,
                    "html": text_as_html(body), "created_at": comment.created_at.isoformat()},
    })
    return comment


def proposal_current_date(plan: ClosePlan, milestone_key: str) -> dt.date:
    """What a proposal would change: the go-live date, or when the milestone is expected to finish."""
    if milestone_key == GO_LIVE_KEY:
        return plan.go_live_date
    schedule = plan_schedule_for(plan, timezone.localdate(), holidays=holiday_dates())
    return schedule.milestone(milestone_key).earliest_finish


@transaction.atomic
def buyer_propose_date(
    *, access: BuyerAccess, milestone_key: str, proposed_date: dt.date | None, reason: str
) -> DateProposal:
    """Propose a new go-live date (`milestone_key="go_live"`) or a new finish for a milestone."""
    buyer_check_access(access)
    plan = plan_get_for_opportunity(opportunity_id=access.link.plan.opportunity_id)
    milestone = next((m for m in plan.milestones.all() if m.key == milestone_key), None)
    if milestone is None:
        raise ValidationError({"milestone": ["No such step in this plan."]})
    if proposed_date is None:
        raise ValidationError({"proposed_date": ["Give the date you propose."]})
    if proposed_date < timezone.localdate():
        raise ValidationError({"proposed_date": ["Propose a date from today on."]})
    current = proposal_current_date(plan, milestone_key)
    if proposed_date == current:
        raise ValidationError({"proposed_date": ["That is already the plan's date."]})
    reason = clean_text(reason, field="reason", limit=MAX_REASON_LENGTH, what="the reason for the change")
    proposal = DateProposal.objects.create(
        plan=plan, milestone_key=milestone_key, current_date=current, proposed_date=proposed_date,
        reason=reason, proposed_by=access.stakeholder, created_at=timezone.now(),
    )
    _record(access, BuyerAction.Kind.PROPOSED,
            f"Proposed {proposed_date.isoformat()} for “{milestone.name}” (now {current.isoformat()}): {reason}",
            milestone_key)
    webhooks_emit(event="close_plan.proposed", owner_id=plan.opportunity.owner_id, payload={
        **_event_base(plan, access.stakeholder),
        "proposal": {"id": proposal.pk, "milestone_key": milestone_key, "current_date": current.isoformat(),
                     "proposed_date": proposed_date.isoformat(), "reason": reason,
                     "reason_html": text_as_html(reason)},
    })
    return proposal


def buyer_mark_done(*, access: BuyerAccess, milestone_key: str, done_on: dt.date | None) -> Milestone:
    """The customer marks one of their own steps done (the only change they make directly)."""
    with transaction.atomic():
        buyer_check_access(access)
        plan = access.link.plan
        milestone = _milestone(plan, milestone_key)
        if milestone.side != "customer":
            raise ValidationError({"milestone": ["Only your own steps can be marked done here."]})
        if done_on is None:
            raise ValidationError({"done_on": ["Give the date it was done."]})
        if done_on > timezone.localdate():
            raise ValidationError({"done_on": ["A step cannot be done in the future."]})
        updated = services.milestone_update(
            actor=None, plan=plan, key=milestone_key, data={"done_on": done_on}, by_stakeholder=access.stakeholder
        )
        _record(access, BuyerAction.Kind.MARKED_DONE,
                f"Marked “{milestone.name}” done on {done_on.isoformat()}.", milestone_key)
    return updated


def buyer_name_owner(*, access: BuyerAccess, milestone_key: str, owner: Stakeholder) -> Milestone:
    """The customer names who on their side owns a step (theirs or shared)."""
    with transaction.atomic():
        buyer_check_access(access)
        plan = access.link.plan
        milestone = _milestone(plan, milestone_key)
        if milestone.side == "ours":
            raise ValidationError({"milestone": ["That step is ours: its owner is on our side."]})
        if owner is None or owner.account_id != plan.opportunity.account_id:
            raise ValidationError({"owner": ["Choose someone at your organisation."]})
        updated = services.milestone_update(
            actor=None, plan=plan, key=milestone_key, data={"owner": owner}, by_stakeholder=access.stakeholder
        )
        _record(access, BuyerAction.Kind.NAMED_OWNER, f"Named {owner.name} owner of “{milestone.name}”.",
                milestone_key)
    return updated


def buyer_confirm(*, access: BuyerAccess, seen_version: int) -> ClosePlan:
    """The proven buyer confirms the version they saw; recorded with their deal role."""
    with transaction.atomic():
        buyer_check_access(access)
        stakeholder = access.stakeholder
        plan = services.plan_validate_by_buyer(
            link=access.link, name=stakeholder.name, seen_version=seen_version, stakeholder=stakeholder,
            role=buyer_role_on_deal(opportunity_id=access.link.plan.opportunity_id, stakeholder_id=stakeholder.pk),
        )
        _record(access, BuyerAction.Kind.CONFIRMED, f"Confirmed version {plan.version} of the plan.")
    return plan


# --- the rep's answers -----------------------------------------------------------------


def _lock_pending(proposal: DateProposal) -> DateProposal:
    locked = DateProposal.objects.select_for_update(of=("self",)).select_related("proposed_by").get(pk=proposal.pk)
    if locked.status != DateProposal.Status.PENDING:
        raise ProposalAlreadyDecided(f"This proposal was already {locked.get_status_display().lower()}.")
    return locked


def proposal_accept(*, actor, proposal: DateProposal, reply: str = "") -> DateProposal:
    """Reschedule the plan as the customer proposed, recorded as the customer's change.
    A go-live change moves the deal's go-live date (and so sign-by and the coaching)."""
    reply = clean_text(reply, field="reply", limit=MAX_COMMENT_LENGTH, required=False)
    with transaction.atomic():
        proposal = _lock_pending(proposal)
        plan = plan_get_for_opportunity(opportunity_id=proposal.plan.opportunity_id)
        if proposal.milestone_key == GO_LIVE_KEY:
            services.plan_update_go_live(
                actor=actor, plan=plan, go_live_date=proposal.proposed_date, by_stakeholder=proposal.proposed_by
            )
        else:
            services.milestone_update(
                actor=actor, plan=plan, key=proposal.milestone_key,
                data={"duration_days": _duration_to_finish_on(plan, proposal.milestone_key, proposal.proposed_date)},
                by_stakeholder=proposal.proposed_by,
            )
        return _decide(proposal, actor=actor, status=DateProposal.Status.ACCEPTED, reply=reply)


def _duration_to_finish_on(plan: ClosePlan, key: str, finish: dt.date) -> int:
    """Business days from when the milestone can start to `finish`: its new duration."""
    schedule = plan_schedule_for(plan, timezone.localdate(), holidays=holiday_dates())
    start = schedule.milestone(key).earliest_start
    if finish < start:
        raise ValidationError({"proposed_date": [f"It cannot finish before it can start ({start.isoformat()})."]})
    return BusinessCalendar(holiday_dates()).count(start, finish)


def proposal_decline(*, actor, proposal: DateProposal, reply: str) -> DateProposal:
    reply = clean_text(reply, field="reply", limit=MAX_COMMENT_LENGTH, what="a reply the customer will read")
    with transaction.atomic():
        proposal = _lock_pending(proposal)
        return _decide(proposal, actor=actor, status=DateProposal.Status.DECLINED, reply=reply)


def _decide(proposal: DateProposal, *, actor, status: str, reply: str) -> DateProposal:
    proposal.status = status
    proposal.reply = reply
    proposal.decided_by = actor if getattr(actor, "pk", None) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "reply", "decided_by", "decided_at"])
    announce_deal_changed([proposal.plan.opportunity_id])
    return proposal


@transaction.atomic
def comment_reply(*, actor, plan: ClosePlan, body: str, in_reply_to: PlanComment | None = None) -> PlanComment:
    """The rep's comment on the plan, or reply to a buyer's comment (which then no longer waits)."""
    body = clean_text(body, field="body", limit=MAX_COMMENT_LENGTH)
    if in_reply_to is not None and in_reply_to.plan_id != plan.pk:
        raise ValidationError({"in_reply_to": ["That comment is on another plan."]})
    now = timezone.now()
    comment = PlanComment.objects.create(
        plan=plan, milestone_key=in_reply_to.milestone_key if in_reply_to else "", author_user=actor,
        in_reply_to=in_reply_to, body=body, created_at=now,
    )
    if in_reply_to is not None and in_reply_to.answered_at is None:
        PlanComment.objects.filter(pk=in_reply_to.pk).update(answered_at=now)
    announce_deal_changed([plan.opportunity_id])
    return comment
