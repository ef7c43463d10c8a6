"""Per-user lookup helpers: the only way views and API code fetch one user-visible object.

Outside the user's scope → 404 (Http404: we do not confirm the object exists).
Visible but not writable for this user → 403 (PermissionDenied).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from villages.models import Assessment, City, County, Person, PostAssignment, Risk, Township, User, Village


def can_edit_roster(user: User, village: Village) -> bool:
    """Rosters (people, posts, assessments, reserves) are kept by the township's own secretary."""
    return user.is_authenticated and user.is_township_secretary and village.township_id == user.township_id


def can_edit_village_fields(user: User) -> bool:
    """Village master data (codes, party figures, election dates): county staff and above."""
    return user.is_authenticated and (user.is_admin or user.is_county_staff)


def can_review_risk(user: User, risk: Risk) -> bool:
    """Assigning, confirming, reopening and accepting a risk: the village's county staff, its city's admins and the
    province admins."""
    return user.oversees_county(risk.village.township.county_id)


def can_answer_risk(user: User, risk: Risk) -> bool:
    """Recording the action taken (已整改待核): the secretary of the village's own township."""
    return can_edit_roster(user, risk.village)


def can_edit_person(user: User, person: Person) -> bool:
    return Person.objects.editable_by(user).filter(pk=person.pk).exists()


def village_for(user: User, code: str) -> Village:
    return get_object_or_404(Village.objects.for_user(user).with_units(), code=code)


def village_for_roster_edit(user: User, code: str) -> Village:
    village = village_for(user, code)
    if not can_edit_roster(user, village):
        raise PermissionDenied("只读用户不能修改花名册")
    return village


def city_for(user: User, code: str) -> City:
    return get_object_or_404(City.objects.for_user(user), code=code)


def county_for(user: User, code: str) -> County:
    return get_object_or_404(County.objects.for_user(user), code=code)


def township_for(user: User, code: str) -> Township:
    return get_object_or_404(Township.objects.for_user(user).select_related("county"), code=code)


def person_for(user: User, pk: int) -> Person:
    return get_object_or_404(Person.objects.for_user(user).select_related("home_village__township"), pk=pk)


def person_for_edit(user: User, pk: int) -> Person:
    """One query when the user may edit the person; outside the scope 404, inside but read-only 403."""
    person = Person.objects.editable_by(user).select_related("home_village__township").filter(pk=pk).first()
    if person is None:
        person_for(user, pk)  # 404 when the user may not even see them
        raise PermissionDenied("只读用户不能修改人员信息")
    return person


def post_for_edit(user: User, pk: int) -> PostAssignment:
    post = get_object_or_404(PostAssignment.objects.for_user(user).select_related("person", "village"), pk=pk)
    if not can_edit_roster(user, post.village):
        raise PermissionDenied("只读用户不能修改任职")
    return post


def assessment_for_edit(user: User, pk: int) -> Assessment:
    people = Person.objects.for_user(user)
    assessment = get_object_or_404(Assessment.objects.filter(person__in=people).select_related("person"), pk=pk)
    if not can_edit_person(user, assessment.person):
        raise PermissionDenied("只读用户不能修改年度考核")
    return assessment
