"""The roster's write functions: the one way a person, a post or an assessment is written, whatever the way in.

Web forms, the REST API and election results call these; the roster workbook, which writes thousands of rows
in bulk, applies the same rules (`villages.roster.invariants`) while planning. Each function:
- applies every rule that concerns the write and raises RosterRefused listing each field at fault and why
  (nothing is written then);
- saves through model.save(), so django-simple-history records the change and who made it (`by`);
- for an existing row, saves only against the version the user saw (StaleEditError, a RosterRefused on
  `version`, otherwise).
Who may write where (scope, roles) is the entry path's business (villages.permissions), decided before calling.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from villages.choices import ORGAN_OF_POST, How, Post
from villages.data_version import charged
from villages.models import Assessment, Group, Person, PostAssignment, User, Village
from villages.roster.invariants import (
    RosterRefusal,
    assessment_once_refusal,
    assessment_year_refusal,
    derived_field_refusals,
    group_refusal,
    party_joined_refusal,
    party_post_refusal,
    post_dates_refusals,
    post_refusals,
    refuse_if_any,
    seat_refusal,
    source_refusal,
    unique_id_number_refusal,
    valid_id_number,
)
from villages.roster.reach import reached
from villages.roster.versioning import save_attributed, save_versioned

# What change_post may change; person, village and post make a new assignment instead.
POST_CHANGES = frozenset({"how", "start_on", "end_on", "term", "end_reason", "group_number", "source"})


def save_person(
    *,
    person: Person | None,
    values: Mapping[str, Any],
    by: User | None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Person:
    """Create a person (`person` None) or change one, and return the saved person (a new object: `person` is
    left as it was, also when refused).

    `values` maps Person field names to new values; fields left out keep theirs. `id_number` may be raw input
    (spaces, full-width digits, 15 digits). `gender` / `birth_date` are typed values to check against the
    number; empty or left out, they are derived from it. Rules: a valid number (refused alone when not: nothing
    else can be judged then) held by nobody else, typed gender and birth date that agree with it, 入党时间 not in
    the future nor before birth, and a holder of a current party post stays a full party member.
    `expected_version`: the version the user saw (default: the one `person` was loaded with).
    """
    today = today or timezone.localdate()
    target = copy.copy(person) if person is not None else Person()
    changes = dict(values)
    raw_number = changes.pop("id_number", None)
    typed_gender, typed_birth = changes.pop("gender", None), changes.pop("birth_date", None)
    for name, value in changes.items():
        setattr(target, name, value)
    refusals: list[RosterRefusal | None] = []
    if person is None or raw_number is not None or typed_gender or typed_birth:
        # An invalid number is refused alone: nothing else can be judged about someone not identified.
        identity = valid_id_number(id_number=raw_number or target.id_number, today=today)
        refusals += derived_field_refusals(identity=identity, gender=typed_gender, birth_date=typed_birth)
        target.id_number, target.gender, target.birth_date = identity.number, identity.gender, identity.birth_date
        taken_by = Person.objects.filter(id_number=identity.number).first()
        refusals.append(unique_id_number_refusal(taken_by=taken_by, person=person))
    refusals.append(
        party_joined_refusal(party_joined_on=target.party_joined_on, birth_date=target.birth_date, today=today)
    )
    if person is not None and target.political_status != person.political_status:
        held = PostAssignment.objects.filter(person=person, end_on__isnull=True).values_list("post", flat=True)
        refusals += [party_post_refusal(person=target, post=post, field="political_status") for post in held]
    refuse_if_any(refusals)
    # The counties and villages whose cached figures can read this person, before and after the change
    # (villages/data_version.py).
    with charged(reached([person.pk] if person else [], home_village_ids=[target.home_village_id])):
        if person is None:
            return _create_person(target, by=by)
        expected = person.version if expected_version is None else expected_version
        save_versioned(target, expected_version=expected, by=by)
    return target


def _create_person(person: Person, *, by: User | None) -> Person:
    try:
        with transaction.atomic():
            save_attributed(person, by=by)
    except IntegrityError:
        # The same number saved by someone else since the check: the same refusal as if it had been there.
        taken_by = Person.objects.filter(id_number=person.id_number).first()
        refuse_if_any([unique_id_number_refusal(taken_by=taken_by, person=None)])
        raise
    return person


def _groups(village: Village) -> dict[int, Group]:
    return {group.number: group for group in Group.objects.filter(village=village)}


def _others(village: Village, post: str, *, excluding: PostAssignment | None = None) -> list[PostAssignment]:
    """The village's assignments of `post`, every period (the facts `seat_refusal` needs)."""
    found = PostAssignment.objects.filter(village=village, post=post).select_related("person", "group")
    return list(found.exclude(pk=excluding.pk) if excluding is not None else found)


def start_post(
    *,
    person: Person,
    village: Village,
    post: str,
    group_number: int | None = None,
    start_on: dt.date | None,
    end_on: dt.date | None = None,
    how: str = How.ELECTED,
    term: str = "",
    end_reason: str = "",
    source: str = "",
    by: User | None,
    today: dt.date | None = None,
) -> PostAssignment:
    """Appoint `person` to `post` in `village` from `start_on` (to `end_on`, exclusive, for a past period).

    Rules (invariants.post_refusals): a 社长 names an existing 社 of the village by number and no other post
    names one; dates not in the future, not before birth, end not before start; party posts only for full party
    members; one holder per single seat (社长: per 社) and a post held once at a time by the same person. `source`
    (干部来源) is a CadreSource value or blank (invariants.source_refusal).
    """
    groups = _groups(village)
    refuse_if_any(
        [
            *post_refusals(
                person=person,
                village=village,
                post=post,
                group_number=group_number,
                groups=groups,
                start_on=start_on,
                end_on=end_on,
                others=_others(village, post),
                today=today or timezone.localdate(),
            ),
            source_refusal(source=source),
        ]
    )
    assignment = PostAssignment(
        person=person,
        village=village,
        organ=ORGAN_OF_POST[post],
        post=post,
        group=groups.get(group_number) if post == Post.GROUP_LEADER and group_number is not None else None,
        start_on=start_on,
        end_on=end_on,
        how=how,
        term=term,
        end_reason=end_reason,
        source=source,
    )
    save_attributed(assignment, by=by)
    return assignment


def change_post(
    *,
    assignment: PostAssignment,
    changes: Mapping[str, Any],
    by: User | None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> PostAssignment:
    """Change an assignment's `how`, `start_on`, `end_on` (ending it), `term`, `end_reason`, `source` or (社长)
    `group_number`; return the saved assignment (a new object: `assignment` is left as it was).

    Rules: the dates and, when its period or 社 changes, the seat rules of `start_post` (party membership is
    the person's business: see save_person). `expected_version`: the version the user saw (default: the one
    `assignment` was loaded with). Raises ValueError for a key outside POST_CHANGES (a programming error).
    """
    unknown = set(changes) - POST_CHANGES
    if unknown:
        raise ValueError(f"change_post cannot change {sorted(unknown)}")
    target = copy.copy(assignment)
    values = dict(changes)
    refusals: list[RosterRefusal | None] = []
    if "group_number" in values:
        groups = _groups(assignment.village)
        number = values.pop("group_number")
        refusals.append(
            group_refusal(
                village=assignment.village, post=assignment.post, group_number=number, group_numbers=groups.keys()
            )
        )
        target.group = groups.get(number) if number is not None else None
    for name, value in values.items():
        setattr(target, name, value)
    if "source" in values:
        refusals.append(source_refusal(source=values["source"]))
    person = assignment.person
    today = today or timezone.localdate()
    refusals += post_dates_refusals(
        start_on=target.start_on, end_on=target.end_on, birth_date=person.birth_date, today=today
    )
    if "group_number" in changes or _widened(assignment, target):
        others = _others(assignment.village, assignment.post, excluding=assignment)
        refusals.append(
            seat_refusal(
                person=person,
                post=assignment.post,
                group=target.group,
                start_on=target.start_on,
                end_on=target.end_on,
                others=others,
            )
        )
    refuse_if_any(refusals)
    version = assignment.version if expected_version is None else expected_version
    save_versioned(target, expected_version=version, by=by)
    return target


def _widened(before: PostAssignment, after: PostAssignment) -> bool:
    """The period starts earlier or ends later (or not at all) than before: it may now overlap another holder.

    Only then are the seat rules applied again, so ending or shortening a post is never refused over an old
    overlap (which is what ending it resolves).
    """
    starts_earlier = after.start_on != before.start_on and (
        after.start_on is None or (before.start_on is not None and after.start_on < before.start_on)
    )
    ends_later = after.end_on != before.end_on and (
        after.end_on is None or (before.end_on is not None and after.end_on > before.end_on)
    )
    return starts_earlier or ends_later


def record_assessment(
    *, person: Person, year: int, grade: str, by: User | None, correct: bool = False, today: dt.date | None = None
) -> Assessment:
    """Record `person`'s annual assessment (年度考核) of `year`. Rules: a year from 1980 to this year, and one
    result per year: a recorded year is refused unless `correct` (then its grade is replaced)."""
    recorded = Assessment.objects.filter(person=person, year=year).first()
    refuse_if_any(
        [
            assessment_year_refusal(year=year, today=today or timezone.localdate()),
            None
            if correct
            else assessment_once_refusal(year=year, recorded_grade=recorded.grade if recorded else None),
        ]
    )
    assessment = recorded or Assessment(person=person, year=year)
    if assessment.grade != grade:
        assessment.grade = grade
        if assessment.pk is not None:
            assessment.version += 1  # like every roster write: a correction open elsewhere becomes stale
        save_attributed(assessment, by=by)
    return assessment


def correct_assessment(
    *,
    assessment: Assessment,
    year: int,
    grade: str,
    by: User | None,
    expected_version: int,
    today: dt.date | None = None,
) -> Assessment:
    """Correct a recorded assessment (a wrong grade or year) against the version the user saw.

    Rules: the year rule of `record_assessment`, and a year that another result of the person already has is
    refused (one result per year). The history keeps the old values.
    """
    other = Assessment.objects.filter(person_id=assessment.person_id, year=year).exclude(pk=assessment.pk).first()
    refuse_if_any(
        [
            assessment_year_refusal(year=year, today=today or timezone.localdate()),
            assessment_once_refusal(year=year, recorded_grade=other.grade if other else None),
        ]
    )
    target = copy.copy(assessment)
    target.year, target.grade = year, grade
    save_versioned(target, expected_version=expected_version, by=by)
    return target
