"""Form helpers shared by every app's pages."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the fields it names
    when the form has them, otherwise as a form-wide error."""
    messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, reasons in messages.items():
        form.add_error(field if field in form.fields else None, reasons)
