"""Deleting a person (township secretary, with confirmation) and the deleted-people list with restore (county)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villages import permissions
from villages.audit.deletion import can_restore, current_posts_of, delete_person, deleted_people_for, restore_person
from villages.http import AuthedHttpRequest, page_or_partial

PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
def person_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET: what will happen, and a confirm button. POST: soft delete, back to the person's village."""
    person = permissions.person_for_edit(request.user, pk)
    if request.method == "POST":
        delete_person(person=person, by=request.user)
        messages.success(request, f"已删除“{person.name}”。如属误删，请联系县委组织部在“已删除人员”中恢复。")
        return redirect("villages:village", code=person.home_village.code)
    context = {"person": person, "current_posts": current_posts_of(person)}
    return render(request, "villages/person_delete.html", context)


@require_GET
def people_deleted(request: AuthedHttpRequest) -> HttpResponse:
    if not can_restore(request.user):
        raise PermissionDenied("只有县委组织部可以查看和恢复已删除人员")
    people = (
        deleted_people_for(request.user)
        .select_related("home_village__township", "deleted_by")
        .order_by("-deleted_at", "pk")
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return page_or_partial(request, "villages/people_deleted.html", "deleted-people", {"page": page})


@require_POST
def person_restore(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(deleted_people_for(request.user), pk=pk)
    if not can_restore(request.user):
        raise PermissionDenied("只有县委组织部可以恢复已删除人员")
    restore_person(person=person)
    messages.success(request, f"已恢复“{person.name}”。")
    return redirect("villages:people_deleted")
