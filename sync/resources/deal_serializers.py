"""JSON shapes of deals, roles, activities and stages in the API (output; the
input contract is the field specs in sync/upsert/deals.py)."""

from rest_framework import serializers

from deals.models import Activity, DealRole, Opportunity, Stage


class DealRoleSerializer(serializers.ModelSerializer):
    stakeholder = serializers.IntegerField(source="stakeholder_id", read_only=True)

    class Meta:
        model = DealRole
        fields = ["stakeholder", "role", "stance", "influence", "strength", "leans_to_competitor"]
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id", read_only=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True, help_text="User id of the owning rep.")
    stage = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Stage slug.")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, coerce_to_string=True)
    budget_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, coerce_to_string=True, allow_null=True
    )
    competitors = serializers.ListField(child=serializers.CharField(), read_only=True)
    roles = DealRoleSerializer(many=True, read_only=True)
    propensity = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Stage probability decayed by time since senior engagement (0-1)."
    )

    class Meta:
        model = Opportunity
        fields = [
            "id", "external_id", "account", "owner", "name", "amount", "currency", "stage", "status",
            "lost_reason", "expected_close_date", "go_live_date", "budget_status", "budget_amount",
            "compelling_event", "consequence_if_missed", "success_criteria", "business_value", "strategy",
            "strategy_notes", "competitors", "forecast_category", "roles", "propensity", "created_at", "updated_at",
        ]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    opportunity = serializers.IntegerField(source="opportunity_id", read_only=True)
    stakeholders = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "external_id", "opportunity", "kind", "occurred_at", "summary", "stakeholders"]
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["slug", "name", "order", "probability", "rot_days", "forecast_category"]
        read_only_fields = fields
