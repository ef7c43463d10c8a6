"""Compliance checks in the risk engine (villages/risk/compliance.py): each flag fires with its reason and stays
quiet otherwise; relatives are read both ways and by name; the county's near-relative set and 监委会 size rules
apply; relatives are kept on the person page by the township's secretary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests import factories as f
from tests.after_support import committee, hold, person
from villages import risk
from villages.choices import Grade, Post, Relation, Severity, VillageFlag
from villages.models import Relative, Village
from villages.roster import RosterRefused
from villages.roster.relatives import add_relative
from villages.rules import add_rule_value


def finding(village, kind):
    evaluation = risk.evaluations_for_villages(villages=Village.objects.filter(pk=village.pk))[village.pk]
    result = next(r for r in evaluation.rule_results if r.key == kind)
    found = [f for f in evaluation.findings if f.kind == kind]
    return (found[0] if found else None), result


@pytest.fixture
def team(world):
    return committee(world.village_a)


def test_a_clean_committee_raises_no_compliance_flag(team, world):
    for kind in (VillageFlag.SUPERVISION_CONFLICT, VillageFlag.SECRETARY_CHAIRS_SUPERVISION,
                 VillageFlag.SUPERVISION_SIZE, VillageFlag.INCOMPETENT_TWICE):  # fmt: skip
        found, result = finding(world.village_a, kind)
        assert found is None and result.passed, result.reason


def test_a_committee_member_on_the_supervision_committee(team, world):
    hold(world.village_a, team.member, Post.SUPERVISION_MEMBER)
    found, _ = finding(world.village_a, VillageFlag.SUPERVISION_CONFLICT)
    assert found.severity == Severity.RED
    assert found.detail.endswith("：委员（监委委员）同时任村委委员")
    assert "第三十二条" in found.detail


def test_a_near_relative_of_a_committee_member_read_from_either_record(team, world):
    add_relative(person=team.supervisors[1], relation=Relation.SPOUSE, relative=team.member, by=None)
    found, _ = finding(world.village_a, VillageFlag.SUPERVISION_CONFLICT)
    assert "监委1（监委委员）的配偶委员任村委委员" in found.detail
    Relative.objects.all().delete()
    add_relative(person=team.secretary, relation=Relation.CHILD, relative=team.supervisors[0], by=None)
    found, _ = finding(world.village_a, VillageFlag.SUPERVISION_CONFLICT)
    assert "监委0（监委会主任）是书记（村委会主任）的子女" in found.detail


def test_a_relative_recorded_by_name_is_matched_by_name(team, world):
    add_relative(person=team.supervisors[2], relation=Relation.SIBLING, relative=None, relative_name="委员", by=None)
    found, _ = finding(world.village_a, VillageFlag.SUPERVISION_CONFLICT)
    assert "兄弟姐妹委员任村委委员（按姓名匹配）" in found.detail


def test_the_countys_near_relative_set_decides(team, world):
    add_relative(person=team.supervisors[1], relation=Relation.COUSIN, relative=team.member, by=None)
    assert finding(world.village_a, VillageFlag.SUPERVISION_CONFLICT)[0] is not None
    add_rule_value(
        county_id=world.county.pk, key="near_relatives", value={Relation.SPOUSE, Relation.PARENT, Relation.CHILD},
        effective_on=dt.date(2021, 1, 1), document_number="巴州民发〔2026〕2号",
    )  # fmt: skip
    found, result = finding(world.village_a, VillageFlag.SUPERVISION_CONFLICT)
    assert found is None and "配偶、父母、子女" in result.reason


def test_the_secretary_chairing_the_supervision_committee(team, world):
    hold(world.village_a, team.secretary, Post.SUPERVISION_MEMBER)  # membership alone is the conflict rule's
    assert finding(world.village_a, VillageFlag.SECRETARY_CHAIRS_SUPERVISION)[0] is None
    chair = team.supervisors[0].posts.get()
    chair.end_on = dt.date(2024, 1, 1)
    chair.save()
    hold(world.village_a, team.secretary, Post.SUPERVISION_DIRECTOR, start=dt.date(2024, 1, 1))
    found, _ = finding(world.village_a, VillageFlag.SECRETARY_CHAIRS_SUPERVISION)
    assert found.detail == "书记书记兼任监委会主任，监委会应由他人主持"


@pytest.mark.parametrize(("extra", "fires"), [(-1, True), (0, False), (2, False), (3, True)])
def test_supervision_committee_size_three_to_five(team, world, extra, fires):
    if extra < 0:
        team.supervisors[2].posts.update(end_on=dt.date(2025, 1, 1))
    for i in range(extra):
        hold(world.village_a, person(world.village_a, f"新监委{i}"), Post.SUPERVISION_MEMBER)
    found, result = finding(world.village_a, VillageFlag.SUPERVISION_SIZE)
    assert (found is not None) == fires, result.reason
    if extra < 0:
        assert found.detail.startswith("监委会2人（") and found.detail.endswith("少于规定的3–5人")
    if extra == 3:
        assert "监委会6人" in found.detail and "多于规定的3–5人" in found.detail


def test_the_countys_size_rule(team, world):
    add_rule_value(county_id=world.county.pk, key="supervision_min_members", value=5,
                   effective_on=dt.date(2021, 1, 1), document_number="巴州民发〔2026〕3号")  # fmt: skip
    found, _ = finding(world.village_a, VillageFlag.SUPERVISION_SIZE)
    assert "监委会3人" in found.detail and "5–5人" in found.detail


def test_two_consecutive_incompetent_years_in_office_end_office(team, world):
    for year in (2024, 2025):
        f.AssessmentFactory(person=team.member, year=year, grade=Grade.INCOMPETENT)
    found, _ = finding(world.village_a, VillageFlag.INCOMPETENT_TWICE)
    assert found.severity == Severity.RED
    assert found.detail.startswith(
        "委员（村委委员）2024、2025年度连续两年不称职，其职务依法终止（村民委员会组织法第三十三条）"
    )


def test_incompetent_years_before_the_office_or_not_consecutive_do_not_count(team, world):
    f.AssessmentFactory(person=team.member, year=2019, grade=Grade.INCOMPETENT)
    f.AssessmentFactory(person=team.member, year=2020, grade=Grade.INCOMPETENT)  # before the 2021 post
    f.AssessmentFactory(person=team.member, year=2022, grade=Grade.INCOMPETENT)
    f.AssessmentFactory(person=team.member, year=2024, grade=Grade.INCOMPETENT)
    found, result = finding(world.village_a, VillageFlag.INCOMPETENT_TWICE)
    assert found is None and result.passed


def test_compliance_flags_reach_the_risk_list(team, world):
    add_relative(person=team.supervisors[1], relation=Relation.SPOUSE, relative=team.member, by=None)
    risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))
    row = world.village_a.risks.get(kind=VillageFlag.SUPERVISION_CONFLICT)
    assert row.is_active and row.person is None and "配偶" in row.detail


# ---- relatives: the write function and the person page ----


def test_relative_refusals(team):
    with pytest.raises(RosterRefused) as refused:
        add_relative(person=team.member, relation=Relation.SPOUSE, relative=team.member, by=None)
    assert refused.value.by_field() == {"relative": ["不能把本人登记为自己的亲属"]}
    with pytest.raises(RosterRefused) as refused:
        add_relative(person=team.member, relation="", relative=None, relative_name=" ", by=None)
    assert set(refused.value.by_field()) == {"relation", "relative"}
    add_relative(person=team.member, relation=Relation.SPOUSE, relative=team.secretary, by=None)
    with pytest.raises(RosterRefused, match="已登记为"):
        add_relative(person=team.member, relation=Relation.SIBLING, relative=team.secretary, by=None)


def test_person_page_relatives_add_and_remove(team, client_a, client_b, client_county, secretary_a):
    add = reverse("villages:relative_add", args=[team.member.pk])
    data = {"relation": Relation.SPOUSE, "relative": team.supervisors[1].pk, "relative_name": "", "note": ""}
    assert client_county.post(add, data).status_code == 403
    assert client_b.post(add, data).status_code == 404
    saved = client_a.post(add, data, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and 'id="relatives"' in saved.content.decode()
    row = Relative.objects.get()
    assert (row.person, row.relation, row.relative) == (team.member, Relation.SPOUSE, team.supervisors[1])
    assert row.history.get().history_user == secretary_a
    page = client_a.get(reverse("villages:person", args=[team.supervisors[1].pk])).content.decode()
    assert "委员</a>登记本人为其配偶" in page
    refused = client_a.post(add, {**data, "relative": team.member.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    remove = reverse("villages:relative_remove", args=[row.pk])
    assert client_county.post(remove).status_code == 403
    assert client_a.post(remove, HTTP_HX_REQUEST="true").status_code == 200
    assert not Relative.objects.exists()


def test_the_relative_form_is_loaded_on_request_not_with_every_person_page(team, client_a, client_b, client_county):
    page = client_a.get(reverse("villages:person", args=[team.member.pk])).content.decode()
    add = reverse("villages:relative_add", args=[team.member.pk])
    assert f'hx-get="{add}"' in page and "登记亲属" in page
    assert 'name="relative"' not in page, "the township's people select is rendered with the page"
    section = client_a.get(add, HTTP_HX_REQUEST="true")
    assert section.status_code == 200
    html = section.content.decode()
    assert 'id="relatives"' in html
    assert 'name="relative"' in html and f'value="{team.supervisors[1].pk}"' in html
    whole = client_a.get(add).content.decode()  # without htmx: the whole person page with the form open
    assert 'name="relative"' in whole and "<html" in whole
    assert 'name="grade"' in whole, "the whole page lost its assessment form's fields"
    assert client_b.get(add).status_code == 404
    assert client_county.get(add).status_code == 403
