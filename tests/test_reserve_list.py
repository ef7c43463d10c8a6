"""The reserve list (后备干部名单) of a township, county and the city: scope, filters, pagination, constant query
count, htmx fragment, and the .xlsx export in its documented shape (whole IDs only for the township's secretary,
one audit row per export)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse

from reserves.choices import EnrollmentStatus, Readiness, ReserveStatus
from reserves.workbook import HEADERS
from tests import factories as f
from tests.workbooks import read_back
from villages.choices import Education, Post
from villages.models import IdNumberExport, IdNumberView

pytestmark = pytest.mark.django_db
URL = reverse("reserves:reserve_list")
EXPORT = reverse("reserves:reserve_export")
HTMX = {"HTTP_HX_REQUEST": "true"}
DOCS = Path(__file__).resolve().parents[1] / "docs" / "exports.md"


@pytest.fixture
def bench(world):
    """Reserves across the scopes: three active ones in village A (eligible, relaxed, ineligible), a withdrawn one,
    one in township B and one in the other county."""
    mentor = f.PersonFactory(home_village=world.village_a, name="帮带人甲")
    ready = f.ReserveFactory(
        person__home_village=world.village_a,
        person__name="甲合格",
        readiness=Readiness.READY_NOW,
        mentor=mentor,
    )
    f.EnrollmentFactory(person=ready.person, status=EnrollmentStatus.COMPLETED, training_class__county=world.county)
    relaxed = f.ReserveFactory(
        person__home_village=world.village_a,
        person__name="甲放宽",
        person__birth_date=dt.date(1985, 1, 1),
        target_post=Post.DIRECTOR,
    )
    f.EnrollmentFactory(person=relaxed.person, status=EnrollmentStatus.ENROLLED, training_class__county=world.county)
    f.ReserveFactory(
        person__home_village=world.village_a,
        person__name="甲不符合",
        person__education=Education.JUNIOR_HIGH,
        target_post=Post.COMMITTEE_MEMBER,
    )
    gone = f.ReserveFactory(person__home_village=world.village_a, person__name="甲已退出")
    gone.withdraw(reason="外出务工", on=dt.date(2026, 6, 1))
    f.ReserveFactory(person__home_village=world.village_b, person__name="乙后备")
    f.ReserveFactory(person__home_village=world.village_other_county, person__name="丙后备")
    return ready


def names(response) -> list[str]:
    return re.findall(r'<td data-label="姓名"><a href="[^"]+">([^<]+)</a>', response.content.decode())


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("client_a", ["甲合格", "甲放宽", "甲不符合"]),
        ("client_b", ["乙后备"]),
        ("client_county", ["甲合格", "甲放宽", "甲不符合", "乙后备"]),
        ("client_city", ["甲合格", "甲放宽", "甲不符合", "乙后备", "丙后备"]),
    ],
)
def test_each_role_sees_the_active_reserves_of_its_scope_in_post_order(request, bench, persona, expected):
    response = request.getfixturevalue(persona).get(URL)
    assert response.status_code == 200
    assert names(response) == expected


def test_anonymous_is_sent_to_login(client, bench):
    assert client.get(URL)["Location"].startswith(reverse("login"))
    assert client.get(EXPORT)["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"target_post": Post.PARTY_SECRETARY}, ["甲合格"]),
        ({"readiness": Readiness.READY_NOW}, ["甲合格"]),
        ({"eligibility": "eligible"}, ["甲合格"]),
        ({"eligibility": "relaxed"}, ["甲放宽"]),
        ({"eligibility": "ineligible"}, ["甲不符合"]),
        ({"training": "completed"}, ["甲合格"]),
        ({"training": "enrolled"}, ["甲放宽"]),
        ({"training": "none"}, ["甲不符合"]),
        ({"mentor": "yes"}, ["甲合格"]),
        ({"mentor": "no"}, ["甲放宽", "甲不符合"]),
        ({"status": ReserveStatus.WITHDRAWN}, ["甲已退出"]),
        ({"status": "all", "q": "甲"}, ["甲合格", "甲放宽", "甲不符合", "甲已退出"]),
        ({"eligibility": "eligible", "training": "none"}, []),
    ],
)
def test_filters(client_a, bench, params, expected):
    assert names(client_a.get(URL, params)) == expected


def test_county_staff_narrow_to_a_township_and_cannot_reach_outside_their_county(client_county, world, bench):
    assert names(client_county.get(URL, {"township": world.township_b.code})) == ["乙后备"]
    outside = client_county.get(URL, {"township": world.village_other_county.township.code})
    body = outside.content.decode()
    assert names(outside) == [] and "筛选条件有误" in body and "丙后备" not in body
    export = read_back(b"".join(client_county.get(EXPORT, {"township": "511921100"}).streaming_content))
    assert export[2:] == []


def test_eligibility_reasons_and_reference_age_are_shown(client_a, world, bench):
    world.village_a.planned_election_on = dt.date(2031, 1, 10)
    world.village_a.save()
    body = client_a.get(URL, {"eligibility": "relaxed"}).content.decode()
    # Born 1985-01-01: 46 on the planned election date (2031-01-10), over the relaxed limit 45 → 不符合.
    assert "甲放宽" not in body
    body = client_a.get(URL, {"eligibility": "ineligible"}).content.decode()
    assert "甲放宽" in body and "46岁，超过放宽年龄上限45岁" in body


def test_htmx_gets_the_results_fragment_with_an_export_link_carrying_the_filters(client_a, bench):
    response = client_a.get(URL, {"mentor": "no"}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="reserve-results">') and "<html" not in body
    assert f'href="{EXPORT}?mentor=no"' in body


def test_pages(client_county, world, monkeypatch):
    monkeypatch.setattr("reserves.views.lists.PAGE_SIZE", 2)
    for n in range(5):
        f.ReserveFactory(person__home_village=world.village_a, person__name=f"分页{n}", rank=n + 1)
    first, last = client_county.get(URL), client_county.get(URL, {"page": 3})
    assert names(first) == ["分页0", "分页1"] and "第 1/3 页" in first.content.decode()
    assert names(last) == ["分页4"]


def test_query_count_does_not_grow_with_rows(client_county, world, django_assert_num_queries):
    def make(n: int) -> None:
        for _ in range(n):
            reserve = f.ReserveFactory(person__home_village=world.village_a, mentor=f.PersonFactory())
            f.EnrollmentFactory(person=reserve.person, training_class__county=world.county)

    make(2)
    with django_assert_num_queries(9) as few:
        client_county.get(URL)
    make(12)
    with django_assert_num_queries(len(few.captured_queries)):
        client_county.get(URL)
    with django_assert_num_queries(len(few.captured_queries) - 1):  # eligibility filter: rows judged, no count
        assert len(names(client_county.get(URL, {"eligibility": "eligible"}))) == 14


def documented_columns() -> list[str]:
    """The column names of docs/exports.md's 后备干部名单 table (the first cell of each row)."""
    section = DOCS.read_text(encoding="utf-8").split("## 后备干部名单", 1)[1].split("\n## ", 1)[0]
    return [m.group(1) for m in re.finditer(r"^\| \d+ \| ([^|]+?) \|", section, flags=re.M)]


def test_export_columns_are_the_documented_ones():
    assert documented_columns() == HEADERS


def test_secretary_export_has_whole_ids_and_writes_one_audit_row(client_a, secretary_a, bench):
    response = client_a.get(EXPORT)
    assert response["Content-Disposition"].startswith("attachment")
    rows = read_back(b"".join(response.streaming_content))
    assert rows[0][0].startswith("凌云乡后备干部名单")
    assert rows[1] == HEADERS
    data = {row[3]: dict(zip(HEADERS, row, strict=True)) for row in rows[2:]}
    assert list(data) == ["甲合格", "甲放宽", "甲不符合"]
    ready = data["甲合格"]
    assert ready["公民身份号码"] == bench.person.id_number
    assert [ready[c] for c in ("村/社区", "目标岗位", "成熟度", "帮带人")] == ["青龙村", "书记", "当前可用", "帮带人甲"]
    assert (ready["资格"], ready["参训情况"], ready["状态"]) == ("符合", "已结业", "在库")
    assert data["甲放宽"]["资格"] == "放宽" and "超过35岁" in data["甲放宽"]["资格说明"]
    export = IdNumberExport.objects.get()
    assert (export.viewed_by, export.context, export.count) == (secretary_a, "reserve_export", 3)
    assert {p.name for p in export.people.all()} == {"甲合格", "甲放宽", "甲不符合"}
    assert not IdNumberView.objects.exists()


def test_county_export_is_masked_and_not_an_id_export(client_county, bench):
    rows = read_back(b"".join(client_county.get(EXPORT).streaming_content))[2:]
    assert len(rows) == 4 and all("*" in row[5] for row in rows)
    assert not IdNumberExport.objects.exists()


def test_export_applies_the_same_filters_as_the_page(client_a, bench):
    rows = read_back(b"".join(client_a.get(EXPORT, {"eligibility": "ineligible"}).streaming_content))[2:]
    assert [row[3] for row in rows] == ["甲不符合"]
    assert IdNumberExport.objects.get().count == 1


def test_navigation_and_unit_pages_link_the_list(client_county, world, bench):
    county = client_county.get(reverse("villages:county", args=[world.county.code])).content.decode()
    assert f'href="{URL}?county={world.county.code}"' in county
    township = client_county.get(reverse("villages:township", args=[world.township_a.code])).content.decode()
    assert f'href="{URL}?township={world.township_a.code}"' in township
