"""The rule values of the work after an election on the rules page (villages/rules.py, RuleValueForm): dates,
months and relation sets read, stored and shown with their 文号; and the township's to-do list naming the work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reserves import midterm
from reserves.choices import VacancyReason
from tests.after_support import committee
from villages.choices import Relation
from villages.models import PostAssignment, RuleValue
from villages.rules import RELATION_BITS, display_value, rules_for, to_python, to_stored


@pytest.mark.parametrize(
    ("key", "typed", "stored", "shown"),
    [
        ("aftercare_archive_on", "2027-01-31", dt.date(2027, 1, 31), "2027-01-31"),
        ("aftercare_training_months", "2", 2, "2"),
        ("filing_post_days", "20", 20, "20"),
        ("near_relatives", "配偶、父母，子女", frozenset({"spouse", "parent", "child"}), "配偶、父母、子女"),
        ("near_relatives", "spouse sibling", frozenset({"spouse", "sibling"}), "配偶、兄弟姐妹"),
    ],
)
def test_the_county_records_a_value_on_the_rules_page(world, client_county, key, typed, stored, shown):
    data = {"key": key, "value": typed, "effective_on": "2026-01-01", "document_number": "巴州组发〔2026〕1号"}
    assert client_county.post(reverse("villages:rules"), data).status_code == 302
    row = RuleValue.objects.get(county=world.county, key=key)
    assert to_python(key, row.value) == stored
    ruleset = rules_for(county_id=world.county.pk, on=dt.date(2026, 6, 1))
    assert getattr(ruleset, key) == stored and ruleset.sources[key].document_number == "巴州组发〔2026〕1号"
    assert display_value(key, stored) == shown
    assert shown in client_county.get(reverse("villages:rules")).content.decode()


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [("aftercare_archive_on", "明年一月", "请填写日期"), ("near_relatives", "配偶、邻居", "无法识别的关系：邻居")],
)
def test_unreadable_values_are_refused_with_the_reason(client_county, key, typed, message):
    data = {"key": key, "value": typed, "effective_on": "2026-01-01", "document_number": "X"}
    response = client_county.post(reverse("villages:rules"), data)
    assert response.status_code == 422 and message in response.content.decode()


def test_code_defaults_are_shown_as_unverified(client_county):
    page = client_county.get(reverse("villages:rules")).content.decode()
    assert "换届资料归档截止日期" in page and "未设定" in page and "监委会回避的近亲属关系" in page


def test_relation_sets_round_trip_and_other_never_counts():
    every = frozenset(RELATION_BITS)
    assert to_python("near_relatives", to_stored("near_relatives", every)) == every
    assert Relation.OTHER not in every


def test_the_township_todo_names_the_work_after_an_election(world, client_a):
    team = committee(world.village_a)
    midterm.open_vacancy(
        assignment=PostAssignment.objects.get(person=team.member), vacated_on=timezone.localdate(),
        reason=VacancyReason.RESIGNED, by=None,
    )  # fmt: skip
    items = {i.key: i for i in client_a.get(reverse("dashboards:todo")).context["todo"].items}
    assert items["mid_term_open"].count == 1 and items["mid_term_open"].entries[0].note == "空缺待提名"
    assert items["filings_overdue"].count == 0 and items["aftercare_overdue"].count == 0
