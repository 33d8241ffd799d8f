"""REST endpoints for accounts and stakeholders: thin views over the
permission-scoped selectors and the same services the browser uses."""

import django_filters
from drf_spectacular.utils import extend_schema_view

from accounts.models import Account, Stakeholder
from accounts.selectors import accounts_visible_to, stakeholders_visible_to
from accounts.services import (
    account_create,
    account_soft_delete,
    account_update,
    stakeholder_create,
    stakeholder_soft_delete,
    stakeholder_update,
)
from sync.resources.base import IdFilter, ResourceViewSet, UpdatedSinceFilterSet, resource_schema
from sync.upsert.accounts import (
    ACCOUNT_READ_ONLY,
    ACCOUNT_SPECS,
    STAKEHOLDER_READ_ONLY,
    STAKEHOLDER_SPECS,
    accounts_upsert,
    resolve_owners,
    resolve_refs,
    stakeholders_upsert,
)
from sync.upsert.engine import item_for, parse_single, raise_item_errors

from .account_serializers import AccountSerializer, StakeholderSerializer


class AccountFilterSet(UpdatedSinceFilterSet):
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = Account
        fields = ["owner", "updated_since", "external_id"]


class StakeholderFilterSet(UpdatedSinceFilterSet):
    account = IdFilter(field_name="account_id")
    seniority = django_filters.ChoiceFilter(choices=Stakeholder.Seniority.choices)

    class Meta:
        model = Stakeholder
        fields = ["account", "seniority", "updated_since", "external_id"]


def _with_external_id(specs):
    return {**specs, **ResourceViewSet.create_only_specs}


@extend_schema_view(**resource_schema(tag="accounts", serializer=AccountSerializer, specs=ACCOUNT_SPECS))
class AccountViewSet(ResourceViewSet):
    serializer_class = AccountSerializer
    write_specs = ACCOUNT_SPECS
    filterset_class = AccountFilterSet
    resource_label = "account"
    soft_delete_service = staticmethod(account_soft_delete)
    upsert_service = staticmethod(accounts_upsert)

    def base_queryset(self):
        return accounts_visible_to(self.request.user)

    def _values(self, raw, *, partial):
        data = parse_single(raw=raw, specs=_with_external_id(ACCOUNT_SPECS), read_only=ACCOUNT_READ_ONLY,
                            partial=partial)
        item = item_for(data=data)
        resolve_owners(actor=self.request.user, items=[item])
        raise_item_errors(item)
        return {**{k: v for k, v in data.items() if k != "owner"}, **item.values}

    def perform_create(self, raw):
        values = self._values(raw, partial=False)
        return account_create(actor=self.request.user, name=values.pop("name"), owner=values.pop("owner", None),
                              **values)

    def perform_update(self, account, raw, *, partial):
        return account_update(actor=self.request.user, account=account, data=self._values(raw, partial=partial))


@extend_schema_view(**resource_schema(tag="stakeholders", serializer=StakeholderSerializer, specs=STAKEHOLDER_SPECS))
class StakeholderViewSet(ResourceViewSet):
    serializer_class = StakeholderSerializer
    write_specs = STAKEHOLDER_SPECS
    filterset_class = StakeholderFilterSet
    resource_label = "stakeholder"
    soft_delete_service = staticmethod(stakeholder_soft_delete)
    upsert_service = staticmethod(stakeholders_upsert)

    def base_queryset(self):
        return stakeholders_visible_to(self.request.user)

    def _values(self, raw, *, partial, stakeholder=None):
        user = self.request.user
        data = parse_single(raw=raw, specs=_with_external_id(STAKEHOLDER_SPECS), read_only=STAKEHOLDER_READ_ONLY,
                            partial=partial)
        item = item_for(data=data)
        resolve_refs(items=[item], queryset=accounts_visible_to(user), id_field="account",
                     external_field="account_external_id", target="account", label="account")
        resolve_refs(items=[item], queryset=stakeholders_visible_to(user), id_field="reports_to",
                     external_field="reports_to_external_id", target="reports_to", label="stakeholder")
        raise_item_errors(item)
        values = {k: v for k, v in data.items() if k in ("name", "title", "email", "seniority", "external_id")}
        values.update(item.values)
        if stakeholder is not None and "account" in values:
            if values["account"].pk != stakeholder.account_id:
                item.error("account", "A stakeholder cannot move to another account.")
                raise_item_errors(item)
            values.pop("account")
        return values

    def perform_create(self, raw):
        values = self._values(raw, partial=False)
        return stakeholder_create(actor=self.request.user, account=values.pop("account"), name=values.pop("name"),
                                  **values)

    def perform_update(self, stakeholder, raw, *, partial):
        values = self._values(raw, partial=partial, stakeholder=stakeholder)
        return stakeholder_update(actor=self.request.user, stakeholder=stakeholder, data=values)
