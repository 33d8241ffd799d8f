"""Browser views for RSVP coaching. The scorecard and answers form are
partials the deal page includes; this view records answers (htmx-friendly)
and also serves a standalone page for them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from deals.selectors import opportunity_get_for_user

from .forms import answer_form_rows, answer_inputs_from_post
from .selectors import coaching_answer_rows, coaching_context
from .services import coaching_answers_set


@login_required
@require_http_methods(["GET", "POST"])
def answers(request, opportunity_id: int):
    opportunity = opportunity_get_for_user(user=request.user, opportunity_id=opportunity_id)
    if request.method == "GET":
        return render(request, "rsvp/answers.html", coaching_context(opportunity=opportunity))

    rows = coaching_answer_rows(opportunity=opportunity)
    try:
        coaching_answers_set(
            actor=request.user, opportunity=opportunity, items=answer_inputs_from_post(request.POST, rows)
        )
    except ValidationError as error:
        errors = error.message_dict
        context = coaching_context(opportunity=opportunity)
        context["answer_form_rows"] = answer_form_rows(rows, post=request.POST, errors=errors)
        context["answer_form_errors"] = errors.get("answers", [])
        if request.htmx:
            # htmx swaps 2xx only: send the form with its errors back to where the form is.
            response = render(request, "rsvp/_partials/answers_form.html", context)
            response["HX-Retarget"] = "#rsvp-answers"
            response["HX-Reswap"] = "outerHTML"
            return response
        return render(request, "rsvp/answers.html", context, status=400)

    if request.htmx:
        response = render(request, "rsvp/_partials/answers_saved.html", coaching_context(opportunity=opportunity))
        # The deal page's other sections refresh on this event (deals/views.py); after our swap.
        response["HX-Trigger-After-Swap"] = "dealChanged"
        return response
    messages.success(request, "Answers saved; the scorecard is up to date.")
    return redirect("rsvp:answers", opportunity_id=opportunity.pk)
