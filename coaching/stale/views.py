"""Browser views for flags: the htmx snooze form. Each returns the deal's
refreshed flag list (`stale/_partials/flags.html`) on HX-Request, and
redirects back otherwise."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dealcoach.forms import add_service_errors

from . import services
from .rules import SNOOZE_REASON_MAX_CHARS
from .selectors import flag_get_for_user, open_flags_for


class SnoozeForm(forms.Form):
    until = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=SNOOZE_REASON_MAX_CHARS)


def _back(request, flag):
    target = request.POST.get("next") or request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("home")


def _flags_partial(request, flag, *, form=None, status=200):
    flags = open_flags_for([flag.opportunity_id]).get(flag.opportunity_id, [])
    context = {"flags": flags, "snooze_form": form, "snooze_flag_id": flag.pk if form else None}
    template = "stale/_partials/flags.html" if request.htmx else "stale/snooze.html"
    return render(request, template, {**context, "flag": flag}, status=status)


@login_required
@require_POST
def flag_snooze(request, flag_id: int):
    flag = flag_get_for_user(user=request.user, flag_id=flag_id)
    form = SnoozeForm(request.POST)
    if form.is_valid():
        try:
            services.flag_snooze(actor=request.user, flag=flag, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        # 200 on htmx so the form is swapped in with its errors; 400 for a plain post.
        return _flags_partial(request, flag, form=form, status=200 if request.htmx else 400)
    if request.htmx:
        return _flags_partial(request, flag)
    return _back(request, flag)


@login_required
@require_POST
def flag_unsnooze(request, flag_id: int):
    flag = flag_get_for_user(user=request.user, flag_id=flag_id)
    services.flag_unsnooze(actor=request.user, flag=flag)
    if request.htmx:
        return _flags_partial(request, flag)
    return _back(request, flag)
