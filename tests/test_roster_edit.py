"""Roster edits: posts and people inline (htmx), errors in place, history, refusing concurrent edits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.roster_data import make_roster
from villages.choices import Gender, Grade, How, Post
from villages.models import IdNumberView, Person, PostAssignment

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def roster_a(world):
    return make_roster(world.village_a)


def person_data(person: Person, **changes) -> dict:
    data = {
        "name": person.name,
        "id_number": person.id_number,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "ethnicity": person.ethnicity,
        "political_status": person.political_status,
        "education": person.education,
        "health": person.health,
        "able_to_serve": "on" if person.able_to_serve else "",
        "home_village": person.home_village_id,
        "version": person.version,
    }
    return data | changes


def row_edit_data(post: PostAssignment, **changes) -> dict:
    """The roster row's 编辑 form as rendered (the post's fields and, under `person-`, its holder's), with changes."""
    person = {f"person-{key}": value for key, value in person_data(post.person).items()}
    current: dict[str, object] = {
        "how": post.how,
        "start_on": post.start_on.isoformat() if post.start_on else "",
        "term": post.term,
    }
    if post.group_id:
        current["group"] = post.group_id
    return person | current | {"version": post.version} | changes


# ---- posts ----


def test_add_post_inline_returns_refreshed_roster(client_a, world, roster_a, secretary_a):
    person = f.PersonFactory(home_village=world.village_a, name="李新")
    url = reverse("villages:post_add", args=[world.village_a.code])
    data = {"person": person.pk, "post": Post.CLERK, "how": How.APPOINTED, "start_on": "2026-11-01", "term": "第十一届"}
    response = client_a.post(url, data, **HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#roster" and response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert '<section id="roster">' in html and "<html" not in html and "李新" in html
    post = PostAssignment.objects.get(person=person, post=Post.CLERK)
    assert post.organ == "committee" and post.village == world.village_a
    record = post.history.get()
    assert record.history_user == secretary_a and record.history_type == "+"


def test_add_group_leader_without_group_shows_error_in_place(client_a, world, roster_a):
    url = reverse("villages:post_add", args=[world.village_a.code])
    data = {"person": roster_a.members[0].pk, "post": Post.GROUP_LEADER, "how": How.CHOSEN}
    response = client_a.post(url, data, **HX)
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    html = response.content.decode()
    assert "社长须填写所在社" in html and "<html" not in html and 'hx-post="' in html
    assert not PostAssignment.objects.filter(person=roster_a.members[0], post=Post.GROUP_LEADER).exists()


def test_add_same_post_twice_is_refused(client_a, world, roster_a):
    url = reverse("villages:post_add", args=[world.village_a.code])
    data = {"person": roster_a.secretary.pk, "post": Post.PARTY_SECRETARY, "how": How.ELECTED}
    response = client_a.post(url, data, **HX)
    assert "已担任本村书记" in response.content.decode()
    assert PostAssignment.objects.filter(person=roster_a.secretary, post=Post.PARTY_SECRETARY).count() == 1


def test_person_search_offers_people_of_the_township_only(client_a, world, roster_a):
    f.PersonFactory(home_village=world.village_b, name="王外乡")
    f.PersonFactory(home_village=world.village_a, name="王本乡")
    url = reverse("villages:person_options", args=[world.village_a.code])
    html = client_a.get(url, {"q": "王"}, **HX).content.decode()
    assert "王本乡" in html and "王外乡" not in html and "<option" in html


def test_edit_post_records_history(client_a, secretary_a, roster_a):
    post = roster_a.secretary_post
    url = reverse("villages:post_edit", args=[post.pk])
    assert client_a.get(url, **HX).status_code == 200
    data = row_edit_data(post, how=How.BY_ELECTION, start_on="2021-03-01", term="第十届")
    response = client_a.post(url, data, **HX)
    assert response["HX-Retarget"] == "#roster"
    post.refresh_from_db()
    assert (post.how, post.term, post.version) == (How.BY_ELECTION, "第十届", 2)
    latest = post.history.first()
    assert latest.history_user == secretary_a
    changed = {c.field for c in latest.diff_against(latest.prev_record).changes}
    assert {"how", "start_on", "term"} <= changed


def test_end_post_removes_it_from_the_roster(client_a, world, roster_a):
    post = roster_a.leader_post
    url = reverse("villages:post_end", args=[post.pk])
    data = {"end_on": "2026-11-20", "end_reason": "年老体弱辞职", "version": post.version}
    html = client_a.post(url, data, **HX).content.decode()
    post.refresh_from_db()
    assert post.end_on == dt.date(2026, 11, 20) and post.end_reason == "年老体弱辞职"
    roster, message = html.split('<div id="messages"')
    assert roster_a.group_leader.name not in roster
    assert f"已登记{roster_a.group_leader.name}（社长）离任" in message


def test_end_before_start_is_an_error_in_place(client_a, roster_a):
    post = roster_a.secretary_post
    url = reverse("villages:post_end", args=[post.pk])
    response = client_a.post(url, {"end_on": "2020-01-01", "end_reason": "x", "version": post.version}, **HX)
    assert "离任时间不能早于任职时间" in response.content.decode()
    post.refresh_from_db()
    assert post.end_on is None


def test_post_page_without_htmx_is_a_full_page_and_redirects(client_a, world, roster_a):
    post = roster_a.secretary_post
    url = reverse("villages:post_edit", args=[post.pk])
    page = client_a.get(url).content.decode()
    assert "<html" in page and "hx-post" not in page.split('id="roster-form"')[1].split("</form>")[0]
    response = client_a.post(url, row_edit_data(post, how=How.ELECTED, start_on="2021-01-01"))
    assert response.status_code == 302 and response.url == reverse("villages:village", args=[world.village_a.code])


# ---- concurrency ----


def test_concurrent_person_edit_second_save_is_refused(secretary_a, roster_a):
    person = roster_a.members[0]
    first, second = Client(), Client()
    first.force_login(secretary_a)
    second.force_login(secretary_a)
    url = reverse("villages:person_edit", args=[person.pk])
    # Both forms rendered from the same version.
    assert first.get(url, **HX).context["form"]["version"].value() == 1
    assert second.get(url, **HX).context["form"]["version"].value() == 1
    assert first.post(url, person_data(person, phone="13800000001"), **HX)["HX-Retarget"] == "#person"
    response = second.post(url, person_data(person, phone="13900000002"), **HX)
    html = response.content.decode()
    assert "该记录已被他人修改" in html and "请刷新后重试" in html and "HX-Retarget" not in response
    assert str(secretary_a) in html  # who changed it, from history
    assert 'value="13900000002"' in html  # the refused input is kept
    person.refresh_from_db()
    assert person.phone == "13800000001" and person.version == 2


def test_concurrent_post_end_and_edit_second_is_refused(client_a, roster_a):
    post = roster_a.secretary_post
    end = {"end_on": "2026-11-20", "end_reason": "调任", "version": 1}
    edit = row_edit_data(post, how=How.APPOINTED, start_on="2021-01-01")
    client_a.post(reverse("villages:post_end", args=[post.pk]), end, **HX)
    response = client_a.post(reverse("villages:post_edit", args=[post.pk]), edit, **HX)
    assert "该记录已被他人修改" in response.content.decode()
    post.refresh_from_db()
    assert post.how == How.ELECTED and post.end_on == dt.date(2026, 11, 20)


# ---- people ----


def test_person_edit_records_history_with_chinese_labels(client_a, secretary_a, roster_a):
    person = roster_a.members[0]
    url = reverse("villages:person_edit", args=[person.pk])
    client_a.post(url, person_data(person, name="陈改名", phone="13811112222"), **HX)
    person.refresh_from_db()
    assert person.name == "陈改名"
    record = person.history.first()
    assert record.history_user == secretary_a
    html = client_a.get(reverse("villages:person", args=[person.pk])).content.decode()
    assert "姓名：" in html and "→ 陈改名" in html and "联系电话：— → 13811112222" in html
    assert str(secretary_a) in html


def test_new_person_derives_gender_and_birth_date_from_id(client_a, world):
    number = f.make_id_number(dt.date(1990, 2, 3), gender=Gender.FEMALE, seq=77)
    full_width = number[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    data = {
        "name": "赵敏",
        "id_number": " " + full_width + number[17].lower(),
        "ethnicity": "汉族",
        "political_status": "masses",
        "education": "associate",
        "health": "healthy",
        "able_to_serve": "on",
        "home_village": world.village_a.pk,
        "source_categories": ["returned_migrant", "entrepreneur"],
    }
    response = client_a.post(reverse("villages:person_new"), data)
    assert response.status_code == 302, response.content.decode()
    person = Person.objects.get(name="赵敏")
    assert person.id_number == number and person.gender == Gender.FEMALE
    assert person.birth_date == dt.date(1990, 2, 3)
    assert person.source_categories == ["returned_migrant", "entrepreneur"]


def test_new_person_typed_gender_that_disagrees_is_an_error(client_a, world):
    number = f.make_id_number(dt.date(1990, 2, 3), gender=Gender.FEMALE, seq=78)
    data = {"name": "钱", "id_number": number, "gender": Gender.MALE, "education": "associate"}
    data |= {"ethnicity": "汉族", "political_status": "masses", "health": "healthy", "home_village": world.village_a.pk}
    response = client_a.post(reverse("villages:person_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["gender"] == ["性别与身份证号码不一致：号码显示为女"]
    assert not Person.objects.filter(name="钱").exists()


def test_new_person_invalid_id_and_foreign_village_are_errors(client_a, world):
    data = {"name": "孙", "id_number": "511902199002030001", "education": "associate", "ethnicity": "汉族"}
    data |= {"political_status": "masses", "health": "healthy", "home_village": world.village_b.pk}
    form = client_a.post(reverse("villages:person_new"), data).context["form"]
    assert "校验码错误" in form.errors["id_number"][0]
    assert "home_village" in form.errors


def test_unknown_region_code_is_a_warning_not_an_error(client_a, world):
    first17 = "32010219880101123"
    from villages import idcard

    data = {"name": "周", "id_number": first17 + idcard.check_character(first17), "education": "bachelor"}
    data |= {"ethnicity": "汉族", "political_status": "masses", "health": "healthy", "home_village": world.village_a.pk}
    response = client_a.post(reverse("villages:person_new"), data, **HX)
    assert response["HX-Redirect"] == reverse("villages:person", args=[Person.objects.get(name="周").pk])


def test_new_person_for_a_post_returns_to_the_add_post_form(client_a, world):
    number = f.make_id_number(dt.date(1992, 5, 6), seq=79)
    data = {"name": "吴", "id_number": number, "education": "associate", "ethnicity": "汉族"}
    data |= {"political_status": "masses", "health": "healthy", "home_village": world.village_a.pk}
    url = reverse("villages:person_new") + f"?for_post={world.village_a.code}"
    response = client_a.post(url, data)
    person = Person.objects.get(name="吴")
    assert response.url == reverse("villages:post_add", args=[world.village_a.code]) + f"?person={person.pk}"
    form = client_a.get(response.url).context["form"]
    assert str(form["person"].value()) == str(person.pk)


def test_assessment_once_per_year_error_in_place(client_a, secretary_a, roster_a):
    person = roster_a.members[0]
    url = reverse("villages:assessment_add", args=[person.pk])
    ok = client_a.post(url, {"year": 2025, "grade": Grade.EXCELLENT}, **HX)
    assert ok["HX-Retarget"] == "#person"
    again = client_a.post(url, {"year": 2025, "grade": Grade.COMPETENT}, **HX)
    html = again.content.decode()
    assert "2025年度已有考核结果（优秀）" in html and 'id="assessments"' in html and "<html" not in html
    assert list(person.assessments.values_list("grade", flat=True)) == [Grade.EXCELLENT]
    assert person.assessments.get().history.get().history_user == secretary_a


# ---- ID number masking ----


def test_county_staff_sees_masked_id_only(client_county, roster_a):
    person = roster_a.members[0]
    html = client_county.get(reverse("villages:person", args=[person.pk])).content.decode()
    assert person.id_number not in html and person.id_number_masked in html
    assert not IdNumberView.objects.exists()


def test_secretary_sees_whole_id_and_the_showing_is_logged(client_a, secretary_a, roster_a):
    person = roster_a.members[0]
    html = client_a.get(reverse("villages:person", args=[person.pk])).content.decode()
    assert person.id_number in html
    client_a.get(reverse("villages:person_edit", args=[person.pk]), **HX)
    views = IdNumberView.objects.filter(person=person, viewed_by=secretary_a)
    assert sorted(views.values_list("context", flat=True)) == ["person_edit_form", "person_page"]


def test_lists_never_show_whole_ids(client_a, world, roster_a):
    html = client_a.get(reverse("villages:people")).content.decode()
    html += client_a.get(reverse("villages:village", args=[world.village_a.code])).content.decode()
    for person in [roster_a.secretary, *roster_a.members]:
        assert person.id_number not in html
    assert roster_a.members[0].id_number_masked in html
