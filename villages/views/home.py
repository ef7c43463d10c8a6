from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from villages.http import AuthedHttpRequest
from villages.models import User


def landing_url(user: User) -> str | None:
    """Where each role starts: a township secretary at their to-do list; county staff, city and province admins at
    the dashboard of their scope."""
    if user.is_township_secretary and user.township_id:
        return reverse("dashboards:todo")
    has_scope = user.is_admin or (user.is_county_staff and user.county_id)
    return reverse("dashboards:dashboard") if has_scope else None


def home(request: AuthedHttpRequest) -> HttpResponse:
    url = landing_url(request.user)
    return redirect(url) if url else render(request, "villages/home.html")
