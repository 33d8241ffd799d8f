"""REST API for the rep's side of the mutual plan, under
/api/v1/opportunities/{id}/close-plan/: share links (created, and emailed to
stakeholders), the comment thread, and the buyer's date proposals to accept or
decline. Thin: fetch the deal with permission, call the same services as the
pages. Bad input answers 400 naming the field (services' ValidationErrors go
through the API's exception handler)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
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
                   responses={200: ShareLinkOutSerializer(many=True), 404: ERRORS_404})
    def get(self, request, opportunity_id: int):
        _, plan = _fetch(request, opportunity_id)
        links = share_links_for(plan)
        return Response(ShareLinkOutSerializer([_link_payload(request, link) for link in links], many=True).data)

    @extend_schema(
        operation_id="close_plan_share_links_create", tags=TAGS,
        summary="Create a share link, and email it (with a note) to stakeholders at the account",
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
                   responses={200: CommentOutSerializer(many=True), 404: ERRORS_404})
    def get(self, request, opportunity_id: int):
        _, plan = _fetch(request, opportunity_id)
        thread = plan_thread(plan)
        flat = [c for top in thread.comments for c in (top, *top.thread_replies)]
        return Response(CommentOutSerializer([_comment_payload(c) for c in flat], many=True).data)

    @extend_schema(operation_id="close_plan_comments_create", tags=TAGS,
                   summary="Comment on the plan, or reply to a buyer's comment (`in_reply_to`)",
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
                   responses={200: ProposalOutSerializer(many=True), 404: ERRORS_404})
    def get(self, request, opportunity_id: int):
        _, plan = _fetch(request, opportunity_id)
        proposals = plan.proposals.all()
        return Response(ProposalOutSerializer([_proposal_payload(p) for p in proposals], many=True).data)


class ProposalDecisionAPI(APIView):
    decision = "accept"

    @extend_schema(
        tags=TAGS, request=ProposalDecisionSerializer,
        summary="Accept (the plan is rescheduled, as the customer's change) or decline (a reply is required)",
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


class ProposalAcceptAPI(ProposalDecisionAPI):
    decision = "accept"


class ProposalDeclineAPI(ProposalDecisionAPI):
    decision = "decline"
