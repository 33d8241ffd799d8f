"""REST API for RSVP coaching:

- GET /api/v1/opportunities/{id}/coaching/          the scorecard (same function as the deal page)
- GET /api/v1/opportunities/{id}/coaching/answers/  the rep's answers to the active questions
- PUT /api/v1/opportunities/{id}/coaching/answers/  record one answer or several
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dealcoach.api.base import ErrorSerializer
from deals.selectors import opportunity_get_for_user

from .scoring import ANSWER_CHOICES
from .selectors import coaching_answer_rows, coaching_result_for
from .services import AnswerInput, coaching_answers_set

# --- response shapes (documentation; the data comes from CoachingResult.to_dict) -------------------


class GapSerializer(serializers.Serializer):
    reason = serializers.CharField(
        help_text="What is missing or wrong, from the data, then what the rep answered (or that they have not)."
    )
    question = serializers.CharField(help_text="The coaching question to ask the rep next.")
    action = serializers.CharField(help_text="A suggested next step.")
    question_key = serializers.CharField(help_text="The question's key: answer it at .../coaching/answers/.")


class DimensionSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    status = serializers.ChoiceField(choices=["red", "amber", "green"], help_text="green ≥ 70, amber ≥ 40, else red.")
    evidence = serializers.ListField(child=serializers.CharField(), help_text="What earned points.")
    gaps = GapSerializer(many=True, help_text="One per missing fact, in the order to raise them.")
    unanswered = serializers.ListField(
        child=serializers.CharField(),
        help_text="Keys of questions expected at this stage and not answered, about facts with no gap in the data.",
    )


class NextQuestionSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    question = serializers.CharField(help_text="The question's key.")
    text = serializers.CharField(help_text="The question to ask.")
    reason = serializers.CharField()
    action = serializers.CharField()


class AnchorSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["present", "missing", "inconsistent"])
    reason = serializers.CharField()


class CoachingSerializer(serializers.Serializer):
    overall = serializers.IntegerField(min_value=0, max_value=100, help_text="Average of the four dimensions.")
    dimensions = inline_serializer(
        "CoachingDimensions",
        {name: DimensionSerializer() for name in ("relationships", "strategy", "value", "process")},
    )
    anchors = inline_serializer(
        "CoachingAnchors",
        {name: AnchorSerializer() for name in ("budget", "timeline", "compelling_event", "success_criteria")},
    )
    next = NextQuestionSerializer(
        allow_null=True,
        help_text="The deal's top-ranked gap across the four dimensions (docs/coaching.md, priority order): "
                  "the question to ask first. Null when there is no gap.",
    )


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField(source="question.key", help_text="The question's key.")
    dimension = serializers.CharField(source="question.dimension")
    text = serializers.CharField(source="question.text")
    answer = serializers.ChoiceField(choices=ANSWER_CHOICES, source="answer.answer", allow_null=True, default=None)
    evidence = serializers.CharField(source="answer.evidence", default="")
    answered_by = serializers.CharField(source="answer.answered_by.username", allow_null=True, default=None)
    answered_at = serializers.DateTimeField(source="answer.answered_at", allow_null=True, default=None)


class AnswerListSerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True)


class AnswerWriteSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="A question key, e.g. `rel_economic_buyer`.")
    answer = serializers.ChoiceField(choices=ANSWER_CHOICES)
    evidence = serializers.CharField(required=False, allow_blank=True, help_text="What shows it; earns more than a bare yes.")


class AnswerWriteListSerializer(serializers.Serializer):
    answers = AnswerWriteSerializer(many=True)


NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such deal, or not yours to see.")


def _answer_inputs(data) -> list[AnswerInput]:
    """Accept `{"question", "answer", "evidence"}`, `{"answers": [...]}` or a bare list."""
    if isinstance(data, dict) and "answers" in data:
        data = data["answers"]
        if not isinstance(data, list):
            raise ValidationError({"answers": ["Send a list of answers."]})
    if isinstance(data, dict):
        return [AnswerInput(data.get("question"), data.get("answer"), data.get("evidence", ""))]
    if isinstance(data, list):
        inputs = []
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                raise ValidationError({f"answers[{index}]": ["Each answer is an object with question and answer."]})
            inputs.append(AnswerInput(
                item.get("question"), item.get("answer"), item.get("evidence", ""), prefix=f"answers[{index}]."
            ))
        return inputs
    raise ValidationError({"non_field_errors": ["Send an answer object or a list of them."]})


class CoachingApi(APIView):
    @extend_schema(
        operation_id="coaching_retrieve",
        tags=["coaching"],
        summary="The deal's RSVP scorecard and anchors",
        description=(
            "Relationships, Strategy, Value and Process, each 0–100 with a red / amber / green status, "
            "the evidence behind it and the gaps with the next coaching question. Computed from the "
            "current data; the rules are documented in docs/coaching.md."
        ),
        responses={200: CoachingSerializer, 404: NOT_FOUND},
    )
    def get(self, request, opportunity_id: int):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        return Response(coaching_result_for(opportunity).to_dict())


class CoachingAnswersApi(APIView):
    @extend_schema(
        operation_id="coaching_answers_list",
        tags=["coaching"],
        summary="The rep's answers to the coaching questions",
        description="Every active question, with this deal's answer (null when unanswered).",
        responses={200: AnswerListSerializer, 404: NOT_FOUND},
    )
    def get(self, request, opportunity_id: int):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        return Response(AnswerListSerializer({"answers": coaching_answer_rows(opportunity=opportunity)}).data)

    @extend_schema(
        operation_id="coaching_answers_set",
        tags=["coaching"],
        summary="Record answers to coaching questions",
        description=(
            "Send one answer `{question, answer, evidence}` or several as `{\"answers\": [...]}`. "
            "All or nothing: a bad item returns 400 naming the field (`answer`, or `answers[2].answer` "
            "in a list) and the reason. Evidence earns more than a bare yes; data that contradicts an "
            "answer wins. Returns every answer after the write."
        ),
        request=AnswerWriteListSerializer,
        responses={
            200: AnswerListSerializer,
            400: ErrorSerializer,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Two answers",
                value={"answers": [
                    {"question": "rel_economic_buyer", "answer": "yes",
                     "evidence": "Met the CFO on 3 March; she owns the budget line."},
                    {"question": "proc_procurement", "answer": "dont_know"},
                ]},
                request_only=True,
            ),
        ],
    )
    def put(self, request, opportunity_id: int):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        coaching_answers_set(actor=request.user, opportunity=opportunity, items=_answer_inputs(request.data))
        return Response(AnswerListSerializer({"answers": coaching_answer_rows(opportunity=opportunity)}).data)

