"""换届进度 pages: a township's villages (registered, results entered, 备案), a county's townships (the same counted).

Anyone who sees the township or county may read; the rows are the user's scoped villages (Village.for_user).
`?since=YYYY-MM-DD` picks the cycle (reserves.election_progress: elections held on or after that date).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reserves.election_progress import default_since, township_progress, village_progress
from reserves.permissions import can_record_elections
from villages import permissions
from villages.forms.roster import DATE_WIDGET
from villages.models import Village


class SinceForm(forms.Form):
    since = forms.DateField(label="统计自", widget=DATE_WIDGET, required=False, help_text="此日期及以后举行的换届")

    def start(self) -> dt.date:
        chosen = self.cleaned_data.get("since") if self.is_valid() else None
        return chosen or default_since(today=timezone.localdate())


@require_GET
def township_progress_page(request: HttpRequest, code: str) -> HttpResponse:
    township = permissions.township_for(request.user, code)
    form = SinceForm(request.GET)
    since = form.start()
    villages = Village.objects.for_user(request.user).filter(township=township)
    context = {"township": township, "form": form, "since": since, "level": "township"}
    context |= {"villages": village_progress(villages=villages, since=since)}
    context["can_record"] = can_record_elections(request.user, township)
    return render(request, "reserves/election_progress.html", context)


@require_GET
def county_progress_page(request: HttpRequest, code: str) -> HttpResponse:
    county = permissions.county_for(request.user, code)
    form = SinceForm(request.GET)
    since = form.start()
    villages = Village.objects.for_user(request.user).filter(township__county=county)
    context = {"county": county, "form": form, "since": since, "level": "county"}
    context["townships"] = township_progress(villages=villages, since=since)
    return render(request, "reserves/election_progress.html", context)
