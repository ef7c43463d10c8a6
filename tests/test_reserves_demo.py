"""The pipeline demo data (tasks.management.demo.reserves): the first class shows 103/116 = 88.8%, idempotently."""

from __future__ import annotations

import pytest

from reserves.models import Election, ElectionResult, Reserve, TrainingClass
from reserves.outcomes import class_outcomes, reserve_coverage
from tasks.management.demo import reserves as demo
from tasks.management.demo.villages import seed_demo
from villages.models import Village


@pytest.mark.django_db
def test_seed_hook_creates_the_survey_class_and_is_idempotent():
    seed_demo(scale="small", seed=2026)
    demo.seed_hook(scale="small", seed=2026)
    survey = TrainingClass.objects.get(name=demo.SURVEY_CLASS_NAME)
    outcomes = class_outcomes(training_class=survey)
    assert (outcomes.completed, outcomes.entered_committee, outcomes.rate.display) == (116, 103, "88.8%")
    coverage = reserve_coverage(villages=Village.objects.all())
    assert 0 < coverage.numerator < coverage.denominator  # some villages have no secretary reserve
    assert not Reserve.objects.filter(village__code__in=demo.SURVEY_CASES["no_qualified_secretary"]).exists()
    assert ElectionResult.objects.filter(assignment__isnull=False).count() > Election.objects.count()
    counts = (Reserve.objects.count(), TrainingClass.objects.count(), Election.objects.count())
    demo.seed_hook(scale="small", seed=2026)
    assert (Reserve.objects.count(), TrainingClass.objects.count(), Election.objects.count()) == counts
