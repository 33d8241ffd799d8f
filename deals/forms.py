"""Forms of the rep's desk. They parse and check input; writes go through the
services (`deals.services`, `deals.desk_services`), which have the last word."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Stakeholder
from accounts.selectors import accounts_visible_to
from dealcoach.currencies import CURRENCY_CODES
from dealcoach.dates import check_planning_date, validate_in_horizon

from .desk_services import NewAccount, NewStakeholder
from .models import Activity, DealRole, ForecastCategory, Opportunity, Stage

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: on the named field when
    the form has it, otherwise as a form-wide error that still names the field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        messages = [m for e in errors for m in e.messages]
        if field in form.fields:
            form.add_error(field, messages)
        elif field == "__all__":
            form.add_error(None, messages)
        else:
            form.add_error(None, [f"{field.replace('_', ' ').capitalize()}: {m}" for m in messages])


class CurrencyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean((value or "").strip().upper())
        if value and value not in CURRENCY_CODES:
            raise ValidationError(f"'{value}' is not an ISO 4217 currency code (e.g. USD, EUR, GBP).")
        return value


def non_negative(value):
    if value is not None and value < 0:
        raise ValidationError("Amount cannot be negative.")


# --- My deals -----------------------------------------------------------------

# Built-in sorts; coaching columns registered with a `sort` add theirs (e.g. RSVP overall).
SORTS = {"close": "Close date", "amount": "Amount", "stage": "Stage", "updated": "Last updated"}
STATUS_CHOICES = [("open", "Open"), ("won", "Won"), ("lost", "Lost"), ("all", "All")]


class DealListQuery(forms.Form):
    """The query string of My deals. Bad values fall back to the defaults
    rather than failing: a stale bookmark still shows the list."""

    q = forms.CharField(required=False, max_length=100)
    stage = forms.ChoiceField(required=False)
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    forecast = forms.ChoiceField(choices=[("", "Any")] + list(ForecastCategory.choices), required=False)
    owner = forms.ChoiceField(required=False, label="Rep")
    sort = forms.CharField(required=False)
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data, *, stages, owners, extra_filters=(), extra_sorts=()):
        super().__init__(data)
        self.sorts = list(SORTS.items()) + list(extra_sorts)
        self.fields["stage"].choices = [("", "Any stage")] + [(s.slug, s.name) for s in stages]
        self.show_owner = len(owners) > 1
        self.fields["owner"].choices = [("", "Anyone")] + [(str(u.pk), str(u)) for u in owners]
        self.extra_filters = list(extra_filters)
        for list_filter in self.extra_filters:
            self.fields[list_filter.key] = forms.ChoiceField(
                label=list_filter.label, required=False, choices=[("", "Any")] + list_filter.choice_list()
            )
        self._stages = {s.slug: s for s in stages}
        self._owners = {str(u.pk): u for u in owners}

    def values(self) -> dict:
        """Cleaned values; an invalid parameter is dropped, not an error."""
        self.is_valid()
        data = {}
        for name in self.fields:
            raw = self.data.get(name, "")
            if name == "stage":
                data[name] = self._stages.get(raw)
            elif name == "owner":
                data[name] = self._owners.get(raw)
            elif name in self.cleaned_data:
                data[name] = self.cleaned_data[name]
            else:
                data[name] = None
        data["status"] = data.get("status") or "open"
        sort = (data.get("sort") or "close").strip()
        data["sort"] = sort if sort.lstrip("-") in dict(self.sorts) else "close"
        return data


# --- Quick add ------------------------------------------------------------------

class QuickAddForm(forms.Form):
    account_name = forms.CharField(label="Account", max_length=200)
    account_domain = forms.CharField(label="Domain (new account)", max_length=200, required=False)
    stakeholder_name = forms.CharField(label="First stakeholder", max_length=200)
    stakeholder_title = forms.CharField(label="Title", max_length=200, required=False)
    stakeholder_seniority = forms.ChoiceField(
        label="Seniority", choices=Stakeholder.Seniority.choices, initial=Stakeholder.Seniority.STAFF
    )
    stakeholder_role = forms.ChoiceField(
        label="Their role on the deal", choices=DealRole.Role.choices, initial=DealRole.Role.INFLUENCER
    )
    name = forms.CharField(label="Deal name", max_length=200)
    amount = forms.DecimalField(
        label="Amount", max_digits=14, decimal_places=2, required=False, validators=[non_negative]
    )
    currency = CurrencyField(label="Currency")
    stage = forms.ModelChoiceField(
        label="Stage", queryset=Stage.objects.order_by("order"), to_field_name="slug", empty_label=None
    )
    expected_close_date = forms.DateField(label="Expected close", required=False, widget=DATE_INPUT,
                                          validators=[validate_in_horizon])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["currency"].initial = settings.DEALCOACH_DEFAULT_CURRENCY

    def clean_expected_close_date(self):
        # A new deal is open: its close is still to come.
        day = self.cleaned_data.get("expected_close_date")
        check_planning_date(day, today=timezone.localdate())
        return day

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("account_name") or "").strip()
        if not name:
            return cleaned
        cleaned["account"] = self._existing_account(name) or NewAccount(
            name=name, domain=(cleaned.get("account_domain") or "").strip()
        )
        person = (cleaned.get("stakeholder_name") or "").strip()
        if person:
            existing = None
            if not isinstance(cleaned["account"], NewAccount):
                existing = cleaned["account"].stakeholders.alive().filter(name__iexact=person).first()
            cleaned["stakeholder"] = existing or NewStakeholder(
                name=person, title=(cleaned.get("stakeholder_title") or "").strip(),
                seniority=cleaned.get("stakeholder_seniority") or Stakeholder.Seniority.STAFF,
            )
        return cleaned

    def _existing_account(self, name: str):
        # The user's own account wins over a teammate's of the same name.
        matches = sorted(
            accounts_visible_to(self.user).filter(name__iexact=name),
            key=lambda a: (a.owner_id != self.user.pk, a.pk),
        )
        return matches[0] if matches else None

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            "account": c["account"], "stakeholder": c["stakeholder"], "role": c["stakeholder_role"],
            "name": c["name"], "stage": c["stage"], "amount": c.get("amount") or Decimal("0"),
            "currency": c["currency"], "expected_close_date": c.get("expected_close_date"),
        }


# --- The deal page --------------------------------------------------------------

class OpportunityEditForm(forms.Form):
    """Summary and anchors of a deal. Bound to the posted data only; the deal
    itself changes only through `opportunity_update`."""

    name = forms.CharField(max_length=200)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, validators=[non_negative])
    currency = CurrencyField()
    stage = forms.ModelChoiceField(queryset=Stage.objects.order_by("order"), empty_label=None)
    status = forms.ChoiceField(choices=Opportunity.Status.choices)
    lost_reason = forms.CharField(max_length=300, required=False, label="Lost reason")
    forecast_category = forms.ChoiceField(choices=ForecastCategory.choices, label="Forecast category")
    expected_close_date = forms.DateField(required=False, widget=DATE_INPUT, label="Expected close",
                                          validators=[validate_in_horizon])
    go_live_date = forms.DateField(required=False, widget=DATE_INPUT, label="Customer go-live",
                                   validators=[validate_in_horizon])
    budget_status = forms.ChoiceField(choices=Opportunity.BudgetStatus.choices, label="Budget")
    budget_amount = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, label="Budget amount", validators=[non_negative]
    )
    compelling_event = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    consequence_if_missed = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="If the date is missed"
    )
    success_criteria = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    business_value = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    competitors = forms.CharField(
        required=False, help_text="Comma-separated; “do nothing” is always the first competitor."
    )
    strategy = forms.ChoiceField(choices=Opportunity.Strategy.choices, required=False)
    strategy_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def initial_for(cls, opportunity: Opportunity) -> dict:
        initial = {name: getattr(opportunity, name) for name in cls.base_fields if name != "competitors"}
        initial["stage"] = opportunity.stage_id
        initial["competitors"] = ", ".join(opportunity.competitors or [])
        return initial

    def __init__(self, *args, stored: Opportunity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = stored

    def clean_competitors(self):
        return [c.strip() for c in (self.cleaned_data.get("competitors") or "").split(",") if c.strip()]

    def clean(self):
        """An open deal's close and go-live are still to come; a date left as it was stays
        accepted (an overdue close is the stale flags' business), and a closed deal keeps its history."""
        cleaned = super().clean()
        if cleaned.get("status") != Opportunity.Status.OPEN:
            return cleaned
        for name in ("expected_close_date", "go_live_date"):
            day = cleaned.get(name)
            if day is None or (self.stored is not None and getattr(self.stored, name) == day):
                continue
            try:
                check_planning_date(day, today=timezone.localdate())
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def changes(self, opportunity: Opportunity) -> dict:
        """Only the fields that differ from the stored deal, so an unchanged
        close date does not show up as an edit."""
        data = dict(self.cleaned_data)
        data["lost_reason"] = (data.get("lost_reason") or "").strip()
        changed = {}
        for name, value in data.items():
            current = opportunity.competitors if name == "competitors" else getattr(opportunity, name)
            if name == "competitors":
                if [c.lower() for c in value if c.lower() != Opportunity.DO_NOTHING] != [
                    c.lower() for c in current or [] if c.lower() != Opportunity.DO_NOTHING
                ]:
                    changed[name] = value
            elif value != current:
                changed[name] = value
        return changed


class ActivityQuickLogForm(forms.Form):
    kind = forms.ChoiceField(choices=Activity.Kind.choices, initial=Activity.Kind.CALL)
    occurred_on = forms.DateField(required=False, widget=DATE_INPUT, label="When", validators=[validate_in_horizon])
    stakeholders = forms.ModelMultipleChoiceField(
        queryset=Stakeholder.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Who took part"
    )
    summary = forms.CharField(max_length=500, label="Summary")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholders"].queryset = people


class DealRoleForm(forms.Form):
    """A stakeholder's role on a deal: an existing person at the account, or a new one."""

    stakeholder = forms.ModelChoiceField(
        queryset=Stakeholder.objects.none(), required=False, label="Person", empty_label="— someone new —"
    )
    new_name = forms.CharField(max_length=200, required=False, label="New person's name")
    new_title = forms.CharField(max_length=200, required=False, label="Title")
    new_seniority = forms.ChoiceField(
        choices=Stakeholder.Seniority.choices, initial=Stakeholder.Seniority.STAFF, label="Seniority"
    )
    role = forms.ChoiceField(choices=DealRole.Role.choices)
    stance = forms.ChoiceField(choices=DealRole.Stance.choices, initial=DealRole.Stance.NEUTRAL)
    influence = forms.ChoiceField(choices=DealRole.Influence.choices, initial=DealRole.Influence.MEDIUM)
    strength = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 6)], coerce=int, initial=1, label="Relationship strength (1–5)"
    )
    leans_to_competitor = forms.BooleanField(required=False, label="Leans to a competitor")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = people

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("stakeholder") and not (cleaned.get("new_name") or "").strip():
            self.add_error("new_name", "Pick a person at the account or type a new person's name.")
        return cleaned

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        person = c.get("stakeholder") or NewStakeholder(
            name=c["new_name"].strip(), title=(c.get("new_title") or "").strip(), seniority=c["new_seniority"]
        )
        return {
            "stakeholder": person, "role": c["role"], "stance": c["stance"], "influence": c["influence"],
            "strength": c["strength"], "leans_to_competitor": c["leans_to_competitor"],
        }


class DealRoleEditForm(forms.Form):
    """Stance, influence and strength of an existing role (to change the role
    itself, remove it and add the new one)."""

    stance = DealRoleForm.base_fields["stance"]
    influence = DealRoleForm.base_fields["influence"]
    strength = DealRoleForm.base_fields["strength"]
    leans_to_competitor = DealRoleForm.base_fields["leans_to_competitor"]
