"""The city level (issue 18): a city admin sees their city only, a province admin every city.

The admin of another city (成都市, `outsider_admin`) gets 404 for every 巴中市 object, on the pages and in the API,
as county staff do for another county; lists never show it. A province admin sees both cities and drills down
province → city → county → township.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.roster_data import make_roster
from villages.choices import Role
from villages.models import City, County, Risk, Township, User, Village

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def bazhong(world):
    """One of everything in 巴中市 (world.village_a): the objects an outsider must not reach."""
    roster = make_roster(world.village_a)
    person = roster.secretary
    risk = Risk.objects.create(village=world.village_a, kind="no_young_member", severity="amber", detail="无")
    reserve = f.ReserveFactory(person=f.PersonFactory(home_village=world.village_a))
    training_class = f.TrainingClassFactory(county=world.county)
    election = f.ElectionFactory(village=world.village_a)
    secretary = f.TownshipSecretaryFactory(username="lingyun", township=world.township_a)
    return {
        "person": person,
        "post": person.posts.first(),
        "risk": risk,
        "reserve": reserve,
        "class": training_class,
        "election": election,
        "secretary": secretary,
    }


def bazhong_pages(world, objects) -> list[str]:
    return [
        reverse("villages:county", args=[world.county.code]),
        reverse("villages:township", args=[world.township_a.code]),
        reverse("villages:village", args=[world.village_a.code]),
        reverse("villages:person", args=[objects["person"].pk]),
        reverse("villages:risk_row", args=[objects["risk"].pk]),
        reverse("reserves:reserve", args=[objects["reserve"].pk]),
        reverse("reserves:class", args=[objects["class"].pk]),
        reverse("reserves:pool", args=["county", world.county.code]),
        reverse("reserves:pool", args=["city", world.county.city.code]),
        reverse("reserves:pool_reserves", args=["city", world.county.city.code]),
        reverse("reserves:bench", args=["county", world.county.code]),
        reverse("dashboards:dashboard_city", args=[world.county.city.code]),
        reverse("dashboards:dashboard_county", args=[world.county.code]),
        reverse("dashboards:dashboard_township", args=[world.township_a.code]),
        reverse("dashboards:structure", args=["county", world.county.code]),
        reverse("dashboards:structure", args=["city", world.county.city.code]),
        reverse("villages:user", args=[objects["secretary"].pk]),
        reverse("villages:rules") + f"?county={world.county.code}",
    ]


def bazhong_api(world, objects) -> list[str]:
    return [
        f"{API}/cities/{world.county.city.code}/",
        f"{API}/counties/{world.county.code}/",
        f"{API}/townships/{world.township_a.code}/",
        f"{API}/villages/{world.village_a.code}/",
        f"{API}/people/{objects['person'].pk}/",
        f"{API}/posts/{objects['post'].pk}/",
        f"{API}/risks/{objects['risk'].pk}/",
        f"{API}/reserves/{objects['reserve'].pk}/",
        f"{API}/classes/{objects['class'].pk}/",
        f"{API}/elections/{objects['election'].pk}/",
    ]


def test_the_admin_of_another_city_gets_404_on_every_page(world, bazhong, client_outsider, client_city):
    for url in bazhong_pages(world, bazhong):
        assert client_outsider.get(url).status_code == 404, url
        assert client_city.get(url).status_code == 200, url  # the city's own admin sees each of them


def test_the_admin_of_another_city_gets_404_in_the_api(world, bazhong, client_outsider, client_city):
    for url in bazhong_api(world, bazhong):
        assert client_outsider.get(url).status_code == 404, url
        assert client_city.get(url).status_code == 200, url


def test_the_admin_of_another_city_cannot_write_there(world, bazhong, client_outsider):
    risk = bazhong["risk"]
    patch = client_outsider.patch(
        f"{API}/risks/{risk.pk}/",
        {"review_status": "in_progress", "version": risk.version},
        content_type="application/json",
    )
    assert patch.status_code == 404
    village = client_outsider.patch(
        f"{API}/villages/{world.village_a.code}/", {"party_member_count": 1}, content_type="application/json"
    )
    assert village.status_code == 404
    assert (
        client_outsider.post(
            reverse("villages:user_active", args=[bazhong["secretary"].pk]), {"active": "0"}
        ).status_code
        == 404
    )
    bazhong["secretary"].refresh_from_db()
    assert bazhong["secretary"].is_active


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_lists_hold_only_the_users_city(world, other_city, bazhong, client_outsider, client_city, client_province):
    assert codes(client_outsider.get(f"{API}/counties/")) == ["510104"]
    assert codes(client_outsider.get(f"{API}/villages/")) == [other_city.village.code]
    assert client_outsider.get(f"{API}/people/").json()["count"] == 0
    assert client_outsider.get(f"{API}/risks/").json()["count"] == 0
    assert codes(client_city.get(f"{API}/cities/")) == ["5119"]
    assert codes(client_city.get(f"{API}/counties/")) == ["511902", "511921"]
    assert other_city.village.code not in codes(client_city.get(f"{API}/villages/"))
    # The province admin sees both cities, and may narrow by one (?city=).
    assert codes(client_province.get(f"{API}/cities/")) == ["5101", "5119"]
    assert codes(client_province.get(f"{API}/counties/")) == ["510104", "511902", "511921"]
    assert codes(client_province.get(f"{API}/counties/?city=5101")) == ["510104"]
    assert codes(client_province.get(f"{API}/villages/?city=5101")) == [other_city.village.code]
    assert client_province.get(f"{API}/risks/?city=5101").json()["count"] == 0
    assert client_province.get(f"{API}/risks/?city=5119").json()["count"] == 1
    county = client_province.get(f"{API}/counties/510104/").json()
    assert county["city"] == "5101"
    # A city filter outside the scope gives an empty list, never another city's rows.
    assert codes(client_city.get(f"{API}/villages/?city=5101")) == []


def test_list_pages_offer_only_the_users_counties(world, other_city, client_city, client_province):
    page = client_city.get(reverse("villages:risks")).content.decode()
    assert "巴州区" in page and "锦江区" not in page
    assert 'name="city"' not in page  # one city: nothing to choose
    page = client_province.get(reverse("villages:risks")).content.decode()
    assert "锦江区" in page and 'name="city"' in page and "成都市" in page
    people = client_city.get(reverse("villages:people")).content.decode()
    assert "锦江区" not in people


def test_the_province_admin_filters_people_by_city(world, other_city, client_province):
    make_roster(world.village_a)
    make_roster(other_city.village)
    everyone = client_province.get(reverse("villages:people")).context["page"].paginator.count
    chengdu = client_province.get(reverse("villages:people") + "?city=5101").context["page"].paginator.count
    assert 0 < chengdu < everyone


def test_dashboards_drill_province_city_county_township(world, other_city, client_province, client_city):
    province = client_province.get(reverse("dashboards:dashboard")).content.decode()
    assert "全省概览" in province and "各市州" in province
    assert reverse("dashboards:dashboard_city", args=["5119"]) in province
    assert reverse("dashboards:dashboard_city", args=["5101"]) in province
    city = client_province.get(reverse("dashboards:dashboard_city", args=["5119"])).content.decode()
    assert "巴中市概览" in city and "锦江区" not in city
    assert reverse("dashboards:dashboard_county", args=["511902"]) in city
    county = client_province.get(reverse("dashboards:dashboard_county", args=["511902"])).content.decode()
    assert ">全省</a>" in county and ">巴中市</a>" in county
    own = client_city.get(reverse("dashboards:dashboard")).content.decode()
    assert "巴中市概览" in own and "全省" not in own and "锦江区" not in own


@pytest.mark.parametrize("persona", ["client_city", "client_outsider"])
def test_a_city_admin_cannot_open_the_province_or_another_city(world, other_city, persona, request):
    client: Client = request.getfixturevalue(persona)
    own = "5119" if persona == "client_city" else "5101"
    other = "5101" if own == "5119" else "5119"
    assert client.get(reverse("dashboards:dashboard_city", args=[own])).status_code == 200
    assert client.get(reverse("dashboards:dashboard_city", args=[other])).status_code == 404
    assert client.get(reverse("dashboards:pool_card_city", args=[other])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_cached_dashboards_are_kept_per_city(world, other_city, city_admin, outsider_admin):
    """The dashboard's HTML is cached per scope: the two city admins, the same role, never get each other's."""
    from django.core.cache import cache

    cache.clear()
    make_roster(world.village_a, members=3)
    bazhong, chengdu = Client(), Client()
    bazhong.force_login(city_admin)
    chengdu.force_login(outsider_admin)
    for _ in range(2):  # the second round reads the cache
        first = bazhong.get(reverse("dashboards:dashboard")).content.decode()
        second = chengdu.get(reverse("dashboards:dashboard")).content.decode()
        assert "巴中市概览" in first and "巴州区" in first and "锦江区" not in first
        assert "成都市概览" in second and "锦江区" in second and "巴州区" not in second


def test_rule_defaults_are_the_province_admins(world, other_city, client_city, client_province):
    """Values without a county hold for every city: a city admin reads them, only the province admin changes them;
    a city admin changes those of their own counties."""
    data = {"key": "young_age", "value": "36", "effective_on": "2030-01-01", "document_number": "川组〔2030〕1号"}
    data["note"] = ""
    assert client_city.post(reverse("villages:rules"), data).status_code == 403
    response = client_city.post(reverse("villages:rules") + "?county=511902", data)
    assert response.status_code in {302, 422}, response.status_code
    assert client_province.post(reverse("villages:rules"), data).status_code in {302, 422}
    # The negative list and department list of 资格联审 follow the same rule.
    review_rules = reverse("reserves:review_rules")
    assert client_city.post(review_rules, {"form": "departments"}).status_code == 403
    assert client_city.post(review_rules + "?county=511902", {"form": "departments"}).status_code in {200, 422}
    assert client_province.post(review_rules, {"form": "departments"}).status_code in {200, 422}
    assert client_city.get(review_rules + "?county=510104").status_code == 404


# ---- accounts ----


def test_a_city_admin_manages_the_accounts_of_their_city_only(
    world, other_city, client_city, city_admin, outsider_admin, province_admin
):
    chengdu_staff = f.CountyStaffFactory(username="jinjiang", county=other_city.county)
    bazhong_staff = f.CountyStaffFactory(username="bazhou", county=world.county)
    page = client_city.get(reverse("villages:users")).content.decode()
    assert "巴中市账号" in page
    assert "bazhou" in page and "jinjiang" not in page and "chengdu_admin" not in page
    assert "province_admin" not in page
    for account in (chengdu_staff, outsider_admin, province_admin):
        assert client_city.get(reverse("villages:user", args=[account.pk])).status_code == 404
    assert client_city.get(reverse("villages:user", args=[bazhong_staff.pk])).status_code == 200


def create(client: Client, **fields) -> int:
    data = {"username": "new_user", "display_name": "新用户", "password_mode": "generate", **fields}
    return client.post(reverse("villages:user_new"), data).status_code


def test_a_city_admin_grants_only_inside_their_city(world, other_city, client_city):
    bazhong = City.objects.get(code="5119")
    assert create(client_city, role=Role.PROVINCE_ADMIN) == 422
    assert create(client_city, role=Role.CITY_ADMIN, city=other_city.city.pk) == 422
    assert create(client_city, role=Role.COUNTY_STAFF, county=other_city.county.pk) == 422
    assert create(client_city, role=Role.TOWNSHIP_SECRETARY, township=other_city.township.pk) == 422
    assert not User.objects.filter(username="new_user").exists()
    assert create(client_city, role=Role.CITY_ADMIN, city=bazhong.pk) == 200
    assert User.objects.get(username="new_user").city == bazhong


def test_the_province_admin_grants_everywhere(world, other_city, client_province):
    assert create(client_province, role=Role.CITY_ADMIN, city=other_city.city.pk) == 200
    user = User.objects.get(username="new_user")
    assert (user.role, user.city) == (Role.CITY_ADMIN, other_city.city)
    event = user.account_events.get()
    assert event.city == other_city.city and "成都市" in event.after
    page = client_province.get(reverse("villages:users")).content.decode()
    assert "全省账号" in page and "new_user" in page


def test_account_records_are_seen_by_their_city(world, other_city, client_city, client_outsider, client_province):
    assert create(client_province, role=Role.COUNTY_STAFF, county=other_city.county.pk) == 200
    audit = reverse("villages:audit")
    assert "new_user" in client_outsider.get(audit).content.decode()
    assert "new_user" not in client_city.get(audit).content.decode()
    assert "new_user" in client_province.get(audit).content.decode()


# ---- the risk queue's owners ----


def test_risk_owners_come_from_the_villages_city(world, other_city, city_admin, outsider_admin):
    from villages.risk.queue import owner_candidates

    candidates = owner_candidates(township_ids=[world.township_a.pk, other_city.township.pk])
    assert city_admin in candidates[world.township_a.pk] and outsider_admin not in candidates[world.township_a.pk]
    assert outsider_admin in candidates[other_city.township.pk] and city_admin not in candidates[other_city.township.pk]


def test_units_for_user_per_role(world, other_city, city_admin, outsider_admin, province_admin, county_staff):
    assert set(County.objects.for_user(city_admin).values_list("code", flat=True)) == {"511902", "511921"}
    assert set(Township.objects.for_user(outsider_admin).values_list("code", flat=True)) == {"510104001"}
    assert Village.objects.for_user(province_admin).count() == 4
    assert list(City.objects.for_user(county_staff).values_list("code", flat=True)) == ["5119"]
    assert city_admin.oversees_county(world.county) and not outsider_admin.oversees_county(world.county.pk)
    assert province_admin.oversees_county(other_city.county) and not county_staff.oversees_county(world.other_county)
    assert not city_admin.is_province_admin and not province_admin.is_city_admin and province_admin.is_admin


# ---- exports and reports ----


def test_exports_and_reports_stay_inside_the_city(world, bazhong, client_outsider, client_city):
    from openpyxl import load_workbook

    def rows(client: Client, name: str) -> int:
        response = client.get(reverse(name))
        assert response.status_code == 200
        return load_workbook(io.BytesIO(response.getvalue())).active.max_row

    for name in ("villages:people_export", "villages:risks_export", "reserves:reserve_export"):
        assert rows(client_city, name) > rows(client_outsider, name), name
    assert client_outsider.get(reverse("villages:roster_export", args=[world.township_a.code])).status_code == 404
    body = {"kind": "county", "scope": world.county.code}
    refused = client_outsider.post(f"{API}/reports/", body, content_type="application/json")
    assert refused.status_code == 404, refused.content


def test_the_province_dashboards_city_rows_drill_into_that_citys_lists(world, other_city, province_admin):
    from django.utils import timezone

    from dashboards.figures import build_dashboard, dashboard_scope
    from dashboards.templatetags.dashboard_tags import drill_href
    from tests.test_dashboards import result_count

    make_roster(world.village_a, members=3)
    make_roster(other_city.village, members=1)
    client = Client()
    client.force_login(province_admin)
    board = build_dashboard(scope=dashboard_scope(user=province_admin), as_of=timezone.localdate())
    rows = {row.code: row for row in board.children}
    assert set(rows) == {"5101", "5119"} and rows["5119"].level == "city"
    assert board.committee.members == rows["5101"].stats.members + rows["5119"].stats.members
    for code, row in rows.items():
        assert result_count(client, drill_href(row.drills["members"])) == row.stats.members, code
        assert result_count(client, drill_href(row.drills["open_risks"])) == row.open_risks, code


def test_the_django_admin_is_the_province_admins(world, city_admin, province_admin):
    """Users, cities, counties and rule defaults span every city: a city admin works through the scoped pages."""
    for user, status in ((city_admin, 403), (province_admin, 200)):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client = Client()
        client.force_login(user)
        for url in ("/admin/villages/user/", "/admin/villages/county/", "/admin/villages/city/"):
            assert client.get(url).status_code == status, (user.username, url)


def test_the_counties_page_lists_the_users_counties(world, other_city, client_city, client_province):
    mine = client_city.get(reverse("villages:counties")).content.decode()
    assert "巴州区" in mine and "锦江区" not in mine and "巴中市" in mine
    every = client_province.get(reverse("villages:counties")).content.decode()
    assert "锦江区" in every and "成都市" in every and "全省" in every


def test_a_province_admin_is_listed_the_townships_of_the_chosen_county_or_city(world, other_city, client_province):
    """Thousands of townships in a province: the choice lists the chosen county's or city's (any still validates)."""
    url = reverse("villages:risks")
    plain = client_province.get(url).content.decode()
    assert "凌云乡" not in plain and "督院街街道" not in plain and "先选择市州或区县" in plain
    chengdu = client_province.get(url, {"city": "5101"}).content.decode()
    assert "督院街街道" in chengdu and "凌云乡" not in chengdu
    bazhou = client_province.get(reverse("reserves:reserve_list"), {"county": "511902"}).content.decode()
    assert "凌云乡" in bazhou and "火炬镇" not in bazhou
    chosen = client_province.get(url, {"township": world.township_a.code})
    assert chosen.status_code == 200 and "凌云乡" in chosen.content.decode()  # a bookmarked township still works


def test_the_province_admins_user_filter_lists_the_chosen_citys_townships(world, other_city, client_province):
    users = reverse("villages:users")
    plain = client_province.get(users).content.decode()
    assert "凌云乡" not in plain and "先选择市州" in plain
    chengdu = client_province.get(users, {"city": other_city.city.pk}).content.decode()
    assert "督院街街道" in chengdu and "凌云乡" not in chengdu
    chosen = client_province.get(users, {"township": world.township_a.pk})
    assert chosen.status_code == 200 and "凌云乡" in chosen.content.decode()
