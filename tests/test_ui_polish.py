"""What the working-day walk-through found on every page: full-width Chinese punctuation on labels, no Django
branding, names instead of login names and codes, one column per heading, a grouped menu with a name search,
dashboards whose charts share one scale, and success messages after saves."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from reserves.choices import Readiness, ReviewPurpose
from tests import factories as f
from tests.review_support import reviewed
from villages.choices import Post
from villages.models import IdNumberExport

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_form_labels_end_in_a_full_width_colon(client_a, world):
    html = client_a.get(reverse("villages:people")).content.decode()
    assert re.search(r"<label[^>]*>姓名/电话：</label>", html)
    assert not re.search(r"<label[^>]*>[^<]*[\u4e00-\u9fff]:</label>", html)
    person = f.PersonFactory(home_village=world.village_a)
    form = client_a.get(reverse("villages:person_edit", args=[person.pk])).content.decode()
    assert "全日制最高学历：</label>" in form


def test_admin_speaks_the_products_name(client):
    html = client.get("/admin/login/").content.decode()
    assert "村级后备干部管理" in html and "Django" not in html.split("<body")[1]


def test_audit_names_people_by_name_and_role_and_lists_an_export_once(client_a, client_county, world, secretary_a):
    secretary_a.display_name = "凌云乡王书记"
    secretary_a.save()
    people = [f.PersonFactory(home_village=world.village_a, name=f"导出人{n}") for n in range(7)]
    for person in people:
        f.PostAssignmentFactory(person=person)
    client_a.get(reverse("villages:roster_export", args=[world.township_a.code]))
    assert IdNumberExport.objects.get().count == 7
    html = client_county.get(reverse("villages:audit"), {"kind": "id_export"}).content.decode()
    assert html.count('<td data-label="类型">导出身份证号</td>') == 1
    assert "凌云乡王书记（凌云乡 · 乡镇党委书记）" in html and "（sec_a）" not in html
    assert "花名册导出：导出人0、导出人1、导出人2、导出人3、导出人4等7人的完整身份证号" in html
    assert "导出的7人" in html and people[6].id_number not in html and people[6].id_number_masked in html


def test_audit_export_rows_stay_in_scope(client_b, client_a, world):
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=world.village_a))
    client_a.get(reverse("villages:roster_export", args=[world.township_a.code]))
    assert "导出身份证号" not in client_b.get(reverse("villages:audit")).content.decode()


def test_page_titles_carry_names_not_codes(client_a, world):
    html = client_a.get(reverse("villages:village", args=[world.village_a.code])).content.decode()
    title, h1 = re.search(r"<title>(.*?)</title>", html).group(1), re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert world.village_a.code not in title and world.village_a.code not in h1
    assert f"<dd>{world.village_a.code}</dd>" in html  # the code is still on the page, as a fact


def test_classes_list_has_one_column_per_heading(client_county, world):
    f.TrainingClassFactory(county=world.county)
    html = client_county.get(reverse("reserves:classes")).content.decode()
    headings = re.findall(r"<th[^>]*>([^<]+)</th>", html)
    assert len(headings) == len(set(headings)) and "结业日期" in headings and "结业人数" in headings


@pytest.mark.parametrize("persona", ["client_a", "client_county", "client_city"])
def test_menu_is_grouped_with_a_name_search(request, persona, world):
    html = request.getfixturevalue(persona).get(reverse("villages:people")).content.decode()
    nav = html.split('<nav class="mainnav"')[1].split("</nav>")[0]
    assert nav.count('<details class="menu" name="mainnav">') == 3
    assert [s for s in re.findall(r"<summary>([^<]+)</summary>", nav)] == ["花名册", "后备干部", "风险与换届"]
    for url in (reverse("reserves:reserve_list"), reverse("reports:mine"), reverse("villages:risks")):
        assert f'href="{url}"' in nav
    assert f'<form class="search" method="get" action="{reverse("villages:people")}" role="search">' in html


def test_header_search_finds_people_by_name_in_scope_only(client_a, client_b, world):
    f.PersonFactory(home_village=world.village_a, name="欧阳找得到")
    assert "欧阳找得到" in client_a.get(reverse("villages:people"), {"q": "欧阳"}).content.decode()
    assert "欧阳找得到" not in client_b.get(reverse("villages:people"), {"q": "欧阳"}).content.decode()


def test_dashboard_charts_share_one_scale(client_county, world):
    html = client_county.get(reverse("dashboards:dashboard")).content.decode()
    widths = set(re.findall(r'<svg[^>]*class="chart bar-chart"[^>]*width="(\d+)"', html))
    assert widths == {"400"}
    risks = html.split('id="risks"')[1].split("</section>")[0]
    assert 'class="risk-layout"' in risks
    assert '<main class="content wide">' in html and 'class="stack units"' in html


def test_reserve_saves_confirm_with_a_message(client_a, world):
    person = f.PersonFactory(home_village=world.village_a, name="新后备")
    reviewed(person, on=dt.date(2026, 11, 1), purpose=ReviewPurpose.RESERVE_ENTRY)  # 入库 needs a passed review
    data = {
        "person": person.pk,
        "target_post": Post.PARTY_SECRETARY,
        "readiness": Readiness.READY_NOW,
        "rank": 1,
        "added_on": "2026-11-01",
        "added_how": "recommended",
        "eligibility_override_reason": "测试",
    }
    html = client_a.post(reverse("reserves:reserve_add", args=[world.village_a.code]), data, **HX).content.decode()
    assert 'hx-swap-oob="true"' in html and "已将新后备列为后备干部（目标：书记）" in html


def test_a_full_page_save_shows_its_message_on_the_next_page(client_county, world):
    data = {"name": "第二期", "institution": "县职中", "level": "mid_term", "county": world.county.pk}
    response = client_county.post(reverse("reserves:class_new"), data | {"starts_on": "2026-09-01"}, follow=True)
    assert "已保存专修班：第二期" in response.content.decode()


def test_messages_are_not_swallowed_by_htmx_redirects(secretary_a, world):
    client = Client()
    client.force_login(secretary_a)
    url = reverse("villages:person_new") + f"?for_post={world.village_a.code}"
    data = {
        "name": "赵新人",
        "id_number": f.make_id_number(dt.date(1990, 1, 1)),
        "ethnicity": "汉族",
        "political_status": "masses",
        "education": "high_school",
        "health": "healthy",
        "able_to_serve": "on",
        "home_village": world.village_a.pk,
    }
    response = client.post(url, data, **HX)
    assert "HX-Redirect" in response and "已新增人员" not in response.content.decode()
    assert "已新增人员：赵新人" in client.get(response["HX-Redirect"]).content.decode()
