"""A person's relatives on the person page (the facts of the 监委会 near-relative rule): add and remove, each in the
change history; htmx swaps the #relatives section, without htmx the person page is rendered again. Kept by the
township's secretary, like the rest of the person (outsiders 404, read-only users 403)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from villages import permissions
from villages.forms.relatives import RelativeForm
from villages.http import AuthedHttpRequest
from villages.models import Person, Relative
from villages.roster.relatives import remove_relative
from villages.views.people import person_page_context, relative_form, relatives_of


def relatives_response(request: AuthedHttpRequest, person: Person, form: RelativeForm, *, status: int = 200):
    if not request.htmx:
        page = person_page_context(request, person, relative_form=form)
        return render(request, "villages/person.html", page, status=status)
    context = {"person": person, "relatives": relatives_of(person), "can_edit": True, "relative_form": form}
    return render(request, "villages/_relatives.html", context, status=status)


@require_http_methods(["GET", "POST"])
def relative_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET: the section with the form (the person page shows only a button: the form's select lists the township's
    people); POST: register the relative."""
    person = permissions.person_for_edit(request.user, pk)
    if request.method == "GET":
        return relatives_response(request, person, relative_form(person, request.user))
    form = relative_form(person, request.user, request.POST)
    if form.is_valid() and (added := form.submit(by=request.user)):
        messages.success(request, f"已登记{person.name}的{added.get_relation_display()}：{added.shown_name}")
        if not request.htmx:
            return redirect("villages:person", pk=person.pk)
        return relatives_response(request, person, relative_form(person, request.user))
    return relatives_response(request, person, form, status=422)


@require_POST
def relative_remove(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    people = Person.objects.for_user(request.user)
    row = get_object_or_404(Relative.objects.filter(person__in=people).select_related("person", "relative"), pk=pk)
    person = permissions.person_for_edit(request.user, row.person_id)
    remove_relative(relative=row, by=request.user)
    messages.success(request, f"已删除{person.name}的亲属记录：{row.get_relation_display()} {row.shown_name}")
    if not request.htmx:
        return redirect("villages:person", pk=person.pk)
    return relatives_response(request, person, relative_form(person, request.user))
