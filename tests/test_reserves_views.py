"""Pages of the reserve pipeline: permission matrices (outsider 404, read-only 403), htmx fragments, eligibility
overrides, enrolment, results entry, and constant query counts on the outcome and bench pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from reserves.choices import EnrollmentStatus, Readiness, ReserveStatus
from reserves.models import Election, Enrollment, Reserve, TrainingClass
from tests import factories as f
from tests.review_support import reviewed
from villages.choices import Education, Post
from villages.models import PostAssignment

HTMX = {"HTTP_HX_REQUEST": "true"}


def _young(village, **kwargs):
    return f.PersonFactory(home_village=village, birth_date=dt.date(1996, 5, 1), **kwargs)


# --- village reserves -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 200), ("client_city", 200)]
)
def test_village_reserves_page_scoping(request, world, persona, code):
    f.ReserveFactory(person__home_village=world.village_a)
    client: Client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:village_reserves", args=[world.village_a.code])).status_code == code


@pytest.mark.parametrize(
    ("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 403), ("client_city", 403)]
)
def test_only_the_township_secretary_may_add_reserves(request, world, persona, code):
    client: Client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:reserve_add", args=[world.village_a.code])).status_code == code


def test_add_eligible_reserve_returns_refreshed_list_fragment(client_a, world):
    person = _young(world.village_a)
    reviewed(person, on=dt.date(2026, 11, 1), purpose="reserve_entry")  # 未经联审不得入库 (test_reviews_enforcement)
    url = reverse("reserves:reserve_add", args=[world.village_a.code])
    data = {
        "person": person.pk,
        "target_post": Post.PARTY_SECRETARY,
        "readiness": Readiness.READY_NOW,
        "rank": 1,
        "added_on": "2026-11-01",
        "added_how": "recommended",
    }
    response = client_a.post(url, data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#reserves"
    assert "<html" not in response.content.decode()
    assert person.name in response.content.decode()
    assert Reserve.objects.get().village == world.village_a


def test_ineligible_person_needs_a_recorded_reason(client_a, world):
    person = f.PersonFactory(
        home_village=world.village_a, birth_date=dt.date(1970, 1, 1), education=Education.JUNIOR_HIGH
    )
    reviewed(person, on=dt.date(2026, 11, 1), purpose="reserve_entry")
    url = reverse("reserves:reserve_add", args=[world.village_a.code])
    data = {
        "person": person.pk,
        "target_post": Post.DIRECTOR,
        "readiness": Readiness.WITHIN_TERM,
        "rank": 1,
        "added_on": "2026-11-01",
        "added_how": "inspected",
    }
    response = client_a.post(url, data, **HTMX)
    body = response.content.decode()
    assert "不符合条件" in body and "超过放宽年龄上限45岁" in body and "学历为初中" in body
    assert not Reserve.objects.exists()
    client_a.post(url, {**data, "eligibility_override_reason": "村内无其他人选，经乡镇党委研究同意"}, **HTMX)
    assert Reserve.objects.get().eligibility_override_reason.startswith("村内无其他人选")


def test_withdraw_needs_a_reason_and_shows_it(client_a, world):
    reserve = f.ReserveFactory(person__home_village=world.village_a)
    url = reverse("reserves:reserve_withdraw", args=[reserve.pk])
    assert client_a.post(url, {"reason": "", "on": "2026-11-01"}, **HTMX).status_code == 200
    reserve.refresh_from_db()
    assert reserve.status == ReserveStatus.ACTIVE
    response = client_a.post(url, {"reason": "外出务工", "on": "2026-11-01"}, **HTMX)
    reserve.refresh_from_db()
    assert (reserve.status, reserve.withdrawn_reason) == (ReserveStatus.WITHDRAWN, "外出务工")
    assert "外出务工" in response.content.decode()


def test_edit_is_refused_when_someone_else_saved_first(client_a, world):
    reserve = f.ReserveFactory(person__home_village=world.village_a)
    url = reverse("reserves:reserve_edit", args=[reserve.pk])
    data = {"target_post": Post.PARTY_SECRETARY, "readiness": Readiness.READY_NOW, "rank": 2, "version": 1}
    reserve.withdraw(reason="x", on=dt.date(2026, 1, 1))  # bumps the version
    response = client_a.post(url, data, **HTMX)
    assert "已被他人修改" in response.content.decode()


@pytest.mark.parametrize(("persona", "code"), [("client_b", 404), ("client_county", 403)])
def test_others_cannot_edit_or_withdraw(request, world, persona, code):
    reserve = f.ReserveFactory(person__home_village=world.village_a)
    client: Client = request.getfixturevalue(persona)
    assert client.post(reverse("reserves:reserve_withdraw", args=[reserve.pk]), {"reason": "x"}).status_code == code
    assert client.post(reverse("reserves:measure_add", args=[reserve.pk]), {}).status_code == code


def test_measures_and_assessments_are_added_inline(client_a, world):
    reserve = f.ReserveFactory(person__home_village=world.village_a)
    response = client_a.post(
        reverse("reserves:measure_add", args=[reserve.pk]),
        {"kind": "post_practice", "description": "村委会主任助理", "starts_on": "2025-03-01"},
        **HTMX,
    )
    assert "村委会主任助理" in response.content.decode()
    response = client_a.post(
        reverse("reserves:assessment_add", args=[reserve.pk]), {"year": 2025, "grade": "excellent"}, **HTMX
    )
    assert "优秀" in response.content.decode()
    assert reserve.measures.count() == 1 and reserve.assessments.count() == 1


# --- succession and bench ---------------------------------------------------------------------------------------


def test_succession_shows_holder_age_at_election_and_ranked_reserves(client_a, world):
    world.village_a.planned_election_on = dt.date(2026, 12, 20)
    world.village_a.save()
    holder = f.PersonFactory(home_village=world.village_a, name="老书记", birth_date=dt.date(1960, 12, 20))
    f.PostAssignmentFactory(person=holder, post=Post.PARTY_SECRETARY, start_on=dt.date(2021, 3, 1))
    f.ReserveFactory(person=_young(world.village_a, name="小王"), rank=1, readiness=Readiness.READY_NOW)
    response = client_a.get(reverse("reserves:village_succession", args=[world.village_a.code]))
    body = response.content.decode()
    assert "老书记（66岁" in body
    assert "1. 小王" in body


def test_succession_panel_fragment_for_htmx(client_a, world):
    response = client_a.get(reverse("reserves:village_succession", args=[world.village_a.code]), **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="succession-panel"')


@pytest.mark.parametrize(
    ("persona", "level", "code", "status"),
    [
        ("client_a", "township", "511902100", 200),
        ("client_a", "township", "511902101", 404),
        ("client_county", "county", "511902", 200),
        ("client_county", "county", "511921", 404),
        ("client_city", "county", "511921", 200),
        ("client_city", "village", "511921", 404),
    ],
)
def test_bench_scoping(request, world, persona, level, code, status):
    client: Client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:bench", args=[level, code])).status_code == status


def _villages_with_reserves(world, count: int, *, start: int = 0) -> None:
    for i in range(start, start + count):
        village = f.VillageFactory(township=world.township_a, code=f"5119021003{i:02d}", name=f"新村{i}")
        f.ReserveFactory(person=_young(village), readiness=Readiness.READY_NOW)
        f.ReserveFactory(person=_young(village), target_post=Post.DIRECTOR)


def test_bench_page_query_count_is_constant(client_county, world, django_assert_num_queries):
    _villages_with_reserves(world, 2)
    url = reverse("reserves:bench", args=["county", world.county.code])
    with django_assert_num_queries(6) as small:
        client_county.get(url)
    _villages_with_reserves(world, 8, start=2)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client_county.get(url)
    assert "书记" in response.content.decode()


# --- classes and enrolment --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "code"), [("client_county", 200), ("client_city", 200), ("client_a", 403)])
def test_who_may_create_classes(request, world, persona, code):
    client: Client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:class_new")).status_code == code


def test_county_staff_creates_class_of_own_county_only(client_county, world):
    data = {
        "name": "第二期中期班",
        "institution": "县职业中学",
        "level": "mid_term",
        "county": world.other_county.pk,
        "starts_on": "2026-09-01",
    }
    response = client_county.post(reverse("reserves:class_new"), data)
    assert response.status_code == 200  # the other county is not a valid choice
    assert not TrainingClass.objects.exists()
    response = client_county.post(reverse("reserves:class_new"), {**data, "county": world.county.pk})
    assert response.status_code == 302
    assert TrainingClass.objects.get().county == world.county


@pytest.mark.parametrize(("persona", "code"), [("client_a", 200), ("client_county", 200), ("client_city", 200)])
def test_class_page_visible_in_county(request, world, persona, code):
    training_class = f.TrainingClassFactory(county=world.county)
    client: Client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:class", args=[training_class.pk])).status_code == code


def test_class_of_other_county_is_404(client_county, world):
    training_class = f.TrainingClassFactory(county=world.other_county)
    assert client_county.get(reverse("reserves:class", args=[training_class.pk])).status_code == 404
    assert client_county.post(reverse("reserves:class_enrol", args=[training_class.pk])).status_code == 404


def test_class_page_shows_where_each_trainee_is_now_and_the_funnel(client_county, world):
    training_class = f.TrainingClassFactory(county=world.county)
    person = f.EnrollmentFactory(
        training_class=training_class, person__home_village=world.village_a, person__name="李学员"
    ).person
    f.PostAssignmentFactory(person=person, post=Post.CLERK, start_on=dt.date(2021, 3, 15))
    body = client_county.get(reverse("reserves:class", args=[training_class.pk])).content.decode()
    assert "李学员" in body and "青龙村村文书" in body
    assert "1/1 <strong>100.0%</strong>" in body
    assert "<svg" in body and "连选连任" in body


def test_township_secretary_sees_only_own_trainees_on_class_page(client_b, world):
    training_class = f.TrainingClassFactory(county=world.county)
    f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a, person__name="甲学员")
    f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_b, person__name="乙学员")
    body = client_b.get(reverse("reserves:class", args=[training_class.pk])).content.decode()
    assert "乙学员" in body and "甲学员" not in body


def test_bulk_enrol_from_pasted_list_is_all_or_nothing(client_county, world):
    training_class = f.TrainingClassFactory(county=world.county)
    one, two = _young(world.village_a, name="赵一"), _young(world.village_b, name="钱二")
    url = reverse("reserves:class_enrol", args=[training_class.pk])
    bad = f"{one.id_number}\n钱三 {two.id_number}\n"
    response = client_county.post(url, {"people": bad})
    assert response.status_code == 400
    assert "第2行" in response.content.decode()
    assert not Enrollment.objects.exists()
    good = f"{one.id_number.lower()}\n钱二\t{two.id_number}\n"
    assert client_county.post(url, {"people": good}).status_code == 302
    assert set(Enrollment.objects.values_list("person__name", flat=True)) == {"赵一", "钱二"}


def test_bulk_enrol_from_workbook_with_title_row(client_county, world):
    training_class = f.TrainingClassFactory(county=world.county)
    person = _young(world.village_a, name="孙三")
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年村级后备干部专修班学员名单"])
    sheet.append(["序号", "姓名", "公民身份号码"])
    sheet.append([1, "孙三", person.id_number])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "名单.xlsx"
    response = client_county.post(reverse("reserves:class_enrol", args=[training_class.pk]), {"workbook": buffer})
    assert response.status_code == 302
    assert Enrollment.objects.get().person == person


def test_enrolment_status_change(client_county, client_a, world):
    enrollment = f.EnrollmentFactory(
        training_class=f.TrainingClassFactory(county=world.county),
        person__home_village=world.village_a,
        status=EnrollmentStatus.ENROLLED,
    )
    url = reverse("reserves:enrollment_status", args=[enrollment.training_class_id])
    data = {"enrollment": enrollment.pk, "status": "completed"}
    assert client_a.post(url, data).status_code == 403
    assert client_county.post(url, {**data, "enrollment": enrollment.pk + 99}).status_code == 404
    response = client_county.post(url, data, **HTMX)
    assert response.status_code == 200
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.completed_on) == ("completed", dt.date(2020, 7, 1))


# --- elections --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 200), ("client_city", 200)]
)
def test_who_may_record_results(request, world, persona, code):
    election = f.ElectionFactory(village=world.village_a)
    client: Client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:election_results", args=[election.pk])).status_code == code


def _result_post(rows: list[dict], *, prefix: str = "form") -> dict:
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0}
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{key}": value for key, value in row.items()}
    return data


def test_results_entry_records_and_marks_reserve_appointed(client_a, world):
    election = f.ElectionFactory(village=world.village_a)
    reserve = f.ReserveFactory(person=_young(world.village_a, name="周四", political_status="cpc_member"))
    rows = [{"person": reserve.person.id_number, "post": Post.PARTY_SECRETARY, "votes": 600}]
    response = client_a.post(reverse("reserves:election_results", args=[election.pk]), _result_post(rows))
    assert response.status_code == 302
    reserve.refresh_from_db()
    assert reserve.status == ReserveStatus.APPOINTED


def test_results_entry_with_a_bad_row_records_nothing(client_a, world):
    election = f.ElectionFactory(village=world.village_a)
    first = _young(world.village_a, name="吴五", political_status="cpc_member")
    second = _young(world.village_a, name="郑六", political_status="cpc_member")
    rows = [
        {"person": "吴五", "post": Post.PARTY_SECRETARY},
        {"person": "郑六", "post": Post.PARTY_SECRETARY},
    ]
    response = client_a.post(reverse("reserves:election_results", args=[election.pk]), _result_post(rows))
    assert response.status_code == 400
    assert "第2行" in response.content.decode()
    assert not PostAssignment.objects.filter(person__in=[first, second]).exists()


@pytest.mark.parametrize(("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 200)])
def test_township_one_screen_entry_permissions(request, world, persona, code):
    client: Client = request.getfixturevalue(persona)
    response = client.get(reverse("reserves:township_results", args=[world.township_a.code]))
    assert response.status_code == code


def test_township_one_screen_entry_records_several_villages(client_county, world):
    second = f.VillageFactory(township=world.township_a, code="511902100299", name="红星村")
    one, two = _young(world.village_a, name="王七", political_status="cpc_member"), _young(second, name="冯八")
    reviewed(one, two, on=dt.date(2026, 11, 20))
    rows = [
        {"village": world.village_a.pk, "person": "王七", "post": Post.PARTY_SECRETARY},
        {"village": second.pk, "person": two.id_number, "post": Post.DIRECTOR, "votes": 321},
    ]
    data = {"held_on": "2026-11-20", "term": "第十二届", **_result_post(rows)}
    response = client_county.post(reverse("reserves:township_results", args=[world.township_a.code]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Election.objects.filter(held_on=dt.date(2026, 11, 20)).count() == 2
    assert PostAssignment.objects.filter(person__in=[one, two], start_on=dt.date(2026, 11, 20)).count() == 2


# --- outcomes ---------------------------------------------------------------------------------------------------


def _trainees(world, count: int) -> None:
    training_class = f.TrainingClassFactory(county=world.county)
    for i in range(count):
        person = f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a).person
        if i % 2:
            f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER, start_on=dt.date(2021, 3, 15))


def test_outcomes_page_shows_numerator_denominator_and_rate(client_county, world):
    _trainees(world, 4)
    body = client_county.get(reverse("reserves:outcomes", args=["county", world.county.code])).content.decode()
    assert "2/4 <strong>50.0%</strong>" in body
    assert "书记后备覆盖率" in body and "0 / 2 个村" in body


def test_outcomes_page_query_count_is_constant(client_county, world, django_assert_num_queries):
    _trainees(world, 2)
    url = reverse("reserves:outcomes", args=["county", world.county.code])
    with django_assert_num_queries(12) as small:
        client_county.get(url)
    for _ in range(4):
        _trainees(world, 6)
    with django_assert_num_queries(len(small.captured_queries)):
        client_county.get(url)


@pytest.mark.parametrize(
    ("persona", "level", "code", "status"),
    [
        ("client_a", "township", "511902100", 200),
        ("client_b", "township", "511902100", 404),
        ("client_county", "county", "511921", 404),
        ("client_city", "county", "511921", 200),
    ],
)
def test_outcomes_scoping(request, world, persona, level, code, status):
    client: Client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:outcomes", args=[level, code])).status_code == status


def test_township_secretary_asking_for_the_county_sees_own_township_only(client_b, world):
    _trainees(world, 4)  # all from village_a (township A)
    body = client_b.get(reverse("reserves:outcomes", args=["county", world.county.code])).content.decode()
    assert "0/0 <strong>—</strong>" in body


def test_outcomes_home_redirects_to_own_area(client_a, client_city, world):
    assert client_a.get(reverse("reserves:outcomes_home"))["Location"].endswith("/outcomes/township/511902100/")
    assert client_city.get(reverse("reserves:outcomes_home")).status_code == 200


def test_anonymous_is_sent_to_login(world):
    response = Client().get(reverse("reserves:classes"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_county_bench_summarises_townships_and_township_bench_lists_villages(client_county, world):
    f.ReserveFactory(person=_young(world.village_a), readiness=Readiness.READY_NOW)
    county = client_county.get(reverse("reserves:bench", args=["county", world.county.code])).content.decode()
    assert "凌云乡" in county and "大和乡" in county
    assert "<strong>1</strong>/2 个村" in county  # one of two villages has no ready secretary successor
    township = client_county.get(reverse("reserves:bench", args=["township", world.township_a.code])).content.decode()
    assert "青龙村" in township and "白鹤村" not in township


def test_refused_enrolment_status_shows_why_on_its_row_and_keeps_the_choice(client_county, world):
    training_class = f.TrainingClassFactory(county=world.county, starts_on=dt.date(2019, 9, 1))
    enrollment = f.EnrollmentFactory(
        training_class=training_class, person__home_village=world.village_a, status=EnrollmentStatus.ENROLLED
    )
    url = reverse("reserves:enrollment_status", args=[training_class.pk])
    data = {"enrollment": enrollment.pk, "status": "completed", "completed_on": "2019-01-10"}
    response = client_county.post(url, data, **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers: the row must come back to show the error
    html = response.content.decode()
    assert "结业日期不能早于开班日期（2019-09-01）" in html and 'role="alert"' in html and "<html" not in html
    assert 'value="2019-01-10"' in html and '<option value="completed" selected>' in html
    page = client_county.post(url, data | {"completed_on": "2099-01-01"})
    assert page.status_code == 400 and "不能晚于今天" in page.content.decode()
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.completed_on) == (EnrollmentStatus.ENROLLED, None)
    dropped = client_county.post(url, {"enrollment": enrollment.pk, "status": "dropped", "completed_on": "2020-07-01"})
    assert dropped.status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.completed_on) == (EnrollmentStatus.DROPPED, None)
