"""Forms of the account pages. Writes go through `accounts.services`."""

from django import forms

from .models import Stakeholder


class StakeholderForm(forms.Form):
    name = forms.CharField(max_length=200)
    title = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    seniority = forms.ChoiceField(choices=Stakeholder.Seniority.choices, initial=Stakeholder.Seniority.STAFF)
    reports_to = forms.ModelChoiceField(
        queryset=Stakeholder.objects.none(), required=False, empty_label="— nobody here (top of the chart) —",
        label="Reports to",
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports_to"].queryset = people

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            "name": c["name"].strip(), "title": (c.get("title") or "").strip(), "email": c.get("email") or "",
            "seniority": c["seniority"], "reports_to": c.get("reports_to"),
        }


class AccountSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    page = forms.IntegerField(required=False, min_value=1)
