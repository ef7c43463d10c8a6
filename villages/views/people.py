"""People pages: filtered list, person detail with history, inline edit and assessments (htmx)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from villages import permissions
from villages.choices import SourceCategory
from villages.data_version import VersionedPaginator
from villages.forms.people_filters import PersonFilter
from villages.forms.relatives import RelativeForm
from villages.forms.roster import AssessmentForm, PersonForm
from villages.http import AuthedHttpRequest, page_or_partial, saved_section
from villages.models import County, IdNumberView, Person, PostAssignment, Relative, User, Village
from villages.roster.history import person_history

PAGE_SIZE = 50
SOURCE_LABELS = dict(SourceCategory.choices)


@require_GET
def people(request: AuthedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    current_posts = PostAssignment.objects.current(today).select_related("village")
    rows = (
        Person.objects.select_related("home_village")  # PersonFilter scopes them (for_user, within the area)
        .prefetch_related(Prefetch("posts", queryset=current_posts, to_attr="current_posts"))
        .order_by("home_village__code", "name", "pk")
    )
    person_filter = PersonFilter(request.GET, queryset=rows, user=request.user, today=today)
    # The total is kept per version of the user's counties: the rows are people placed in them.
    counties = County.objects.for_user(request.user)
    page = VersionedPaginator(person_filter.qs, PAGE_SIZE, counties=counties).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": person_filter, "page": page, "query": query.urlencode(), "today": today}
    return page_or_partial(request, "villages/people.html", "people-results", context)


def reveal_id_number(request: AuthedHttpRequest, person: Person, *, context: str) -> bool:
    """Whole ID numbers only for users who may edit the person; each showing is logged (PIPL)."""
    if not permissions.can_edit_person(request.user, person):
        return False
    IdNumberView.objects.create(person=person, viewed_by=request.user, context=context)
    return True


def person_context(request: AuthedHttpRequest, person: Person) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "person": person,
        "today": today,
        "show_whole_id": reveal_id_number(request, person, context="person_page"),
        "assessments": person.assessments.all(),
        "history": person_history(person=person, user=request.user),
        "source_labels": [SOURCE_LABELS.get(code, code) for code in person.source_categories],
        "relatives": relatives_of(person),
    }


def person_page_context(request: AuthedHttpRequest, person: Person, **open_forms: Any) -> dict[str, Any]:
    """The whole person page: `person_context`, whether the user may edit, the assessment form for an editor;
    `open_forms` replace or add forms shown open (a relative form asked for, an assessment form with errors). The
    relative form is not built here: its people select is loaded on request (villages/views/relatives.py)."""
    context = person_context(request, person)
    context["can_edit"] = context["show_whole_id"]  # revealed to exactly those who may edit the person
    if context["can_edit"]:
        context["assessment_form"] = AssessmentForm(person=person)
    return context | open_forms


def relatives_of(person: Person) -> QuerySet[Relative]:
    """The relative records naming `person` on either side (their own, and those others made naming them)."""
    return (
        Relative.objects.filter(Q(person=person) | Q(relative=person))
        .select_related("person", "relative")
        .order_by("relation", "pk")
    )


def relative_form(person: Person, user: User, data: Any = None) -> RelativeForm:
    # Each option names the home village: loaded with the people, not one query per option.
    return RelativeForm(data, person=person, people=Person.objects.editable_by(user).select_related("home_village"))


@require_GET
def person(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = permissions.person_for(request.user, pk)
    return page_or_partial(request, "villages/person.html", "person", person_page_context(request, person))


def person_form_response(request: AuthedHttpRequest, form: PersonForm, **context: Any) -> HttpResponse:
    context |= {"form": form, "action": request.get_full_path()}
    return page_or_partial(request, "villages/person_form.html", "person-form", context)


@require_http_methods(["GET", "POST"])
def person_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = permissions.person_for_edit(request.user, pk)
    villages = Village.objects.editable_roster_by(request.user)
    form = PersonForm(request.POST if request.method == "POST" else None, instance=person, villages=villages)
    if request.method == "GET":
        IdNumberView.objects.create(person=person, viewed_by=request.user, context="person_edit_form")
    elif form.is_valid() and (saved := form.submit(by=request.user)):
        messages.success(request, f"已保存{saved.name}的人员信息")
        return person_saved(request, saved)
    return person_form_response(request, form, person=person, title=f"修改人员信息：{person.name}")


def person_saved(request: AuthedHttpRequest, person: Person) -> HttpResponse:
    """After a change: htmx gets the refreshed person section (swapped over #person), a browser the page."""
    return saved_section(
        request,
        template="villages/person.html",
        partial="person",
        context=lambda: person_page_context(request, person),
        browser_url=reverse("villages:person", args=[person.pk]),
    )


@require_http_methods(["GET", "POST"])
def person_new(request: AuthedHttpRequest) -> HttpResponse:
    villages = Village.objects.editable_roster_by(request.user).order_by("code")
    if not villages.exists():
        raise PermissionDenied("只有乡镇党委书记可以新增人员")
    for_post = request.GET.get("for_post", "")
    initial = {"home_village": villages.filter(code=for_post).first(), "ethnicity": "汉族"}
    form = PersonForm(request.POST if request.method == "POST" else None, villages=villages, initial=initial)
    if form.is_valid() and (person := form.submit(by=request.user)):
        messages.success(request, f"已新增人员：{person.name}")
        url = reverse("villages:person", args=[person.pk])
        if villages.filter(code=for_post).exists():
            url = reverse("villages:post_add", args=[for_post]) + f"?person={person.pk}"
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return person_form_response(request, form, title="新增人员")
