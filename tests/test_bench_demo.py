"""The bench demo data (tasks.management.demo.bench) shows each story of docs/domain.md §11, idempotently."""

from __future__ import annotations

import pytest

from reserves.education import education_projection
from reserves.models import Talent, Talk
from tasks.management.demo import bench, hooks
from tasks.management.demo import reserves as pipeline
from tasks.management.demo.tables import DEMO_TOWNSHIP
from tasks.management.demo.villages import seed_demo
from villages.choices import BenchRiskKind, VillageFlag
from villages.models import Risk, Village


@pytest.mark.django_db
def test_bench_demo_shows_each_story_and_is_idempotent():
    seed_demo(scale="small", seed=2026)
    pipeline.seed_hook(scale="small", seed=2026)
    bench.seed_hook(scale="small", seed=2026)
    hooks.risks()

    promoted = Talent.objects.get(status="promoted")
    assert promoted.reserve.person_id == promoted.person_id  # promotion kept the person
    assert Talent.objects.filter(status="in_pool").count() > 20

    dropped = Village.objects.get(code=bench.DROPPED_TRAINEE_VILLAGE)
    flag = Risk.objects.get(village=dropped, kind=VillageFlag.NO_SECRETARY_RESERVE, is_active=True)
    assert "退学" in flag.detail and "不计入" in flag.detail
    overdue = Risk.objects.filter(
        kind=BenchRiskKind.TALK_OVERDUE, is_active=True, village__township__code=DEMO_TOWNSHIP
    )
    assert overdue.exists()  # the demo township's secretary sees one

    [row] = education_projection(villages=Village.objects.filter(township__code=DEMO_TOWNSHIP), level="township")
    assert row.students == 2 and row.graduating_after == 1
    assert row.associate_projected == row.associate_now + 1

    counts = (Talent.objects.count(), Talk.objects.count())
    bench.seed_hook(scale="small", seed=2026)
    assert (Talent.objects.count(), Talk.objects.count()) == counts
