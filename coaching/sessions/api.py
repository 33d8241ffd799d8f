"""REST API for coaching sessions and commitments:

- GET/POST /api/v1/opportunities/{id}/coaching-sessions/   a deal's sessions; POST opens one
- GET      /api/v1/coaching-sessions/{id}/                 one session with answers and commitments
- GET      /api/v1/commitments/?owner=&status=&overdue=    commitments the caller can see
- POST     /api/v1/commitments/{id}/close/                 {status: done|dropped, outcome}
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dealcoach.models import User
from deals.selectors import opportunity_get_for_user

from .models import CoachingSession, Commitment, SessionAnswer
from .selectors import coaching_session_get_for_user, commitment_get_for_user, commitments_filtered
from .services import coaching_session_open, commitment_close

ERROR = inline_serializer("SessionError", {"detail": serializers.CharField(),
                                           "errors": serializers.DictField(required=False)})


class SessionAnswerSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = SessionAnswer
        fields = ["question_key", "dimension", "question_text", "answer", "evidence", "recorded_by", "recorded_at"]


class CommitmentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = ["id", "opportunity", "session", "action", "owner", "due_on", "dimension", "gap", "status",
                  "outcome", "created_at", "closed_at", "overdue"]

    def get_overdue(self, commitment) -> bool:
        return commitment.status == "open" and commitment.due_on < timezone.localdate()


class SessionSerializer(serializers.ModelSerializer):
    opened_by = serializers.CharField(source="opened_by.username")
    rep = serializers.CharField(source="rep.username")
    answers = SessionAnswerSerializer(many=True, read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True)

    class Meta:
        model = CoachingSession
        fields = ["id", "opportunity", "kind", "status", "opened_by", "rep", "opened_at", "closed_at", "notes",
                  "scores_at_open", "scores_at_close", "answers", "commitments"]


def _session_queryset():
    return CoachingSession.objects.select_related("opened_by", "rep").prefetch_related(
        "answers__recorded_by", "commitments__owner")


class OpportunitySessionsApi(APIView):
    @extend_schema(operation_id="coaching_sessions_list", summary="A deal's coaching sessions, newest first",
                   description=(
                       "Every coaching session on the deal, newest first, each with its kind (`self` when the "
                       "rep coached themselves, `manager`), status, who opened it, the RSVP scores when it opened "
                       "and closed, the answers recorded in it and the commitments made. Not paginated: a deal "
                       "has few sessions. 404 when the deal does not exist or you may not see it."),
                   responses={
        200: SessionSerializer(many=True), 404: OpenApiResponse(ERROR, description="No such deal for you.")})
    def get(self, request, opportunity_id: int):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        sessions = _session_queryset().filter(opportunity=opportunity).order_by("-opened_at")
        return Response(SessionSerializer(sessions, many=True).data)

    @extend_schema(operation_id="coaching_sessions_create", summary="Open a coaching session (or continue the open one)",
                   description=(
                       "Opens a session on an open deal and records its RSVP scores at that moment: a `self` "
                       "session when you own the deal, a `manager` session when you coach its owner. "
                       "A deal has at most one open session: if there is one, it is returned with 200 instead "
                       "of opening another (201 when opened). No body. A deal that is not open answers 400 on "
                       "`opportunity`. Safe to retry with an Idempotency-Key."),
                   request=None, responses={
        201: SessionSerializer, 200: SessionSerializer,
        400: OpenApiResponse(ERROR, description="The deal is not open."),
        404: OpenApiResponse(ERROR, description="No such deal for you.")})
    def post(self, request, opportunity_id: int):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        existed = CoachingSession.objects.filter(opportunity=opportunity, status="open").exists()
        session = coaching_session_open(actor=request.user, opportunity=opportunity)
        return Response(SessionSerializer(_session_queryset().get(pk=session.pk)).data,
                        status=200 if existed else 201)


class SessionDetailApi(APIView):
    @extend_schema(summary="One coaching session",
                   description=(
                       "One session by id, as listed under its deal: kind, status, who opened it, the scores at "
                       "opening and closing, the answers and the commitments. 404 when you may not see its deal."),
                   responses={
        200: SessionSerializer, 404: OpenApiResponse(ERROR, description="No such session for you.")})
    def get(self, request, session_id: int):
        session = coaching_session_get_for_user(user=request.user, session_id=session_id)
        return Response(SessionSerializer(_session_queryset().get(pk=session.pk)).data)


class CommitmentListApi(generics.ListAPIView):
    serializer_class = CommitmentSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        owner = None
        if params.get("owner"):
            owner = User.objects.filter(username=params["owner"]).first()
            if owner is None and params["owner"].isdigit():
                owner = User.objects.filter(pk=int(params["owner"])).first()
            if owner is None:
                raise ValidationError({"owner": [f"No user '{params['owner']}'."]})
        status = params.get("status") or None
        if status not in (None, "open", "done", "dropped"):
            raise ValidationError({"status": ["Use open, done or dropped."]})
        overdue = {"true": True, "false": False, None: None}.get(params.get("overdue"), "bad")
        if overdue == "bad":
            raise ValidationError({"overdue": ["Use true or false."]})
        return commitments_filtered(user=self.request.user, owner=owner, status=status, overdue=overdue)

    @extend_schema(summary="Commitments from coaching sessions", description=(
        "What reps committed to in coaching sessions, on the deals you may see (your own as a rep, your "
        "teams' as a manager), cursor-paginated on (updated_at, id): follow `next` until it is null "
        "(`page_size` up to 500). Narrow with `owner`, `status` and `overdue`; a value the filter does not "
        "know answers 400 naming it."), parameters=[
        OpenApiParameter("owner", OpenApiTypes.STR, description="Username (or id) of the owner."),
        OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "done", "dropped"]),
        OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Open and past the due date."),
    ], responses={200: CommitmentSerializer(many=True), 400: OpenApiResponse(ERROR, description="Bad filter.")})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CommitmentCloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["done", "dropped"])
    outcome = serializers.CharField(max_length=300, help_text="What happened, in one line.")


class CommitmentCloseApi(APIView):
    @extend_schema(operation_id="commitments_close", summary="Close a commitment as done or dropped",
                   description=(
                       "Closes an open commitment as `done` or `dropped` with a one-line `outcome` (at most 300 "
                       "characters) and answers with the commitment. A commitment already closed answers 400 on "
                       "`status`; one on a deal you may not see, 404. Safe to retry with an Idempotency-Key: the "
                       "retry replays the first answer."),
                   request=CommitmentCloseSerializer, responses={
        200: CommitmentSerializer, 400: OpenApiResponse(ERROR, description="Bad status/outcome or already closed."),
        404: OpenApiResponse(ERROR, description="No such commitment for you.")})
    def post(self, request, commitment_id: int):
        commitment = commitment_get_for_user(user=request.user, commitment_id=commitment_id)
        data = CommitmentCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        commitment = commitment_close(actor=request.user, commitment=commitment, **data.validated_data)
        return Response(CommitmentSerializer(commitment).data)
