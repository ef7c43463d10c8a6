"""The import's fast inserts write the same rows and history records as simple_history's bulk_create_with_history."""

from __future__ import annotations

import datetime as dt

from simple_history.utils import bulk_create_with_history

from tests import factories as f
from villages.choices import Education, Grade, Post
from villages.models import Assessment, Person, PostAssignment
from villages.workbook.bulk import insert_with_history

SKIP = {"id", "history_id", "history_date", "id_number", "name"}


def people(village, prefix: str, start: int) -> list[Person]:
    return [
        Person(
            name=f"{prefix}{n}",
            id_number=f.make_id_number(dt.date(1980, 1, 1 + n), seq=start + n),
            gender="male",
            birth_date=dt.date(1980, 1, 1 + n),
            education=Education.ASSOCIATE,
            party_joined_on=dt.date(2001, 7, 1),
            source_categories=["veteran", "entrepreneur"],
            home_village=village,
        )
        for n in range(3)
    ]


def rows(queryset, skip=SKIP) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in skip} for row in queryset.order_by("pk").values()]


def test_fast_insert_matches_bulk_create_with_history(world, secretary_a):
    fast = people(world.village_a, "甲", 0)
    insert_with_history(fast, Person, user=secretary_a, reason="花名册导入")
    assert all(p.pk for p in fast)
    slow = people(world.village_a, "乙", 100)
    bulk_create_with_history(slow, Person, default_user=secretary_a, default_change_reason="花名册导入")

    fast_rows = Person.objects.filter(pk__in=[p.pk for p in fast])
    slow_rows = Person.objects.filter(pk__in=[p.pk for p in slow])
    assert rows(fast_rows) == rows(slow_rows)
    assert fast_rows.first().source_categories == ["veteran", "entrepreneur"]
    fast_history = Person.history.filter(id__in=[p.pk for p in fast])
    slow_history = Person.history.filter(id__in=[p.pk for p in slow])
    assert rows(fast_history) == rows(slow_history)
    assert sorted(fast_history.values_list("id", flat=True)) == sorted(p.pk for p in fast)
    assert {(h.history_type, h.history_user_id) for h in fast_history} == {("+", secretary_a.pk)}

    posts = [PostAssignment(person_id=p.pk, village=world.village_a, organ="party", post=Post.CLERK) for p in fast]
    insert_with_history(posts, PostAssignment, user=None, reason="")
    assert PostAssignment.history.filter(id__in=[p.pk for p in posts], history_user__isnull=True).count() == 3
    grades = [Assessment(person_id=p.pk, year=2025, grade=Grade.EXCELLENT) for p in fast]
    insert_with_history(grades, Assessment, user=None, reason="")
    assert Assessment.objects.filter(person__in=fast, grade=Grade.EXCELLENT).count() == 3
