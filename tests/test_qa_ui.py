"""Regressions from the browser QA pass: what users see is Chinese, and hand edits keep the roster plausible."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests import factories as f
from villages.choices import How, PoliticalStatus, Post
from villages.models import PostAssignment

HX = {"HTTP_HX_REQUEST": "true"}


def test_english_browser_still_gets_chinese_form_errors(county_staff):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(county_staff)
    html = client.post(reverse("reserves:class_new"), {"name": ""}).content.decode()
    assert "该字段是必填项" in html
    assert "This field is required" not in html


def test_rules_page_shows_labels_not_rule_keys(client_county):
    html = client_county.get(reverse("villages:rules")).content.decode()
    assert "两委成员年龄高" in html
    assert "high_age_member" not in html.split("<tbody>")[1].split("</tbody>")[0]


def test_choice_fields_offer_chinese_placeholders_only(client_a, client_county, world):
    person = f.PersonFactory(home_village=world.village_a)
    pages = [
        (client_a, reverse("villages:people")),
        (client_a, reverse("villages:post_add", args=[world.village_a.code])),
        (client_a, reverse("villages:person_edit", args=[person.pk])),
        (client_a, reverse("villages:person", args=[person.pk])),
        (client_a, reverse("reserves:reserve_add", args=[world.village_a.code])),
        (client_county, reverse("reserves:class_new")),
        (client_county, reverse("reserves:township_results", args=[world.township_a.code])),
    ]
    for client, url in pages:
        html = client.get(url).content.decode()
        assert "<select" in html and "---------" not in html, url
    assert '<option value="" selected>无</option>' in client_a.get(pages[2][1]).content.decode()  # 在职学历: none


def test_party_post_needs_a_full_party_member(client_a, world):
    applicant = f.PersonFactory(home_village=world.village_a, political_status=PoliticalStatus.CPC_PROBATIONARY)
    url = reverse("villages:post_add", args=[world.village_a.code])
    data = {"person": applicant.pk, "post": Post.PARTY_MEMBER, "how": How.APPOINTED, "start_on": "2026-11-01"}
    response = client_a.post(url, data, **HX)
    html = response.content.decode()
    assert "政治面貌为中共预备党员，村党组织职务只能由正式党员担任" in html and "<html" not in html
    assert not PostAssignment.objects.filter(person=applicant).exists()
    # The same person may still join the villagers' committee.
    response = client_a.post(url, data | {"post": Post.COMMITTEE_MEMBER}, **HX)
    assert response["HX-Retarget"] == "#roster"
    assert PostAssignment.objects.filter(person=applicant, post=Post.COMMITTEE_MEMBER).exists()


def test_pages_link_a_favicon_that_exists(client_a):
    html = client_a.get(reverse("villages:people")).content.decode()
    assert 'rel="icon"' in html and finders.find("favicon.svg")


def test_read_only_user_gets_a_chinese_403_page_with_the_reason(client_county, world):
    response = client_county.get(reverse("villages:post_add", args=[world.village_a.code]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权操作" in html and "只读用户不能修改花名册" in html and "Forbidden" not in html


def test_outsider_gets_a_chinese_404_page(client_b, world):
    response = client_b.get(reverse("villages:village", args=[world.village_a.code]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "未找到" in html and "Not Found" not in html


def test_expired_form_gets_a_chinese_csrf_page(secretary_a, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary_a)
    response = client.post(reverse("villages:post_add", args=[world.village_a.code]), {})
    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html and "CSRF verification failed" not in html


def test_server_error_page_is_chinese(rf):
    from django.views import defaults

    html = defaults.server_error(rf.get("/")).content.decode()
    assert "系统出错" in html and "Server Error" not in html


def test_rule_value_form_reports_at_the_top_of_the_long_rules_page(client_county):
    url = reverse("villages:rules")
    data = {
        "key": "high_age_member",
        "value": "abc",
        "effective_on": "2026-11-27",
        "document_number": "巴组发〔2026〕13号",
    }
    html = client_county.post(url, data).content.decode()
    top = html.split("<tbody>")[0]
    assert "新取值未保存" in top and 'href="#rule-form"' in top and 'id="rule-form"' in html
    response = client_county.post(url, data | {"value": "58"}, follow=True)
    top = response.content.decode().split("<tbody>")[0]
    assert "已保存2026-11-27起生效的新取值" in top
