"""Roster pages: counties → townships → villages, and a village's posts edited inline with htmx.

Every lookup goes through `.for_user()` or `villages.permissions` (outsiders 404, read-only users 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from villages import permissions
from villages.forms.roster import (
    PersonForm,
    PostAddForm,
    PostEditForm,
    PostEndForm,
    person_option_label,
    submit_together,
)
from villages.headlines import township_headlines, village_headlines, village_roster
from villages.http import AuthedHttpRequest, page_or_partial, saved_section
from villages.models import County, IdNumberView, Person, PostAssignment, Township, Village
from villages.reference import reference_of
from villages.risk import SEVERITY_COUNT_CAPTION
from villages.rules import rules_for


@require_GET
def counties(request: AuthedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = (
        County.objects.for_user(request.user)
        .select_related("city")
        .annotate(
            township_count=Count("townships", distinct=True), village_count=Count("townships__villages", distinct=True)
        )
    )
    return page_or_partial(request, "villages/counties.html", "counties", {"counties": rows, "today": today})


@require_GET
def county(request: AuthedHttpRequest, code: str) -> HttpResponse:
    county = permissions.county_for(request.user, code)
    today = timezone.localdate()
    townships = township_headlines(Township.objects.for_user(request.user).filter(county=county), on=today)
    context = {"county": county, "townships": townships, "today": today, "count_caption": SEVERITY_COUNT_CAPTION}
    return page_or_partial(request, "villages/county.html", "townships", context)


@require_GET
def township(request: AuthedHttpRequest, code: str) -> HttpResponse:
    township = permissions.township_for(request.user, code)
    today = timezone.localdate()
    villages = village_headlines(Village.objects.for_user(request.user).filter(township=township), on=today)
    context = {"township": township, "villages": villages, "today": today, "count_caption": SEVERITY_COUNT_CAPTION}
    return page_or_partial(request, "villages/township.html", "villages", context)


def roster_context(request: AuthedHttpRequest, village: Village) -> dict[str, Any]:
    today = timezone.localdate()
    reference = reference_of(village)
    return {
        "village": village,
        "roster": village_roster(village=village, on=today),
        "can_edit": permissions.can_edit_roster(request.user, village),
        "today": today,
        "reference": reference,
        "age_on": reference.on,  # every age on the page is 周岁 on the village's reference date
        # The age badges mark the county's 年龄高 thresholds (villages.rules), not fixed numbers: those in force on
        # the reference date, as the risk engine judges them.
        "rules": rules_for(county_id=village.township.county_id, on=reference.on),
    }


@require_GET
def village(request: AuthedHttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for(request.user, code)
    context = roster_context(request, village) | {
        "group_count": village.groups.count(),
        "predecessors": list(village.predecessors.all()),
    }
    return page_or_partial(request, "villages/village.html", "roster", context)


def roster_saved(request: AuthedHttpRequest, village: Village) -> HttpResponse:
    """After a change: htmx gets the refreshed roster section (swapped over #roster), a browser the page."""
    return saved_section(
        request,
        template="villages/village.html",
        partial="roster",
        context=lambda: roster_context(request, village),
        browser_url=reverse("villages:village", args=[village.code]),
    )


def post_form_response(request: AuthedHttpRequest, form: Any, village: Village, **context: Any) -> HttpResponse:
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
def post_add(request: AuthedHttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for_roster_edit(request.user, code)
    data = request.POST if request.method == "POST" else None
    selected = request.GET.get("person")
    people = Person.objects.editable_by(request.user)
    form = PostAddForm(
        data,
        village=village,
        people=people,
        candidates=appointable_candidates(people, village, (data.get("person") if data else None) or selected),
        initial={"person": selected, "start_on": timezone.localdate()},
    )
    if form.is_valid() and (post := form.submit(by=request.user)):
        messages.success(request, f"已新增任职：{post.person.name}（{post.get_post_display()}）")
        return roster_saved(request, village)
    new_person_url = reverse("villages:person_new") + f"?for_post={village.code}"
    return post_form_response(request, form, village, title="新增任职", search=True, new_person_url=new_person_url)


@require_GET
def person_options(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Search people of the township by name, ID tail or phone: <option>s for the add-post select."""
    permissions.village_for_roster_edit(request.user, code)
    q = request.GET.get("q", "").strip()[:30]
    people = Person.objects.editable_by(request.user).select_related("home_village").order_by("name", "pk")
    if q:
        people = people.filter(Q(name__icontains=q) | Q(phone__contains=q) | Q(id_number__endswith=q.upper()))
    options = [(p.pk, person_option_label(p)) for p in people[:30]]
    return render(request, "villages/post_form.html#person-options", {"options": options, "q": q})


@require_http_methods(["GET", "POST"])
def post_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A roster row's 编辑: the post and its holder's person fields (education, birth date …) on one form."""
    post = permissions.post_for_edit(request.user, pk)
    data = request.POST if request.method == "POST" else None
    form = PostEditForm(data, instance=post)
    villages = Village.objects.editable_roster_by(request.user)
    person_form = PersonForm(data, instance=post.person, villages=villages, prefix="person")
    if data is None:
        IdNumberView.objects.create(person=post.person, viewed_by=request.user, context="person_edit_form")
    elif form.is_valid() and person_form.is_valid() and submit_together(form, person_form, by=request.user):
        messages.success(request, f"已保存{post.person.name}（{post.get_post_display()}）的任职和人员信息")
        return roster_saved(request, post.village)
    title = f"修改：{post.person.name} {post.get_post_display()}"
    return post_form_response(request, form, post.village, title=title, person_form=person_form)


@require_http_methods(["GET", "POST"])
def post_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    post = permissions.post_for_edit(request.user, pk)
    form = PostEndForm(request.POST if request.method == "POST" else None, instance=post)
    if form.is_valid() and (ended := form.submit(by=request.user)):
        messages.success(request, post_end_message(ended))
        return roster_saved(request, post.village)
    title = f"结束任职（离任）：{post.person.name} {post.get_post_display()}"
    return post_form_response(request, form, post.village, title=title)


def post_end_message(post: PostAssignment) -> str:
    """A 离任 date still ahead keeps the person on the roster until then (PostAssignment.current)."""
    who = f"{post.person.name}（{post.get_post_display()}）"
    if post.end_on and post.end_on > timezone.localdate():
        return f"已登记{who}拟于{post.end_on:%Y-%m-%d}离任；在此之前仍列在现任名单中"
    return f"已登记{who}离任"
