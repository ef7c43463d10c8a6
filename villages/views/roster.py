"""Roster pages: counties → townships → villages, and a village's posts edited inline with htmx.

Every lookup goes through `.for_user()` or `villages.permissions` (outsiders 404, read-only users 403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from villages import permissions
from villages.forms.roster import PostAddForm, PostEditForm, PostEndForm, person_option_label
from villages.headlines import township_headlines, village_headlines, village_roster
from villages.models import County, Person, Township, Village
from villages.reference import reference_of
from villages.risk import SEVERITY_COUNT_CAPTION


def page_or_partial(request: HttpRequest, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """One view serves the page and, to htmx, only the named partial (partial name = DOM id)."""
    return render(request, f"{template}#{partial}" if request.htmx else template, context)


@require_GET
def counties(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = County.objects.for_user(request.user).annotate(
        township_count=Count("townships", distinct=True), village_count=Count("townships__villages", distinct=True)
    )
    return page_or_partial(request, "villages/counties.html", "counties", {"counties": rows, "today": today})


@require_GET
def county(request: HttpRequest, code: str) -> HttpResponse:
    county = permissions.county_for(request.user, code)
    today = timezone.localdate()
    townships = township_headlines(Township.objects.for_user(request.user).filter(county=county), on=today)
    context = {"county": county, "townships": townships, "today": today, "count_caption": SEVERITY_COUNT_CAPTION}
    return page_or_partial(request, "villages/county.html", "townships", context)


@require_GET
def township(request: HttpRequest, code: str) -> HttpResponse:
    township = permissions.township_for(request.user, code)
    today = timezone.localdate()
    villages = village_headlines(Village.objects.for_user(request.user).filter(township=township), on=today)
    context = {"township": township, "villages": villages, "today": today, "count_caption": SEVERITY_COUNT_CAPTION}
    return page_or_partial(request, "villages/township.html", "villages", context)


def roster_context(request: HttpRequest, village: Village) -> dict[str, Any]:
    today = timezone.localdate()
    reference = reference_of(village)
    return {
        "village": village,
        "roster": village_roster(village=village, on=today),
        "can_edit": permissions.can_edit_roster(request.user, village),
        "today": today,
        "reference": reference,
        "age_on": reference.on,  # every age on the page is 周岁 on the village's reference date
    }


@require_GET
def village(request: HttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for(request.user, code)
    context = roster_context(request, village) | {
        "group_count": village.groups.count(),
        "predecessors": list(village.predecessors.all()),
    }
    return page_or_partial(request, "villages/village.html", "roster", context)


def roster_saved(request: HttpRequest, village: Village) -> HttpResponse:
    """After a change: htmx gets the refreshed roster section (swapped over #roster), a browser the page."""
    if not request.htmx:
        return redirect("villages:village", code=village.code)
    response = render(request, "villages/village.html#roster", roster_context(request, village))
    return reswap(retarget(response, "#roster"), "outerHTML")


def post_form_response(request: HttpRequest, form: Any, village: Village, **context: Any) -> HttpResponse:
    context |= {"form": form, "village": village, "action": request.get_full_path()}
    return page_or_partial(request, "villages/post_form.html", "roster-form", context)


def appointable_candidates(people: QuerySet[Person], village: Village, chosen: Any) -> list[Person]:
    """A short list for the person select: the village's people, plus the chosen one (found by search).

    Both come from `people` (whom the user may appoint), so a foreign pk never puts a name on the page.
    """
    in_village = Q(pk__in=Person.objects.alive().in_villages(Village.objects.filter(pk=village.pk)).values("pk"))
    wanted = in_village | Q(pk=chosen) if str(chosen or "").isdigit() else in_village
    return list(people.filter(wanted).select_related("home_village").order_by("name", "pk")[:200])


@require_http_methods(["GET", "POST"])
def post_add(request: HttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for_roster_edit(request.user, code)
    data = request.POST if request.method == "POST" else None
    selected = request.GET.get("person")
    people = Person.objects.editable_by(request.user)
    form = PostAddForm(
        data,
        village=village,
        people=people,
        candidates=appointable_candidates(people, village, (data or {}).get("person") or selected),
        initial={"person": selected, "start_on": timezone.localdate()},
    )
    if form.is_valid():
        form.save()
        return roster_saved(request, village)
    new_person_url = reverse("villages:person_new") + f"?for_post={village.code}"
    return post_form_response(request, form, village, title="新增任职", search=True, new_person_url=new_person_url)


@require_GET
def person_options(request: HttpRequest, code: str) -> HttpResponse:
    """Search people of the township by name, ID tail or phone: <option>s for the add-post select."""
    permissions.village_for_roster_edit(request.user, code)
    q = request.GET.get("q", "").strip()[:30]
    people = Person.objects.editable_by(request.user).select_related("home_village").order_by("name", "pk")
    if q:
        people = people.filter(Q(name__icontains=q) | Q(phone__contains=q) | Q(id_number__endswith=q.upper()))
    options = [(p.pk, person_option_label(p)) for p in people[:30]]
    return render(request, "villages/post_form.html#person-options", {"options": options, "q": q})


@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned_post_form(request, pk, PostEditForm, title="修改任职")


@require_http_methods(["GET", "POST"])
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned_post_form(request, pk, PostEndForm, title="结束任职（离任）")


def _versioned_post_form(request: HttpRequest, pk: int, form_class: type, *, title: str) -> HttpResponse:
    post = permissions.post_for_edit(request.user, pk)
    form = form_class(request.POST if request.method == "POST" else None, instance=post)
    if form.is_valid() and form.save_if_unchanged():
        return roster_saved(request, post.village)
    return post_form_response(
        request, form, post.village, title=f"{title}：{post.person.name} {post.get_post_display()}"
    )
