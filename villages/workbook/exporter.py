"""Roster exports (.xlsx) in the template's shape: a township's roster, and a filtered list of people.

Contract:
- A row per person: 村名称 is the village where they hold current posts (their home village if they hold one
  there, else the first such village), or their home village when they hold none; 职务 lists their current posts
  in that village; 任职时间 is the earliest start among them; the assessment column is last year's grade
  (header `YYYY年度考核`). Importing the export unchanged creates and updates nothing.
- ID numbers are whole only for people the user may edit (the township's own secretary); everyone else gets the
  masked form. An export that hands out whole numbers is one `IdNumberExport` audit row listing whose (PIPL).
- Queries are constant per export (people, their posts and assessments prefetched), not per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from villages import idcard
from villages.choices import SourceCategory
from villages.headlines import POST_ORDER
from villages.models import Assessment, IdNumberExport, Person, PostAssignment, Township, User, Village
from villages.workbook.dates import format_year_month
from villages.workbook.reader import default_assessment_year
from villages.workbook.template import roster_workbook


def township_roster(*, township: Township, user: User, today: dt.date | None = None) -> bytes:
    """The township's roster: everyone living there or holding a current post in one of its villages."""
    today = today or timezone.localdate()
    year = default_assessment_year(today)
    # Current on the day: a post with a 离任 date still ahead is on the roster until then.
    posts = PostAssignment.objects.current(today).filter(village__township=township)
    people = Person.objects.alive().filter(Q(home_village__township=township) | Q(pk__in=posts.values("person_id")))
    whole = user.is_authenticated and user.is_township_secretary and user.township_id == township.pk
    villages = list(Village.objects.filter(township=township).values_list("name", flat=True))
    return _workbook(
        title=f"{township.name}村干部花名册",
        people=_with_posts(people, posts, year=year),
        year=year,
        show_whole=lambda person: whole,
        user=user,
        context="roster_export",
        villages=villages,
    )


def people_list(*, people: QuerySet[Person], user: User, today: dt.date | None = None) -> bytes:
    """`people` (already scoped and filtered by the caller) in the roster shape."""
    today = today or timezone.localdate()
    year = default_assessment_year(today)
    editable = set(Person.objects.editable_by(user).filter(pk__in=people.values("pk")).values_list("pk", flat=True))
    posts = PostAssignment.objects.for_user(user).current(today)
    return _workbook(
        title="人员名单",
        people=_with_posts(people, posts, year=year),
        year=year,
        show_whole=lambda person: person.pk in editable,
        user=user,
        context="people_export",
    )


def _with_posts(people: QuerySet[Person], posts: QuerySet[PostAssignment], *, year: int) -> QuerySet[Person]:
    return people.select_related("home_village").prefetch_related(
        Prefetch("posts", queryset=posts.select_related("village", "group").order_by(), to_attr="export_posts"),
        Prefetch("assessments", queryset=Assessment.objects.filter(year=year), to_attr="export_assessments"),
    )


def _export_posts(person: Person) -> list[PostAssignment]:
    """The posts `_with_posts` prefetched (`to_attr`, which the model's type cannot declare)."""
    return getattr(person, "export_posts")  # noqa: B009


def _export_assessments(person: Person) -> list[Assessment]:
    """The assessments of the export year `_with_posts` prefetched."""
    return getattr(person, "export_assessments")  # noqa: B009


def _workbook(
    *,
    title: str,
    people: Iterable[Person],
    year: int,
    show_whole: Callable[[Person], bool],
    user: User,
    context: str,
    villages: list[str] | None = None,
) -> bytes:
    rows = sorted((_row(person, show_whole=show_whole(person)) for person in people), key=lambda r: r[0])
    IdNumberExport.objects.record(user=user, people=[person for _, _, person, whole in rows if whole], context=context)
    return roster_workbook(
        title=title, rows=(values for _, values, _, _ in rows), assessment_year=year, villages=villages or ()
    )


def _row(person: Person, *, show_whole: bool) -> tuple[tuple[Any, ...], list[Any], Person, bool]:
    """(sort key, values in COLUMNS order, person, whole ID shown) for one person."""
    village, posts = _village_and_posts(person)
    starts = [post.start_on for post in posts if post.start_on]
    leader = next((post for post in posts if post.group_id), None)
    assessments = _export_assessments(person)
    grade = assessments[0].get_grade_display() if assessments else ""
    values = [
        village.name,
        person.name,
        person.get_gender_display(),
        person.ethnicity,
        person.id_number if show_whole else idcard.mask(person.id_number),
        f"{person.birth_date:%Y.%m}",
        person.get_education_display(),
        person.get_education_in_service_display() if person.education_in_service else "",
        person.get_political_status_display(),
        format_year_month(person.party_joined_on),
        "、".join(post.get_post_display() for post in posts),
        format_year_month(min(starts)) if starts else "",
        f"{leader.group.number}社" if leader and leader.group else "",
        person.get_health_display(),
        "是" if person.able_to_serve else "否",
        grade,
        person.phone,
        "、".join(str(SourceCategory(code).label) for code in person.source_categories or []),
        next((post.get_source_display() for post in posts if post.source), ""),
        person.notes,
    ]
    rank = POST_ORDER[posts[0].post] if posts else len(POST_ORDER)
    cells = [value if value != "" else None for value in values]
    return (village.code, rank, person.name, person.pk), cells, person, show_whole


def _village_and_posts(person: Person) -> tuple[Village, list[PostAssignment]]:
    posts = sorted(_export_posts(person), key=lambda post: (post.village.code, POST_ORDER[post.post]))
    if not posts:
        return person.home_village, []
    at_home = [post for post in posts if post.village_id == person.home_village_id]
    village = person.home_village if at_home else posts[0].village
    return village, [post for post in posts if post.village_id == village.pk]
