"""REST API for a deal's close plan: /api/v1/opportunities/{id}/close-plan/...

Thin views: parse, fetch the deal with permission (404 for deals the caller
cannot see), call one service, render the plan with its computed dates.
Writes return the whole plan, because one change moves many dates. The ETag
is the plan's version; PATCH and DELETE (and POST of a milestone) honour
If-Match with 412 when it is stale.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from dealcoach.api.errors import JSONErrorsMixin, error_response
from dealcoach.api.etag import IF_MATCH_PARAMETER, PreconditionFailed, if_match_tags
from dealcoach.dates import OUT_OF_HORIZON, horizon_error
from deals.selectors import opportunity_get_for_user

from . import services
from .exports import csv_response, export_filename, export_title, ics_response
from .models import ClosePlan
from .selectors import (
    PlanDetail,
    owner_stakeholders_for,
    owner_users_for,
    plan_detail,
    plan_get_for_opportunity,
)
from .serializers import (
    ClosePlanCreateSerializer,
    ClosePlanErrorSerializer,
    ClosePlanOutSerializer,
    MilestoneCreateSerializer,
    MilestonePatchSerializer,
)

# `ClosePlan.etag` without its W/ (if_match_tags drops it).
PLAN_TAG = re.compile(r'^"closeplan-(?P<plan>\d+)-v(?P<version>\d+)"$')


# --- helpers -----------------------------------------------------------------------


def _as_of(request) -> dt.date:
    raw = request.query_params.get("as_of")
    if not raw:
        return timezone.localdate()
    try:
        parsed = parse_date(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        raise exceptions.ValidationError({"as_of": [f"'{raw}' is not a date; use YYYY-MM-DD."]})
    if reason := horizon_error(parsed):
        raise exceptions.ValidationError({"as_of": [reason]}, code=OUT_OF_HORIZON)
    return parsed


def _plan_payload(detail: PlanDetail) -> dict:
    plan, schedule, summary = detail.plan, detail.schedule, detail.summary
    return {
        "opportunity_id": plan.opportunity_id,
        "version": plan.version,
        "as_of": detail.as_of,
        "template": plan.template.slug if plan.template_id else None,
        "go_live_date": plan.go_live_date,
        "why_go_live_matters": plan.why_go_live_matters,
        "feasible": schedule.feasible,
        "sign_by": schedule.sign_by,
        "earliest_signing": schedule.earliest_signing,
        "min_slack": schedule.min_slack,
        "expected_close_date": summary.expected_close_date,
        "at_risk": summary.at_risk,
        "wishful_thinking": summary.wishful_thinking,
        "validated_at": plan.validated_at,
        "validated_by": plan.validated_by_name or None,
        "validated_by_stakeholder": plan.validated_by_stakeholder_id,
        "validated_by_title": plan.validated_by_title,
        "validated_by_role": plan.validated_by_role or None,
        "validated_by_someone_who_can_sign": plan.validated_by_someone_who_can_sign,
        "validated_version": plan.validated_version,
        "changed_since_validation": plan.changed_since_validation,
        "changes_since_validation": [
            {
                "milestone_key": c.milestone_key,
                "field": c.field,
                "old_value": c.old_value,
                "new_value": c.new_value,
                "changed_at": c.changed_at,
                "changed_by": str(c.changed_by) if c.changed_by_id else None,
            }
            for c in detail.changes_since_validation
        ],
        "milestones": [
            {
                "key": row.scheduled.key,
                "name": row.scheduled.name,
                "side": row.scheduled.side,
                "duration_days": row.scheduled.duration_days,
                "depends_on": list(row.scheduled.depends_on),
                "owner": (
                    {"type": row.owner_kind, "id": row.owner.pk, "name": row.owner_name}
                    if row.owner_kind
                    else None
                ),
                "status": row.status,
                "done_on": row.scheduled.done_on,
                "latest_start": row.scheduled.latest_start,
                "latest_finish": row.scheduled.latest_finish,
                "earliest_start": row.scheduled.earliest_start,
                "earliest_finish": row.scheduled.earliest_finish,
                "slack_days": row.scheduled.slack_days,
                "critical": row.scheduled.critical,
            }
            for row in detail.milestones
        ],
    }


def _plan_response(opportunity_id: int, as_of: dt.date, *, status_code: int = status.HTTP_200_OK) -> Response:
    plan = plan_get_for_opportunity(opportunity_id=opportunity_id)
    data = ClosePlanOutSerializer(_plan_payload(plan_detail(plan, as_of))).data
    return Response(data, status=status_code, headers={"ETag": plan.etag})


def _resolve_owner(opportunity, data: dict | None):
    """The Stakeholder or User an owner reference names, within what may own a milestone."""
    if data is None:
        return None
    if data["type"] == "stakeholder":
        owner = owner_stakeholders_for(opportunity).filter(pk=data["id"]).first()
        if owner is None:
            raise exceptions.ValidationError(
                {"owner": [f"No stakeholder {data['id']} at {opportunity.account.name}."]}
            )
        return owner
    owner = owner_users_for(opportunity).filter(pk=data["id"]).first()
    if owner is None:
        raise exceptions.ValidationError({"owner": [f"No user {data['id']} on the deal owner's team."]})
    return owner


def _reject_unknown_fields(request, serializer_class) -> None:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
    unknown = sorted(set(request.data) - set(serializer_class().fields))
    if unknown:
        raise exceptions.ValidationError({field: ["Unknown or read-only field."] for field in unknown})


def _validated(serializer_class, request, *, partial: bool = False) -> dict:
    """Validate the body; errors come back as {field: [reasons]}, nested ones flattened."""
    _reject_unknown_fields(request, serializer_class)
    serializer = serializer_class(data=request.data, partial=partial)
    if not serializer.is_valid():
        raise exceptions.ValidationError(
            {field: _flatten_reasons(reasons) for field, reasons in serializer.errors.items()}
        )
    return dict(serializer.validated_data)


def _flatten_reasons(reasons, prefix: str = "") -> list[str]:
    if isinstance(reasons, dict):
        return [r for key, nested in reasons.items() for r in _flatten_reasons(nested, f"{prefix}{key}: ")]
    if isinstance(reasons, list):
        return [r for nested in reasons for r in _flatten_reasons(nested, prefix)]
    return [f"{prefix}{reasons}"]


def _expected_version(request, plan: ClosePlan) -> int | None:
    """The version an If-Match header expects; None when there is none (or `*`).
    The service compares it with the plan's version under the plan's lock."""
    tags = if_match_tags(request.headers.get("If-Match"))
    if tags is None:
        return None
    versions = [int(m["version"]) for m in map(PLAN_TAG.match, tags) if m and int(m["plan"]) == plan.pk]
    if not versions:
        raise PreconditionFailed()
    return plan.version if plan.version in versions else versions[0]


def _precondition_failed(plan_id: int) -> Response:
    plan = ClosePlan.objects.get(pk=plan_id)
    return Response(
        {
            "detail": (
                f"The plan has changed since you read it (now version {plan.version}). "
                "GET it again and re-apply your change."
            ),
            "code": "precondition_failed",
        },
        status=status.HTTP_412_PRECONDITION_FAILED,
        headers={"ETag": plan.etag},
    )


def _plan_or_404(opportunity_id: int) -> ClosePlan:
    plan = plan_get_for_opportunity(opportunity_id=opportunity_id)
    if plan is None:
        raise exceptions.NotFound("This deal has no close plan yet.")
    return plan


ERRORS_404 = OpenApiResponse(
    ClosePlanErrorSerializer, description="No such deal visible to you, or it has no plan."
)
ERRORS_400 = OpenApiResponse(
    ClosePlanErrorSerializer,
    description="Bad input: `errors` names each field and the reason (a dependency cycle names the milestones).",
    examples=[
        OpenApiExample(
            "Cycle",
            value={
                "detail": "Invalid input.",
                "code": "invalid",
                "errors": {"depends_on": ["Dependency cycle: evaluation → kickoff → evaluation."]},
            },
        )
    ],
)
ERRORS_412 = OpenApiResponse(
    ClosePlanErrorSerializer, description="If-Match names an older version of the plan."
)
IF_MATCH = IF_MATCH_PARAMETER
AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    OpenApiParameter.QUERY,
    required=False,
    description="Schedule the forward pass from this date (YYYY-MM-DD). Default: today.",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="The plan's version; send it back as If-Match on writes.",
)


# --- views -------------------------------------------------------------------------


class ClosePlanAPI(APIView):
    @extend_schema(
        operation_id="close_plan_retrieve",
        tags=["close plan"],
        summary="The deal's close plan with every computed date",
        description=(
            "The plan with each milestone's earliest and latest start and finish, slack and status, scheduled "
            "on business days from today (or `as_of`) to the go-live date: `sign_by` is the latest the contract "
            "can be signed, `at_risk` whether the deal's expected close date still fits, and the buyer's "
            "validation if they confirmed the plan. The ETag header is the plan's version, for If-Match on "
            "milestone writes. 404 when the deal has no plan or you may not see it."
        ),
        parameters=[AS_OF, ETAG],
        responses={200: OpenApiResponse(ClosePlanOutSerializer), 400: ERRORS_400, 404: ERRORS_404},
    )
    def get(self, request, opportunity_id: int):
        as_of = _as_of(request)
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        _plan_or_404(opportunity.pk)
        return _plan_response(opportunity.pk, as_of)

    @extend_schema(
        operation_id="close_plan_create",
        tags=["close plan"],
        summary="Create the deal's close plan from a template",
        description=(
            "Creates the plan from a milestone template (`default` unless `template` names another), "
            "scheduled back from `go_live_date` (default: the deal's go-live date), with "
            "`why_go_live_matters`, the reason the buyer sees. Answers 201 with the whole plan and its ETag; "
            "409 when the deal already has a plan. Safe to retry with an Idempotency-Key."
        ),
        parameters=[ETAG],
        request=ClosePlanCreateSerializer,
        responses={
            201: OpenApiResponse(ClosePlanOutSerializer),
            400: ERRORS_400,
            404: ERRORS_404,
            409: OpenApiResponse(ClosePlanErrorSerializer, description="The deal already has a close plan."),
        },
    )
    def post(self, request, opportunity_id: int):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        data = _validated(ClosePlanCreateSerializer, request)
        try:
            services.plan_create_from_template(
                actor=request.user,
                opportunity=opportunity,
                go_live_date=data.get("go_live_date"),
                template_slug=data["template"],
                why_go_live_matters=data["why_go_live_matters"],
            )
        except services.PlanAlreadyExists:
            return error_response(status.HTTP_409_CONFLICT, "This deal already has a close plan.")
        return _plan_response(opportunity.pk, timezone.localdate(), status_code=status.HTTP_201_CREATED)


# What a conditional write does, said in each milestone write's description.
IF_MATCH_NOTE = (
    "Send the plan's ETag as If-Match to make the write conditional: if the plan changed since, nothing is "
    "written and the answer is 412 with the current version."
)


class MilestonesAPI(APIView):
    @extend_schema(
        operation_id="close_plan_milestones_create",
        tags=["close plan"],
        summary="Add a milestone",
        description=(
            "Adds a milestone (its `key` is made from the name when omitted): side, duration in business days, "
            "the milestones it waits for (`depends_on`), those that will wait for it (`required_by`) and an "
            "owner at the customer or on the deal owner's team. One change moves many dates, so the answer is "
            "the whole plan, recomputed, with its new ETag (201). "
            + IF_MATCH_NOTE
        ),
        parameters=[IF_MATCH, ETAG],
        request=MilestoneCreateSerializer,
        responses={
            201: OpenApiResponse(ClosePlanOutSerializer, description="The whole plan, recomputed."),
            400: ERRORS_400,
            404: ERRORS_404,
            412: ERRORS_412,
        },
    )
    def post(self, request, opportunity_id: int):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        plan = _plan_or_404(opportunity.pk)
        data = _validated(MilestoneCreateSerializer, request)
        try:
            services.milestone_add(
                actor=request.user,
                plan=plan,
                key=data.get("key") or None,
                name=data["name"],
                side=data["side"],
                duration_days=data["duration_days"],
                depends_on=data["depends_on"],
                required_by=data["required_by"],
                owner=_resolve_owner(opportunity, data.get("owner")),
                expected_version=_expected_version(request, plan),
            )
        except (PreconditionFailed, services.StalePlanVersion):
            return _precondition_failed(plan.pk)
        return _plan_response(opportunity.pk, timezone.localdate(), status_code=status.HTTP_201_CREATED)


class MilestoneAPI(APIView):
    @extend_schema(
        operation_id="close_plan_milestones_partial_update",
        tags=["close plan"],
        summary="Change a milestone: name, duration, dependencies, owner, done date",
        description=(
            "Only the fields sent change; `done_on` marks the milestone done on that date (null re-opens it). "
            "Answers 200 with the whole plan, recomputed, and its new ETag; 404 for a `key` the plan does not "
            "have. "
            + IF_MATCH_NOTE
        ),
        parameters=[IF_MATCH, ETAG],
        request=MilestonePatchSerializer,
        responses={
            200: OpenApiResponse(ClosePlanOutSerializer, description="The whole plan, recomputed."),
            400: ERRORS_400,
            404: ERRORS_404,
            412: ERRORS_412,
        },
    )
    def patch(self, request, opportunity_id: int, key: str):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        plan = _plan_or_404(opportunity.pk)
        data = _validated(MilestonePatchSerializer, request, partial=True)
        if "owner" in data:
            data["owner"] = _resolve_owner(opportunity, data["owner"])
        try:
            services.milestone_update(
                actor=request.user,
                plan=plan,
                key=key,
                data=data,
                expected_version=_expected_version(request, plan),
            )
        except (PreconditionFailed, services.StalePlanVersion):
            return _precondition_failed(plan.pk)
        except ObjectDoesNotExist:
            raise exceptions.NotFound(f"No milestone '{key}' in this plan.") from None
        return _plan_response(opportunity.pk, timezone.localdate())

    @extend_schema(
        operation_id="close_plan_milestones_destroy",
        tags=["close plan"],
        summary="Remove a milestone (what waited for it then waits for what it waited for)",
        description=(
            "Removes the milestone and keeps the chain: what waited for it now waits for what it waited for. "
            "Answers 204 with the plan's new ETag in the header; 404 for a `key` the plan does not have. "
            + IF_MATCH_NOTE
        ),
        parameters=[IF_MATCH, ETAG],
        request=None,
        responses={
            204: OpenApiResponse(None, description="Removed; the new ETag is in the header."),
            404: ERRORS_404,
            412: ERRORS_412,
        },
    )
    def delete(self, request, opportunity_id: int, key: str):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        plan = _plan_or_404(opportunity.pk)
        try:
            services.milestone_remove(
                actor=request.user, plan=plan, key=key, expected_version=_expected_version(request, plan)
            )
        except (PreconditionFailed, services.StalePlanVersion):
            return _precondition_failed(plan.pk)
        except ObjectDoesNotExist:
            raise exceptions.NotFound(f"No milestone '{key}' in this plan.") from None
        plan.refresh_from_db(fields=["version"])
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"ETag": plan.etag})


class _PassthroughRenderer(BaseRenderer):
    """Lets content negotiation accept the export's type; errors still go out as JSON text."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | str):
            return data
        return json.dumps(data)


class CSVRenderer(_PassthroughRenderer):
    media_type = "text/csv"
    format = "csv"


class ICSRenderer(_PassthroughRenderer):
    media_type = "text/calendar"
    format = "ics"


class ClosePlanCSVAPI(JSONErrorsMixin, APIView):
    renderer_classes = [CSVRenderer, JSONRenderer]

    @extend_schema(
        operation_id="close_plan_export_csv",
        tags=["close plan"],
        summary="The plan as CSV: one row per milestone with every computed date",
        description=(
            "A UTF-8 CSV file to open in a spreadsheet, named after the deal: a header row, then one row per "
            "milestone with its side, owner, duration, dependencies, earliest and latest dates, slack and "
            "status, scheduled from today (or `as_of`). Errors come as JSON (`application/json`), like every "
            "error of this API."
        ),
        parameters=[AS_OF],
        responses={(200, "text/csv"): OpenApiTypes.STR, (400, "application/json"): ERRORS_400,
                   (404, "application/json"): ERRORS_404},
    )
    def get(self, request, opportunity_id: int):
        as_of = _as_of(request)
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        plan = _plan_or_404(opportunity.pk)
        return csv_response(plan_detail(plan, as_of), export_filename(plan))


class ClosePlanICSAPI(JSONErrorsMixin, APIView):
    renderer_classes = [ICSRenderer, JSONRenderer]

    @extend_schema(
        operation_id="close_plan_export_ics",
        tags=["close plan"],
        summary="The plan as iCalendar: one all-day event per milestone at its latest finish",
        description=(
            "An iCalendar (`.ics`) file to import into a calendar: one all-day event per milestone on the "
            "latest day it can finish without moving the go-live date, scheduled from today. Errors come as "
            "JSON (`application/json`), like every error of this API."
        ),
        responses={(200, "text/calendar"): OpenApiTypes.STR, (404, "application/json"): ERRORS_404},
    )
    def get(self, request, opportunity_id: int):
        opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
        plan = _plan_or_404(opportunity.pk)
        detail = plan_detail(plan, timezone.localdate())
        return ics_response(detail, export_filename(plan), title=export_title(plan))
