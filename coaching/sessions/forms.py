from django import forms

from dealcoach.dates import validate_in_horizon

from .models import DIMENSIONS, Commitment


class CommitmentForm(forms.Form):
    action = forms.CharField(max_length=300, label="Commitment")
    owner = forms.ModelChoiceField(queryset=None, label="Owner")
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}),
                             validators=[validate_in_horizon])
    dimension = forms.ChoiceField(choices=[("", "—"), *[(d, d.capitalize()) for d in DIMENSIONS]], required=False,
                                  label="Closes a gap in")
    gap = forms.CharField(max_length=300, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class CommitmentCloseForm(forms.Form):
    status = forms.ChoiceField(choices=[(Commitment.Status.DONE, "Done"), (Commitment.Status.DROPPED, "Dropped")])
    outcome = forms.CharField(max_length=300, label="What happened?")


class NotesForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
