"""The plan editor (/deals/<id>/plan/) and its exports (the buyer's page is in public_views.py).

Editor forms post with htmx and get the whole editor back (one change moves
many dates); without JavaScript they post normally and are redirected back.
A refused form comes back with the reasons on its fields and the input kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealcoach.forms import add_service_errors
from deals.selectors import opportunity_get_for_user

from . import buyer_services, services
from .exports import csv_response, export_filename, export_title, ics_response, thread_csv_response
from .forms import (
    MarkDoneForm,
    MilestoneForm,
    PlanCreateForm,
    PlanSettingsForm,
    ProposalDecisionForm,
    ReplyForm,
    ShareByEmailForm,
    ShareLinkForm,
)
from .selectors import (
    plan_detail,
    plan_get_for_opportunity,
    plan_thread,
    share_link_token,
    share_links_for,
    share_recipients_for,
)
from .timeline import timeline_for

STALE_MESSAGE = (
    "Someone changed the plan while you were editing (it is now version {version}). "
    "Your change was not saved: check the plan and submit again."
)


def _fetch(request, opportunity_id: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
    return opportunity, plan_get_for_opportunity(opportunity_id=opportunity.pk)


def _plan_url(opportunity_id: int) -> str:
    return reverse("closeplan:plan", args=[opportunity_id])


def _deal_url(opportunity_id: int) -> str | None:
    try:
        return reverse("deals:detail", args=[opportunity_id])
    except Exception:  # the deal page may not be wired yet
        return None


def _editor_context(request, opportunity, plan, **forms) -> dict:
    detail = plan_detail(plan, timezone.localdate())
    milestones = [row.milestone for row in detail.milestones]
    editing_key = forms.pop("editing_key", None)
    edit_form = forms.pop("edit_form", None)
    if editing_key and edit_form is None:
        milestone = next((m for m in milestones if m.key == editing_key), None)
        if milestone is None:
            raise Http404("No such milestone.")
        edit_form = MilestoneForm(plan=plan, milestones=milestones, milestone=milestone)
    links = share_links_for(plan)
    now = timezone.now()
    names = {m.key: m.name for m in milestones}
    return {
        "rows": [
            {"row": row, "depends_names": [names.get(k, k) for k in row.scheduled.depends_on]}
            for row in detail.milestones
        ],
        "opportunity": opportunity,
        "plan": plan,
        "detail": detail,
        "plan_summary": detail.summary,
        "timeline": timeline_for(detail),
        "deal_url": _deal_url(opportunity.pk),
        "plan_url": _plan_url(opportunity.pk),
        "editing_key": editing_key,
        "edit_form": edit_form,
        "add_form": forms.get("add_form") or MilestoneForm(plan=plan, milestones=milestones, prefix="add"),
        "settings_form": forms.get("settings_form")
        or PlanSettingsForm(
            initial={
                "go_live_date": plan.go_live_date,
                "why_go_live_matters": plan.why_go_live_matters,
                "version": plan.version,
            }
        ),
        "share_form": forms.get("share_form") or ShareLinkForm(),
        "thread": _named(plan_thread(plan), names),
        "reply_form": ReplyForm(),
        "decision_form": ProposalDecisionForm(),
        "share_links": [
            {
                "link": link,
                "url": request.build_absolute_uri(reverse("closeplan:public", args=[share_link_token(link)])),
                "active": link.is_active_at(now),
                "state": "revoked"
                if link.revoked_at
                else ("expired" if link.expires_at <= now else "active"),
            }
            for link in links
        ],
        "today": detail.as_of,
    }


def _named(thread, names: dict[str, str]):
    """Label each comment and proposal with its milestone's name (the key if it was removed since)."""
    for item in (*thread.comments, *thread.proposals):
        item.milestone_name = "go-live" if item.milestone_key == "go_live" else names.get(item.milestone_key, item.milestone_key)
    return thread


def _render_editor(request, opportunity, plan, *, status: int = 200, **forms) -> HttpResponse:
    context = _editor_context(request, opportunity, plan, **forms)
    if request.htmx:
        # htmx swaps 2xx responses only; the form errors are in the fragment.
        return render(request, "closeplan/_partials/editor.html", context)
    return render(request, "closeplan/plan.html", context, status=status)


def _after_change(request, opportunity, message: str) -> HttpResponse:
    # Fetch again: a plan change may have changed the deal too (its go-live date).
    opportunity, plan = _fetch(request, opportunity.pk)
    if request.htmx:
        context = _editor_context(request, opportunity, plan)
        context["flash"] = message
        return render(request, "closeplan/_partials/editor.html", context)
    messages.success(request, message)
    return redirect(_plan_url(opportunity.pk))


def _expected_version(form) -> int | None:
    return form.cleaned_data.get("version")


# --- the editor ----------------------------------------------------------------


def _add_refusal(form, error: ValidationError | services.StalePlanVersion) -> None:
    """Show why a service refused the form's change: the fields it names, or that the plan moved on."""
    if isinstance(error, services.StalePlanVersion):
        form.add_error(None, STALE_MESSAGE.format(version=error.current_version))
    else:
        add_service_errors(form, error)


@login_required
@require_GET
def plan_page(request, opportunity_id: int):
    opportunity, plan = _fetch(request, opportunity_id)
    if plan is None:
        form = PlanCreateForm(
            initial={"go_live_date": opportunity.go_live_date, "template": "default"},
        )
        return render(
            request,
            "closeplan/plan_create.html",
            {"opportunity": opportunity, "form": form, "deal_url": _deal_url(opportunity.pk)},
        )
    return _render_editor(request, opportunity, plan)


@login_required
@require_POST
def plan_create(request, opportunity_id: int):
    opportunity, plan = _fetch(request, opportunity_id)
    if plan is not None:
        messages.info(request, "This deal already has a close plan.")
        return redirect(_plan_url(opportunity.pk))
    form = PlanCreateForm(request.POST)
    if form.is_valid():
        try:
            services.plan_create_from_template(
                actor=request.user,
                opportunity=opportunity,
                go_live_date=form.cleaned_data["go_live_date"],
                template_slug=form.cleaned_data["template"].slug,
                why_go_live_matters=form.cleaned_data["why_go_live_matters"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except services.PlanAlreadyExists:
            return redirect(_plan_url(opportunity.pk))
        else:
            messages.success(request, "Close plan created. Check the dates with the buyer, then share it.")
            return redirect(_plan_url(opportunity.pk))
    return render(
        request,
        "closeplan/plan_create.html",
        {"opportunity": opportunity, "form": form, "deal_url": _deal_url(opportunity.pk)},
        status=400,
    )


def _require_plan(plan):
    if plan is None:
        raise Http404("This deal has no close plan yet.")
    return plan


@login_required
@require_POST
def plan_settings(request, opportunity_id: int):
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    form = PlanSettingsForm(request.POST, current_go_live=plan.go_live_date)
    if form.is_valid():
        try:
            services.plan_update_go_live(
                actor=request.user,
                plan=plan,
                go_live_date=form.cleaned_data["go_live_date"],
                why_go_live_matters=form.cleaned_data["why_go_live_matters"],
                expected_version=_expected_version(form),
            )
        except (ValidationError, services.StalePlanVersion) as error:
            _add_refusal(form, error)
        else:
            return _after_change(request, opportunity, "Go-live updated; every date moved with it.")
    return _render_editor(request, opportunity, plan, status=400, settings_form=form)


@login_required
@require_POST
def milestone_add(request, opportunity_id: int):
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    milestones = list(plan.milestones.all())
    form = MilestoneForm(request.POST, plan=plan, milestones=milestones, prefix="add")
    if form.is_valid():
        try:
            data = form.service_data()
            milestone = services.milestone_add(
                actor=request.user,
                plan=plan,
                required_by=form.cleaned_data["required_by"],
                expected_version=_expected_version(form),
                **data,
            )
        except (ValidationError, services.StalePlanVersion) as error:
            _add_refusal(form, error)
        else:
            return _after_change(request, opportunity, f"Added “{milestone.name}”.")
    return _render_editor(request, opportunity, plan, status=400, add_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request, opportunity_id: int, key: str):
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    milestones = list(plan.milestones.all())
    milestone = next((m for m in milestones if m.key == key), None)
    if milestone is None:
        raise Http404("No such milestone.")
    if request.method == "GET":
        return _render_editor(request, opportunity, plan, editing_key=key)
    form = MilestoneForm(request.POST, plan=plan, milestones=milestones, milestone=milestone)
    if form.is_valid():
        try:
            services.milestone_update(
                actor=request.user,
                plan=plan,
                key=key,
                data=form.service_data(),
                expected_version=_expected_version(form),
            )
        except (ValidationError, services.StalePlanVersion) as error:
            _add_refusal(form, error)
        else:
            return _after_change(request, opportunity, f"Saved “{form.cleaned_data['name']}”.")
    return _render_editor(request, opportunity, plan, status=400, editing_key=key, edit_form=form)


def _int_or_none(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _flash_error(request, opportunity, plan, message: str) -> HttpResponse:
    if not request.htmx:
        messages.error(request, message)
        return redirect(_plan_url(opportunity.pk))
    context = _editor_context(request, opportunity, plan)
    context["flash_error"] = message
    return render(request, "closeplan/_partials/editor.html", context)


@login_required
@require_POST
def milestone_done(request, opportunity_id: int, key: str):
    """Mark done on a date, or re-open (`reopen=1`)."""
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    reopen = request.POST.get("reopen") == "1"
    done_on = None
    if not reopen:
        form = MarkDoneForm(request.POST)
        if not form.is_valid():
            return _flash_error(request, opportunity, plan, "Give the date it was done (YYYY-MM-DD).")
        done_on = form.cleaned_data["done_on"]
    try:
        services.milestone_mark_done(
            actor=request.user,
            plan=plan,
            key=key,
            done_on=done_on,
            expected_version=_int_or_none(request.POST.get("version")),
        )
    except ObjectDoesNotExist:
        raise Http404("No such milestone.") from None
    except ValidationError as error:
        return _flash_error(request, opportunity, plan, " ".join(error.messages))
    except services.StalePlanVersion as stale:
        return _flash_error(request, opportunity, plan, STALE_MESSAGE.format(version=stale.current_version))
    return _after_change(request, opportunity, "Milestone re-opened." if reopen else "Marked done.")


@login_required
@require_POST
def milestone_remove(request, opportunity_id: int, key: str):
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    try:
        services.milestone_remove(
            actor=request.user, plan=plan, key=key, expected_version=_int_or_none(request.POST.get("version"))
        )
    except ObjectDoesNotExist:
        raise Http404("No such milestone.") from None
    except services.StalePlanVersion as stale:
        return _flash_error(request, opportunity, plan, STALE_MESSAGE.format(version=stale.current_version))
    return _after_change(
        request, opportunity, "Milestone removed; what waited for it now waits for its predecessors."
    )


# --- sharing -------------------------------------------------------------------


@login_required
@require_POST
def share_create(request, opportunity_id: int):
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    form = ShareLinkForm(request.POST)
    if form.is_valid():
        services.share_link_create(actor=request.user, plan=plan, valid_days=form.cleaned_data["valid_days"])
        return _after_change(request, opportunity, "Share link created: send it to the buyer.")
    return _render_editor(request, opportunity, plan, status=400, share_form=form)


@login_required
@require_POST
def share_revoke(request, opportunity_id: int, link_id: int):
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    link = plan.share_links.filter(pk=link_id).first()
    if link is None:
        raise Http404("No such link.")
    services.share_link_revoke(actor=request.user, link=link)
    return _after_change(request, opportunity, "Link revoked: it no longer opens the plan.")


def _absolute_share_url(request):
    return lambda token: request.build_absolute_uri(reverse("closeplan:public", args=[token]))


@login_required
@require_http_methods(["GET", "POST"])
def share_by_email(request, opportunity_id: int):
    """Choose the people at the customer, write a short note, send them the link."""
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    people = share_recipients_for(opportunity)
    form = ShareByEmailForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            buyer_services.share_link_send(
                actor=request.user, plan=plan, recipients=form.cleaned_data["recipients"],
                note=form.cleaned_data["note"], valid_days=form.cleaned_data["valid_days"],
                url_for_token=_absolute_share_url(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            names = ", ".join(p.name for p in form.cleaned_data["recipients"])
            messages.success(request, f"Plan sent to {names}. Copy the link below to send it another way too.")
            return redirect(_plan_url(opportunity.pk) + "#share")
    return render(
        request, "closeplan/share.html",
        {"opportunity": opportunity, "plan": plan, "form": form, "deal_url": _deal_url(opportunity.pk),
         "plan_url": _plan_url(opportunity.pk)},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def comment_reply(request, opportunity_id: int, comment_id: int):
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    comment = plan.comments.filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment.")
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _flash_error(request, opportunity, plan, "Write a reply (up to 2,000 characters).")
    try:
        buyer_services.comment_reply(actor=request.user, plan=plan, body=form.cleaned_data["body"], in_reply_to=comment)
    except ValidationError as error:
        return _flash_error(request, opportunity, plan, " ".join(error.messages))
    return _after_change(request, opportunity, "Reply sent: the customer sees it on the plan.")


@login_required
@require_POST
def proposal_decide(request, opportunity_id: int, proposal_id: int, decision: str):
    opportunity, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    proposal = plan.proposals.filter(pk=proposal_id).first()
    if proposal is None or decision not in ("accept", "decline"):
        raise Http404("No such proposal.")
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        return _flash_error(request, opportunity, plan, "Keep the reply under 2,000 characters.")
    try:
        if decision == "accept":
            buyer_services.proposal_accept(actor=request.user, proposal=proposal, reply=form.cleaned_data["reply"])
        else:
            buyer_services.proposal_decline(actor=request.user, proposal=proposal, reply=form.cleaned_data["reply"])
    except ValidationError as error:
        return _flash_error(request, opportunity, plan, " ".join(error.messages))
    except buyer_services.ProposalAlreadyDecided as decided:
        return _flash_error(request, opportunity, plan, str(decided))
    return _after_change(
        request, opportunity,
        "Accepted: the plan is rescheduled as the customer asked." if decision == "accept"
        else "Declined: the customer sees your reply.",
    )


# --- exports -------------------------------------------------------------------


@login_required
@require_GET
def plan_csv(request, opportunity_id: int):
    _, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    return csv_response(plan_detail(plan, timezone.localdate()), export_filename(plan))


@login_required
@require_GET
def plan_ics(request, opportunity_id: int):
    _, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    return ics_response(
        plan_detail(plan, timezone.localdate()), export_filename(plan), title=export_title(plan)
    )


@login_required
@require_GET
def plan_thread_csv(request, opportunity_id: int):
    _, plan = _fetch(request, opportunity_id)
    plan = _require_plan(plan)
    return thread_csv_response(plan_thread(plan), export_filename(plan))
