"""Request and response shapes of the close-plan API (documented in the OpenAPI schema)."""

from rest_framework import serializers

from dealcoach.dates import HORIZON_END, HORIZON_START, validate_in_horizon

from .models import MAX_DURATION_DAYS, Side

STATUSES = ("done", "overdue", "late", "on_track")


class ClosePlanErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field name → reasons.",
    )


class MilestoneOwnerSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["stakeholder", "user"],
        help_text="stakeholder: a person at the customer's account; user: someone on the deal owner's team.",
    )
    id = serializers.IntegerField()
    name = serializers.CharField(read_only=True)


class MilestoneOutSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    side = serializers.ChoiceField(choices=Side.choices)
    duration_days = serializers.IntegerField(help_text="Business days.")
    depends_on = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the milestones it waits for."
    )
    owner = MilestoneOwnerSerializer(allow_null=True)
    status = serializers.ChoiceField(
        choices=STATUSES,
        help_text="done; overdue (latest finish passed); late (negative slack: cannot start in time); on_track.",
    )
    done_on = serializers.DateField(allow_null=True)
    latest_start = serializers.DateField()
    latest_finish = serializers.DateField()
    earliest_start = serializers.DateField()
    earliest_finish = serializers.DateField()
    slack_days = serializers.IntegerField(
        help_text="Business days from earliest to latest start; negative when late."
    )
    critical = serializers.BooleanField(help_text="On the critical path: has the plan's minimum slack.")


class ClosePlanChangeSerializer(serializers.Serializer):
    milestone_key = serializers.CharField(help_text="Blank for a change to the plan itself (go-live date).")
    field = serializers.CharField()
    old_value = serializers.CharField()
    new_value = serializers.CharField()
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(allow_null=True)


class ClosePlanOutSerializer(serializers.Serializer):
    opportunity_id = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Bumped by every change to milestones or dates.")
    as_of = serializers.DateField()
    template = serializers.CharField(allow_null=True)
    go_live_date = serializers.DateField()
    why_go_live_matters = serializers.CharField()
    feasible = serializers.BooleanField()
    sign_by = serializers.DateField(allow_null=True, help_text="Latest finish of contract_signed.")
    earliest_signing = serializers.DateField(allow_null=True, help_text="Earliest finish of contract_signed.")
    min_slack = serializers.IntegerField(allow_null=True)
    expected_close_date = serializers.DateField(allow_null=True, help_text="The rep's, from the deal.")
    at_risk = serializers.BooleanField(help_text="Not feasible, or the expected close is after sign_by.")
    wishful_thinking = serializers.BooleanField(
        help_text="The expected close is before the earliest signing."
    )
    validated_at = serializers.DateTimeField(allow_null=True)
    validated_by = serializers.CharField(allow_null=True)
    validated_by_stakeholder = serializers.IntegerField(
        allow_null=True, help_text="The stakeholder who confirmed, having proved their work email."
    )
    validated_by_title = serializers.CharField(allow_blank=True)
    validated_by_role = serializers.CharField(allow_null=True, help_text="Their role on the deal when they confirmed.")
    validated_by_someone_who_can_sign = serializers.BooleanField(
        help_text="Confirmed by an economic buyer, decision maker, procurement or legal role."
    )
    validated_version = serializers.IntegerField(allow_null=True)
    changed_since_validation = serializers.BooleanField()
    changes_since_validation = ClosePlanChangeSerializer(many=True)
    milestones = MilestoneOutSerializer(many=True)


class ClosePlanCreateSerializer(serializers.Serializer):
    go_live_date = serializers.DateField(
        required=False, allow_null=True, validators=[validate_in_horizon],
        help_text=f"YYYY-MM-DD, {HORIZON_START} to {HORIZON_END}. Defaults to the deal's go-live date.",
    )
    template = serializers.SlugField(default="default")
    why_go_live_matters = serializers.CharField(required=False, allow_blank=True, default="")


class MilestoneCreateSerializer(serializers.Serializer):
    key = serializers.CharField(
        required=False, allow_blank=True, help_text="Made from the name when omitted."
    )
    name = serializers.CharField(max_length=200)
    side = serializers.ChoiceField(choices=Side.choices, default=Side.CUSTOMER)
    duration_days = serializers.IntegerField(max_value=MAX_DURATION_DAYS)
    depends_on = serializers.ListField(child=serializers.CharField(), default=list)
    required_by = serializers.ListField(
        child=serializers.CharField(),
        default=list,
        help_text="Keys of milestones that will wait for this one.",
    )
    owner = MilestoneOwnerSerializer(required=False, allow_null=True)


class MilestonePatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    side = serializers.ChoiceField(choices=Side.choices, required=False)
    duration_days = serializers.IntegerField(max_value=MAX_DURATION_DAYS, required=False)
    depends_on = serializers.ListField(child=serializers.CharField(), required=False)
    owner = MilestoneOwnerSerializer(required=False, allow_null=True)
    done_on = serializers.DateField(
        required=False, allow_null=True, validators=[validate_in_horizon],
        help_text=f"YYYY-MM-DD, {HORIZON_START} to {HORIZON_END}; null re-opens it.",
    )


# --- the mutual plan (the rep's side) -------------------------------------------------------


class ShareLinkOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    last_opened_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    recipients = serializers.ListField(child=serializers.IntegerField(), help_text="Stakeholder ids.")


class ShareLinkCreateSerializer(serializers.Serializer):
    recipients = serializers.ListField(
        child=serializers.IntegerField(), default=list,
        help_text="Stakeholders at the account to email the link to; empty creates the link only.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    valid_days = serializers.IntegerField(default=30, min_value=1, max_value=180)


class CommentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    milestone_key = serializers.CharField(allow_blank=True)
    author_type = serializers.CharField(help_text="stakeholder (the customer) or user (our side).")
    author_id = serializers.IntegerField(allow_null=True)
    author_name = serializers.CharField()
    in_reply_to = serializers.IntegerField(allow_null=True)
    body = serializers.CharField(help_text="Plain text as typed: escape it where you render it.")
    created_at = serializers.DateTimeField()
    waiting = serializers.BooleanField(help_text="A buyer's comment no one answered yet.")


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000)
    in_reply_to = serializers.IntegerField(required=False, allow_null=True)


class ProposalOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    milestone_key = serializers.CharField(help_text="go_live for the go-live date.")
    current_date = serializers.DateField()
    proposed_date = serializers.DateField()
    reason = serializers.CharField()
    proposed_by = serializers.IntegerField(allow_null=True, help_text="Stakeholder id.")
    status = serializers.ChoiceField(choices=["pending", "accepted", "declined"])
    reply = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class ProposalDecisionSerializer(serializers.Serializer):
    reply = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
