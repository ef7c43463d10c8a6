from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from villages.models import User


def landing_url(user: User) -> str | None:
    """Where each role starts: its own township, its own county, or the county list (city)."""
    if user.is_township_secretary and user.township_id:
        return reverse("villages:township", args=[user.township.code])
    if user.is_county_staff and user.county_id:
        return reverse("villages:county", args=[user.county.code])
    if user.is_city_admin:
        return reverse("villages:counties")
    return None


def home(request: HttpRequest) -> HttpResponse:
    url = landing_url(request.user)
    return redirect(url) if url else render(request, "villages/home.html")
