"""The Insights filters: team, rep and period. The choices are only what the
viewer may see, so asking for another team's figures is an invalid choice
(a form error on the page, a 400 naming the field in the API), never data."""

from __future__ import annotations

import datetime as dt

from django import forms

MAX_PERIOD_DAYS = 3 * 366


class InsightsFilterForm(forms.Form):
    team = forms.TypedChoiceField(label="Team", required=False, coerce=int, empty_value=None)
    rep = forms.TypedChoiceField(label="Rep", required=False, coerce=int, empty_value=None)
    to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, teams, reps, default_start: dt.date, default_end: dt.date):
        super().__init__(data)
        self.teams, self.reps = teams, reps
        self.fields["team"].choices = [("", "All my teams" if len(teams) > 1 else "My team")] + [
            (team.pk, team.name) for team in teams
        ]
        self.fields["rep"].choices = [("", "Everyone")] + [(rep.pk, str(rep)) for rep in reps]
        self.fields["from"].initial, self.fields["to"].initial = default_start, default_end
        self.default_start, self.default_end = default_start, default_end

    def _post_clean(self):
        super()._post_clean()
        # Tie each error to its field for screen readers (the template gives the message this id).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"insights-{name}-error"})

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("from") or self.default_start
        end = cleaned.get("to") or self.default_end
        if "from" in self.errors or "to" in self.errors:
            return cleaned
        if start > end:
            self.add_error("to", "The end of the period must be on or after its start.")
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("from", "A period can be at most three years long.")
        cleaned["from"], cleaned["to"] = start, end
        return cleaned


# `from` is a Python keyword: the field is added by name.
InsightsFilterForm.base_fields["from"] = forms.DateField(
    label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
)
InsightsFilterForm.base_fields = {
    name: InsightsFilterForm.base_fields[name] for name in ("team", "rep", "from", "to")
}
