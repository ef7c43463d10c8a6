"""User management in the product: the city admin manages every account, county staff the township secretaries of
their county; township secretaries get 403, accounts out of reach 404; every change is audited."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests import factories as f
from villages.choices import AccountAction, Role
from villages.models import AccountEvent, User

GOOD = "Qingfeng-mountain-2026"


def create(client: Client, **data):
    payload = {
        "username": "lingyun2",
        "display_name": "王书记",
        "role": Role.TOWNSHIP_SECRETARY,
        "county": "",
        "township": "",
        "password_mode": "generate",
        "password1": "",
        "password2": "",
    }
    return client.post(reverse("villages:user_new"), {**payload, **data})


def can_log_in(username: str, password: str) -> bool:
    """Through the real login form (axes and the password check included)."""
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def test_city_admin_creates_a_township_account_that_can_log_in(world, city_admin, client_city):
    response = create(client_city, township=world.township_a.pk)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    password = response.context["password"]
    html = response.content.decode()
    assert password in html and "只显示这一次" in html and "已创建账号" in html
    user = User.objects.get(username="lingyun2")
    assert (user.role, user.township, user.county, user.is_staff) == (
        "township_secretary",
        world.township_a,
        None,
        False,
    )
    assert can_log_in("lingyun2", password)
    event = AccountEvent.objects.get(user=user)
    assert (event.actor, event.action, event.township) == (city_admin, AccountAction.CREATED, world.township_a)
    assert "乡镇党委书记 · 巴州区凌云乡" in event.after


def test_creating_checks_scope_password_and_username(world, secretary_a, client_city):
    assert create(client_city).status_code == 422  # a township secretary without a township
    city_with_county = create(client_city, role=Role.CITY_ADMIN, county=world.county.pk)
    assert city_with_county.status_code == 422 and "不选区县和乡镇" in city_with_county.content.decode()
    weak = create(
        client_city, township=world.township_a.pk, password_mode="set", password1="12345678", password2="12345678"
    )
    assert weak.status_code == 422 and "密码" in weak.content.decode()
    mismatch = create(client_city, township=world.township_a.pk, password_mode="set", password1=GOOD, password2="x")
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.content.decode()
    taken = create(client_city, username="SEC_A", township=world.township_a.pk)
    assert taken.status_code == 422 and "已被使用" in taken.content.decode()
    assert not User.objects.filter(username="lingyun2").exists()
    ok = create(client_city, township=world.township_a.pk, password_mode="set", password1=GOOD, password2=GOOD)
    assert ok.status_code == 302 and can_log_in("lingyun2", GOOD)
    follow = client_city.get(ok["Location"]).content.decode()
    assert "已创建账号" in follow


def test_county_staff_creates_only_township_secretaries_of_their_county(world, client_county):
    other_township = f.TownshipFactory(county=world.other_county)
    outside = create(client_county, township=other_township.pk)
    assert outside.status_code == 422
    as_county = create(client_county, role=Role.COUNTY_STAFF, county=world.county.pk)
    assert as_county.status_code == 422 and not User.objects.filter(username="lingyun2").exists()
    assert create(client_county, township=world.township_a.pk).status_code == 200
    form = client_county.get(reverse("villages:user_new")).content.decode()
    assert "火炬镇" not in form and "凌云乡" in form and 'name="county"' not in form


def test_county_staff_sees_and_manages_only_their_townships_accounts(
    world, secretary_a, county_staff, client_county, city_admin
):
    other = f.TownshipSecretaryFactory(username="sec_other", township=world.village_other_county.township)
    colleague = f.CountyStaffFactory(username="colleague", county=world.county)
    listed = [u.username for u in client_county.get(reverse("villages:users")).context["page"]]
    assert listed == ["sec_a"]
    for target in (other, colleague, city_admin):
        assert client_county.get(reverse("villages:user", args=[target.pk])).status_code == 404
        assert client_county.post(reverse("villages:user_active", args=[target.pk]), {"active": "0"}).status_code == 404
        target.refresh_from_db()
        assert target.is_active
    assert client_county.get(reverse("villages:user", args=[secretary_a.pk])).status_code == 200


def test_township_secretaries_cannot_reach_user_management(world, secretary_a, secretary_b, client_a):
    for url in (reverse("villages:users"), reverse("villages:user_new")):
        assert client_a.get(url).status_code == 403
    for target in (secretary_a, secretary_b):  # no account is within their reach
        assert client_a.get(reverse("villages:user", args=[target.pk])).status_code == 404
        assert client_a.post(reverse("villages:user_password", args=[target.pk])).status_code == 404
    assert "用户管理" not in client_a.get(reverse("villages:people")).content.decode()


def test_deactivate_ends_sessions_and_tokens_then_reactivate(world, secretary_a, client_a, client_county):
    token = Token.objects.create(user=secretary_a)
    url = reverse("villages:user_active", args=[secretary_a.pk])
    response = client_county.post(url, {"active": "0"})
    assert response.status_code == 302
    assert "已停用账号" in client_county.get(response["Location"]).content.decode()
    secretary_a.refresh_from_db()
    assert not secretary_a.is_active and not Token.objects.filter(pk=token.pk).exists()
    assert client_a.get(reverse("villages:people")).status_code == 302  # the open session is gone: to the login
    assert not can_log_in("sec_a", "test-pass-2026!")
    client_county.post(url, {"active": "1"})
    assert can_log_in("sec_a", "test-pass-2026!")
    actions = list(AccountEvent.objects.filter(user=secretary_a).values_list("action", flat=True))
    assert actions == [AccountAction.REACTIVATED, AccountAction.DEACTIVATED]


def test_nobody_deactivates_themselves(world, city_admin, client_city):
    response = client_city.post(reverse("villages:user_active", args=[city_admin.pk]), {"active": "0"})
    assert response.status_code == 422 and "不能停用" in response.content.decode()
    city_admin.refresh_from_db()
    assert city_admin.is_active


def test_reset_password_generated_or_set(world, secretary_a, client_a, client_county):
    url = reverse("villages:user_password", args=[secretary_a.pk])
    generated = client_county.post(url, {"password_mode": "generate"})
    password = generated.context["password"]
    assert generated.status_code == 200 and password in generated.content.decode()
    assert can_log_in("sec_a", password) and not can_log_in("sec_a", "test-pass-2026!")
    assert client_a.get(reverse("villages:people")).status_code == 302  # old session ended
    weak = client_county.post(url, {"password_mode": "set", "password1": "sec_a12345", "password2": "sec_a12345"})
    assert weak.status_code == 422
    ok = client_county.post(url, {"password_mode": "set", "password1": GOOD, "password2": GOOD})
    assert ok.status_code == 302 and can_log_in("sec_a", GOOD)
    assert AccountEvent.objects.filter(user=secretary_a, action=AccountAction.PASSWORD_RESET).count() == 2


def scope(client, user, **data):
    current = {"county": user.county_id or "", "township": user.township_id or ""}
    payload = {"display_name": user.display_name, "role": user.role, **current, **data}
    return client.post(reverse("villages:user_scope", args=[user.pk]), payload)


def test_change_scope_within_what_the_actor_may_grant(world, secretary_a, client_county, client_city, city_admin):
    moved = scope(client_county, secretary_a, township=world.township_b.pk, display_name="李书记")
    assert moved.status_code == 302
    secretary_a.refresh_from_db()
    assert (secretary_a.township, secretary_a.display_name) == (world.township_b, "李书记")
    out = scope(client_county, secretary_a, township=f.TownshipFactory(county=world.other_county).pk)
    assert out.status_code == 422
    promoted = scope(client_city, secretary_a, role=Role.COUNTY_STAFF, county=world.county.pk, township="")
    assert promoted.status_code == 302
    secretary_a.refresh_from_db()
    assert (secretary_a.role, secretary_a.county, secretary_a.township) == ("county_staff", world.county, None)
    assert client_county.get(reverse("villages:user", args=[secretary_a.pk])).status_code == 404  # now a colleague
    own = scope(client_city, city_admin, role=Role.COUNTY_STAFF, county=world.county.pk)
    assert own.status_code == 422 and "不能修改自己的角色" in own.content.decode()
    events = AccountEvent.objects.filter(user=secretary_a).order_by("pk")
    assert [e.action for e in events] == ["scope_changed", "renamed", "scope_changed"]
    assert events[0].before == "乡镇党委书记 · 巴州区凌云乡" and events[0].after == "乡镇党委书记 · 巴州区大和乡"


def audit_subjects(client, query: str = "") -> list[str]:
    return [e.subject for e in client.get(reverse("villages:audit") + query).context["entries"]]


def test_account_changes_are_on_the_audit_page_in_scope(world, secretary_a, secretary_b, client_county, client_b):
    scope(client_county, secretary_a, display_name="李书记")
    page = client_county.get(reverse("villages:audit") + "?kind=account").content.decode()
    assert "账号 李书记（sec_a）" in page and "修改姓名" in page and "county_staff" in page
    assert "账号 李书记（sec_a）" not in audit_subjects(client_b)
    outsider = f.CountyStaffFactory(username="tongjiang", county=world.other_county)
    other_client = Client()
    other_client.force_login(outsider)
    assert "账号 李书记（sec_a）" not in audit_subjects(other_client)
    assert "账号 李书记（sec_a）" not in audit_subjects(client_county, f"?township={world.township_b.code}")
    assert "账号 李书记（sec_a）" in audit_subjects(client_county, f"?township={world.township_a.code}")


def test_create_user_command_is_audited(world):
    from django.core.management import call_command

    call_command("create_user", "cli_user", "--role", "county_staff", "--county", "511902", "--password", GOOD)
    event = AccountEvent.objects.get(user__username="cli_user")
    assert event.actor is None and event.action == "created" and event.county == world.county


def test_user_list_query_count_is_constant(world, client_city, client_county, django_assert_num_queries):
    for i in range(3):
        f.TownshipSecretaryFactory(township=world.township_a, username=f"s{i}")
    with CaptureQueriesContext(connection) as few:
        client_city.get(reverse("villages:users"))
    for i in range(6):
        f.TownshipSecretaryFactory(township=world.township_b, username=f"t{i}")
        f.CountyStaffFactory(county=world.other_county, username=f"c{i}")
    with django_assert_num_queries(len(few.captured_queries)):
        client_city.get(reverse("villages:users"))
    # session, user, count, page (with county and township), the filter's township choices, the heading's county
    with django_assert_num_queries(6):
        client_county.get(reverse("villages:users"))
