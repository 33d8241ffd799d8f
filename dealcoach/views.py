from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse


@login_required
def home(request):
    """Reps land on their desk, managers and admins on the weekly review."""
    name = "review:weekly" if request.user.role in ("manager", "admin") else "deals:my_deals"
    try:
        return redirect(reverse(name))
    except NoReverseMatch:
        return HttpResponse(f"Welcome, {request.user}.")

