"""JSON shapes of accounts and stakeholders in the API (output; the input
contract is the field specs in sync/upsert/accounts.py)."""

from rest_framework import serializers

from accounts.models import Account, Stakeholder


class AccountSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", read_only=True, help_text="User id of the owner.")

    class Meta:
        model = Account
        fields = ["id", "external_id", "name", "domain", "industry", "owner", "created_at", "updated_at"]
        read_only_fields = fields


class StakeholderSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id", read_only=True)
    reports_to = serializers.IntegerField(source="reports_to_id", read_only=True, allow_null=True)
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    class Meta:
        model = Stakeholder
        fields = ["id", "external_id", "account", "name", "title", "email", "seniority", "reports_to"]
        read_only_fields = fields
