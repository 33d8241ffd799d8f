"""REST API for the rep's side of the mutual plan, under
/api/v1/opportunities/{id}/close-plan/: share links (created, and emailed to
stakeholders), the comment thread, and the buyer's date proposals to accept or
decline. Thin: fetch the deal with permission, call the same services as the
pages. Bad input answers 400 naming the field (services' ValidationErrors go
through the API's exception handler)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from deals.selectors import opportunity_get_for_user

from . import buyer_services, services
from .api import ERRORS_400, ERRORS_404, _plan_or_404, _validated
from .selectors import plan_thread, share_link_token, share_links_for, share_recipients_for
from .serializers import (
    ClosePlanErrorSerializer,
    CommentCreateSerializer,
    CommentOutSerializer,
    ProposalDecisionSerializer,
    ProposalOutSerializer,
    ShareLinkCreateSerializer,
    ShareLinkOutSerializer,
)

TAGS = ["close plan: customer"]


def _link_payload(request, link) -> dict:
    return {
        "id": link.pk,
        "url": request.build_absolute_uri(reverse("closeplan:public", args=[share_link_token(link)])),
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "last_opened_at": link.last_opened_at,
        "note": link.note,
        "recipients": [p.pk for p in link.recipients.all()],
    }


def _comment_payload(comment) -> dict:
    by_stakeholder = comment.author_stakeholder_id is not None
    author = comment.author_stakeholder if by_stakeholder else comment.author_user
    return {
        "id": comment.pk,
        "milestone_key": comment.milestone_key,
        "author_type": "stakeholder" if by_stakeholder else "user",
        "author_id": author.pk if author else None,
        "author_name": (author.name if by_stakeholder else author.get_full_name() or author.username) if author else "",
        "in_reply_to": comment.in_reply_to_id,
        "body": comment.body,
        "created_at": comment.created_at,
        "waiting": by_stakeholder and comment.answered_at is None,
    }


def _proposal_payload(proposal) -> dict:
    return {
        "id": proposal.pk, "milestone_key": proposal.milestone_key, "current_date": proposal.current_date,
        "proposed_date": proposal.proposed_date, "reason": proposal.reason, "proposed_by": proposal.proposed_by_id,
        "status": proposal.status, "reply": proposal.reply, "decided_at": proposal.decided_at,
    }


def _fetch(request, opportunity_id: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
    return opportunity, _plan_or_404(opportunity.pk)


class ShareLinksAPI(APIView):
    @extend_schema(operation_id="close_plan_share_links_list", tags=TAGS, summary="The plan's share links",
                   description=(
                       "The links that let people at the customer open this plan without an account (to read it, "
                       "comment and propose dates), newest first: URL, expiry, revocation, when one was last "
                       "opened, the note and the stakeholders it was emailed to. Not paginated."),
                   responses={200: ShareLinkOutSerializer(many=True), 404: ERRORS_404})
    def get(self, request, opportunity_id: int):
        _, plan = _fetch(request, opportunity_id)
        links = share_links_for(plan)
        return Response(ShareLinkOutSerializer([_link_payload(request, link) for link in links], many=True).data)

    @extend_schema(
        operation_id="close_plan_share_links_create", tags=TAGS,
        summary="Create a share link, and email it (with a note) to stakeholders at the account",
        description=(
            "Creates a link to the plan valid for `valid_days` days (1-180, default 30). With `recipients`, "
            "stakeholder ids at the deal's account who have an email, it also emails them the link with your "
            "`note`; an id that is not one of them answers 400 on `recipients`. Answers 201 with the link. "
            "Safe to retry with an Idempotency-Key (a retry does not send the email twice)."
        ),
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkOutSerializer, 400: ERRORS_400, 404: ERRORS_404},
    )
    def post(self, request, opportunity_id: int):
        opportunity, plan = _fetch(request, opportunity_id)
        data = _validated(ShareLinkCreateSerializer, request)
        if data["recipients"]:
            people = list(share_recipients_for(opportunity).filter(pk__in=data["recipients"]))
            missing = sorted(set(data["recipients"]) - {p.pk for p in people})
            if missing:
                raise exceptions.ValidationError(
                    {"recipients": [f"No stakeholder {pk} with an email at {opportunity.account.name}."
                                    for pk in missing]}
                )
            link, _ = buyer_services.share_link_send(
                actor=request.user, plan=plan, recipients=people, note=data["note"], valid_days=data["valid_days"],
                url_for_token=lambda token: request.build_absolute_uri(reverse("closeplan:public", args=[token])),
            )
        else:
            link, _ = services.share_link_create(actor=request.user, plan=plan, valid_days=data["valid_days"])
        return Response(ShareLinkOutSerializer(_link_payload(request, link)).data, status=status.HTTP_201_CREATED)


class CommentsAPI(APIView):
    @extend_schema(operation_id="close_plan_comments_list", tags=TAGS,
                   summary="The comments on the plan, the buyer's and the rep's, oldest first",
                   description=(
                       "The plan's conversation with the customer as one list, each comment followed by its "
                       "replies (`in_reply_to`): who wrote it (`author_type` stakeholder or user), the milestone "
                       "it is about, and `waiting` on a buyer's comment nobody answered yet. `body` is plain "
                       "text: escape it where you render it. Not paginated."),
                   responses={200: CommentOutSerializer(many=True), 404: ERRORS_404})
    def get(self, request, opportunity_id: int):
        _, plan = _fetch(request, opportunity_id)
        thread = plan_thread(plan)
        flat = [c for top in thread.comments for c in (top, *top.thread_replies)]
        return Response(CommentOutSerializer([_comment_payload(c) for c in flat], many=True).data)

    @extend_schema(operation_id="close_plan_comments_create", tags=TAGS,
                   summary="Comment on the plan, or reply to a buyer's comment (`in_reply_to`)",
                   description=(
                       "Adds your comment to the plan's conversation, which the customer sees on the shared "
                       "plan; with `in_reply_to` (a comment id on this plan, else 400) it answers that comment "
                       "and it stops `waiting`. Answers 201 with the comment. Safe to retry with an "
                       "Idempotency-Key."),
                   request=CommentCreateSerializer,
                   responses={201: CommentOutSerializer, 400: ERRORS_400, 404: ERRORS_404})
    def post(self, request, opportunity_id: int):
        _, plan = _fetch(request, opportunity_id)
        data = _validated(CommentCreateSerializer, request)
        parent = None
        if data.get("in_reply_to") is not None:
            parent = plan.comments.filter(pk=data["in_reply_to"]).first()
            if parent is None:
                raise exceptions.ValidationError({"in_reply_to": ["No such comment on this plan."]})
        comment = buyer_services.comment_reply(actor=request.user, plan=plan, body=data["body"], in_reply_to=parent)
        return Response(CommentOutSerializer(_comment_payload(comment)).data, status=status.HTTP_201_CREATED)


class ProposalsAPI(APIView):
    @extend_schema(operation_id="close_plan_proposals_list", tags=TAGS,
                   summary="The buyer's date proposals, pending and decided",
                   description=(
                       "The date changes people at the customer proposed on the shared plan, for a milestone or "
                       "the go-live date (`milestone_key` `go_live`): the current and the proposed date, their "
                       "reason, the status (pending, accepted, declined) and your reply. Decide a pending one "
                       "with accept or decline. Not paginated."),
                   responses={200: ProposalOutSerializer(many=True), 404: ERRORS_404})
    def get(self, request, opportunity_id: int):
        _, plan = _fetch(request, opportunity_id)
        proposals = plan.proposals.all()
        return Response(ProposalOutSerializer([_proposal_payload(p) for p in proposals], many=True).data)


class ProposalDecisionAPI(APIView):
    decision = "accept"

    @extend_schema(
        tags=TAGS, request=ProposalDecisionSerializer,
        responses={200: ProposalOutSerializer, 400: ERRORS_400, 404: ERRORS_404,
                   409: OpenApiResponse(ClosePlanErrorSerializer, description="Already accepted or declined.")},
    )
    def post(self, request, opportunity_id: int, proposal_id: int):
        _, plan = _fetch(request, opportunity_id)
        proposal = plan.proposals.filter(pk=proposal_id).first()
        if proposal is None:
            raise exceptions.NotFound("No such proposal on this plan.")
        data = _validated(ProposalDecisionSerializer, request)
        decide = buyer_services.proposal_accept if self.decision == "accept" else buyer_services.proposal_decline
        try:
            proposal = decide(actor=request.user, proposal=proposal, reply=data["reply"])
        except buyer_services.ProposalAlreadyDecided as decided:
            return Response({"detail": str(decided), "code": "already_decided"}, status=status.HTTP_409_CONFLICT)
        return Response(ProposalOutSerializer(_proposal_payload(proposal)).data)


@extend_schema_view(post=extend_schema(
    operation_id="close_plan_proposals_accept", summary="Accept a buyer's date proposal",
    description=(
        "The plan is rescheduled as proposed (the go-live date, or the milestone's duration so that it finishes "
        "on the proposed date), recorded as the customer's change; `reply` is optional. Answers with the "
        "proposal; 409 `already_decided` when it was accepted or declined before, 400 when the milestone cannot "
        "finish that early."),
))
class ProposalAcceptAPI(ProposalDecisionAPI):
    decision = "accept"


@extend_schema_view(post=extend_schema(
    operation_id="close_plan_proposals_decline", summary="Decline a buyer's date proposal",
    description=(
        "The plan keeps its dates and the customer reads your `reply`, which is required here (400 without it). "
        "Answers with the proposal; 409 `already_decided` when it was accepted or declined before."),
))
class ProposalDeclineAPI(ProposalDecisionAPI):
    decision = "decline"
