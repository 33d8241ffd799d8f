"""Browser forms of the plan editor. They parse input; the services decide
what is allowed, and their reasons are put back on the right field."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from dealcoach.dates import check_planning_date, validate_in_horizon

from .buyer_services import MAX_COMMENT_LENGTH, MAX_NOTE_LENGTH, MAX_REASON_LENGTH
from .models import MAX_DURATION_DAYS, ClosePlan, Milestone, PlanTemplate, Side
from .selectors import owner_stakeholders_for, owner_users_for
from .services import MAX_SHARE_LINK_DAYS, SHARE_LINK_DAYS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanCreateForm(forms.Form):
    go_live_date = forms.DateField(
        widget=DATE_INPUT,
        validators=[validate_in_horizon],
        label="Customer's go-live date",
        help_text="Their date, not ours: the plan works back from it.",
    )
    why_go_live_matters = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Why that date matters to them"
    )
    template = forms.ModelChoiceField(
        queryset=PlanTemplate.objects.order_by("name"), to_field_name="slug", empty_label=None
    )

    def clean_go_live_date(self):
        day = self.cleaned_data.get("go_live_date")
        check_planning_date(day, today=timezone.localdate())
        return day


class PlanSettingsForm(forms.Form):
    go_live_date = forms.DateField(widget=DATE_INPUT, label="Go-live date", validators=[validate_in_horizon])
    why_go_live_matters = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Why it matters"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, current_go_live=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_go_live = current_go_live

    def clean_go_live_date(self):
        # A go-live left as it was stays accepted (the plan may be live already); a new one is still to come.
        day = self.cleaned_data.get("go_live_date")
        if day != self.current_go_live:
            check_planning_date(day, today=timezone.localdate())
        return day


def owner_choices(plan: ClosePlan) -> list[tuple[str, object]]:
    opportunity = plan.opportunity
    customer = [(f"stakeholder:{s.pk}", str(s)) for s in owner_stakeholders_for(opportunity)]
    ours = [(f"user:{u.pk}", u.get_full_name() or u.username) for u in owner_users_for(opportunity)]
    return [("", "— nobody yet —"), (f"At {opportunity.account.name}", customer), ("Our team", ours)]


def owner_value(milestone: Milestone | None) -> str:
    if milestone is None:
        return ""
    if milestone.owner_stakeholder_id:
        return f"stakeholder:{milestone.owner_stakeholder_id}"
    if milestone.owner_user_id:
        return f"user:{milestone.owner_user_id}"
    return ""


class MilestoneForm(forms.Form):
    """Add (with `required_by`) or edit (with `done_on`) one milestone."""

    name = forms.CharField(max_length=200)
    side = forms.ChoiceField(choices=Side.choices)
    duration_days = forms.IntegerField(
        label="Business days", max_value=MAX_DURATION_DAYS, widget=forms.NumberInput(attrs={"min": 0})
    )
    depends_on = forms.MultipleChoiceField(
        required=False, label="Waits for", widget=forms.CheckboxSelectMultiple
    )
    required_by = forms.MultipleChoiceField(
        required=False, label="Must finish before", widget=forms.CheckboxSelectMultiple
    )
    owner = forms.ChoiceField(required=False)
    done_on = forms.DateField(required=False, widget=DATE_INPUT, label="Done on", validators=[validate_in_horizon])
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, plan: ClosePlan, milestones, milestone: Milestone | None = None, **kwargs):
        if milestone is not None and not args and "data" not in kwargs:
            kwargs.setdefault(
                "initial",
                {
                    "name": milestone.name,
                    "side": milestone.side,
                    "duration_days": milestone.duration_days,
                    "depends_on": list(milestone.depends_on),
                    "owner": owner_value(milestone),
                    "done_on": milestone.done_on,
                    "version": plan.version,
                },
            )
        kwargs.setdefault("initial", {"side": Side.CUSTOMER, "version": plan.version})
        super().__init__(*args, **kwargs)
        self.plan = plan
        others = [(m.key, m.name) for m in milestones if milestone is None or m.key != milestone.key]
        self.fields["depends_on"].choices = others
        self.fields["owner"].choices = owner_choices(plan)
        if milestone is None:
            self.fields["required_by"].choices = others
            del self.fields["done_on"]
        else:
            del self.fields["required_by"]

    def cleaned_owner(self):
        """The Stakeholder or User picked, or None."""
        value = self.cleaned_data.get("owner") or ""
        if not value:
            return None
        kind, _, pk = value.partition(":")
        source = (
            owner_stakeholders_for(self.plan.opportunity)
            if kind == "stakeholder"
            else owner_users_for(self.plan.opportunity)
        )
        return source.get(pk=int(pk))

    def service_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in ("name", "side", "duration_days", "depends_on")}
        data["owner"] = self.cleaned_owner()
        if "done_on" in self.fields:
            data["done_on"] = self.cleaned_data.get("done_on")
        return data


class MarkDoneForm(forms.Form):
    done_on = forms.DateField(widget=DATE_INPUT, validators=[validate_in_horizon])


class ShareLinkForm(forms.Form):
    valid_days = forms.IntegerField(
        min_value=1,
        max_value=MAX_SHARE_LINK_DAYS,
        initial=SHARE_LINK_DAYS,
        label="Valid for (days)",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_SHARE_LINK_DAYS}),
    )


# --- the buyer's page -------------------------------------------------------------------
# Limits are the services' (they refuse longer text too); maxlength just helps on a phone.


class DescribedErrorsForm(forms.Form):
    """A field with an error points at it (aria-describedby → the `<id>_error` paragraph of
    `_partials/buyer_field.html`), whether the form or a service refused the value."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"


class BuyerEmailForm(DescribedErrorsForm):
    email = forms.EmailField(
        label="Your work email", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )


class BuyerCodeForm(DescribedErrorsForm):
    email = forms.EmailField(widget=forms.HiddenInput)
    code = forms.CharField(
        label="The 6-digit code from the email", max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class BuyerCommentForm(DescribedErrorsForm):
    milestone_key = forms.CharField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        label="Comment", max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_COMMENT_LENGTH}),
    )


class BuyerProposalForm(DescribedErrorsForm):
    milestone_key = forms.CharField(widget=forms.HiddenInput)
    proposed_date = forms.DateField(widget=DATE_INPUT, label="New date", validators=[validate_in_horizon])
    reason = forms.CharField(
        label="Why", max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_REASON_LENGTH}),
    )


class BuyerDoneForm(DescribedErrorsForm):
    milestone_key = forms.CharField(widget=forms.HiddenInput)
    done_on = forms.DateField(widget=DATE_INPUT, label="Done on", validators=[validate_in_horizon])


class BuyerOwnerForm(DescribedErrorsForm):
    milestone_key = forms.CharField(widget=forms.HiddenInput)
    owner = forms.TypedChoiceField(label="Owner on your side", coerce=int)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "— choose —"), *((p.pk, p.name) for p in people)]


class BuyerConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- the rep's side of it ------------------------------------------------------------------


class ShareByEmailForm(DescribedErrorsForm):
    recipients = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label="Send it to",
        help_text="People at the customer with an email address; those in a role on the deal come first.",
    )
    note = forms.CharField(
        required=False, label="A short note", max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_NOTE_LENGTH}),
    )
    valid_days = forms.IntegerField(
        min_value=1, max_value=MAX_SHARE_LINK_DAYS, initial=SHARE_LINK_DAYS, label="Link valid for (days)",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_SHARE_LINK_DAYS}),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = people
        self.fields["recipients"].label_from_instance = lambda p: (
            f"{p.name}{', ' + p.title if p.title else ''}{' (on the deal)' if getattr(p, 'on_deal', False) else ''}"
        )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply", max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_COMMENT_LENGTH}),
    )


class ProposalDecisionForm(forms.Form):
    reply = forms.CharField(
        required=False, label="Reply to the customer", max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_COMMENT_LENGTH}),
    )
