"""Soft deletion of people: township secretaries delete from their roster, county staff restore.

Nobody hard-deletes a person from the UI or the API: the row, its posts, assessments and history stay, so a
mistaken deletion is undone by `restore_person` and the audit trail keeps who did what.
"""

from __future__ import annotations

from django.db.models import QuerySet

from villages.models import Person, PostAssignment, User, Village


def can_restore(user: User) -> bool:
    """Restoring is county business: county staff (their county), city and province admins."""
    return user.is_authenticated and (user.is_county_staff or user.is_admin)


def deleted_people_for(user: User) -> QuerySet[Person]:
    """Soft-deleted people placed in the user's villages (home village, a post or a reserve there)."""
    deleted = Person.objects.filter(deleted_at__isnull=False)
    if not user.is_authenticated:
        return deleted.none()
    if user.is_province_admin:
        return deleted
    return deleted.in_villages(Village.objects.for_user(user))


def delete_person(*, person: Person, by: User) -> None:
    """Hide the person from every list, page and API answer (the row and its history stay)."""
    person.soft_delete(by=by)


def restore_person(*, person: Person) -> None:
    """Bring a soft-deleted person back exactly as they were (posts and assessments included)."""
    person.restore()


def current_posts_of(person: Person) -> QuerySet[PostAssignment]:
    """Posts that will drop out of the village rosters when the person is deleted (shown before confirming)."""
    return PostAssignment.objects.filter(person=person).current().select_related("village")
