"""The survey's cases (docs/domain.md §1) in `seed_demo --scale small` are flagged with the expected reasons."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from villages.choices import Severity, VillageFlag
from villages.models import Risk


@pytest.fixture
def seeded(db):
    call_command("seed_demo", scale="small", verbosity=0)


def risk_of(code: str, kind: str) -> Risk:
    return Risk.objects.get(village__code=code, kind=kind, person=None, is_active=True)


def test_group_leaders_unable_names_the_counts(seeded):
    found = risk_of("511902100201", VillageFlag.GROUP_LEADERS_UNABLE)
    assert found.severity == Severity.RED
    assert found.detail.startswith("5名社长中3名年满70岁")
    assert "1名因残疾不能正常履职" in found.detail and found.detail.endswith("能正常履职1名")


def test_no_new_party_member_for_twelve_years(seeded):
    found = risk_of("511902100202", VillageFlag.NO_NEW_PARTY_MEMBER)
    assert found.severity == Severity.RED and "已12年未发展新党员" in found.detail


@pytest.mark.parametrize("code", ["511902102201", "511902102202"])
def test_no_qualified_secretary_villages(seeded, code):
    found = risk_of(code, VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE)
    assert found.severity == Severity.RED and "年龄高且学历低" in found.detail
    assert risk_of(code, VillageFlag.NO_YOUNG_MEMBER)


@pytest.mark.parametrize(
    ("code", "severity", "text"),
    [
        ("511902103201", Severity.RED, "乡镇干部兼任"),
        ("511902103202", Severity.RED, "代理"),
        ("511902103203", Severity.AMBER, "代理"),
    ],
)
def test_township_cadres_acting_as_secretary(seeded, code, severity, text):
    found = risk_of(code, VillageFlag.VACANT_OR_ACTING_POST)
    assert found.severity == severity and "书记由" in found.detail and text in found.detail
