"""The review's filters (GET parameters). Bad values are reported and ignored,
never a 500."""

from __future__ import annotations

from django import forms

from deals.models import ForecastCategory

from .sources import FLAG_KINDS

CATEGORY_CHOICES = [
    (ForecastCategory.PIPELINE.value, "Pipeline"),
    (ForecastCategory.BEST_CASE.value, "Best Case"),
    (ForecastCategory.COMMIT.value, "Commit"),
    (ForecastCategory.CLOSED.value, "Closed this quarter"),
]


class ReviewFilterForm(forms.Form):
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    rep = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Rep")
    stage = forms.ChoiceField(required=False, label="Stage")
    category = forms.ChoiceField(required=False, label="Forecast category")
    flag = forms.ChoiceField(required=False, label="Flag")
    sort = forms.ChoiceField(required=False, label="Sort exceptions by", choices=[
        ("attention", "Attention"), ("amount", "Amount"), ("close", "Close date"),
    ])

    def __init__(self, data, *, teams, reps, stages):
        super().__init__(data)
        self.fields["team"].choices = [(str(t.pk), t.name) for t in teams]
        self.fields["rep"].choices = [("", "All reps")] + [(str(u.pk), str(u)) for u in reps]
        self.fields["stage"].choices = [("", "All stages")] + [(s.slug, s.name) for s in stages]
        self.fields["category"].choices = [("", "All categories"), *CATEGORY_CHOICES]
        self.fields["flag"].choices = [("", "Any"), *FLAG_KINDS]

    def filters(self) -> dict:
        """The valid filters (a bad one is left out; its error stays on the form)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        filters = {key: cleaned.get(key) for key in ("rep", "stage", "category", "flag") if cleaned.get(key)}
        if cleaned.get("sort") and cleaned["sort"] != "attention":  # attention is the default order
            filters["sort"] = cleaned["sort"]
        return filters
