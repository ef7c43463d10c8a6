"""Roster confirmation: who may confirm, overdue computation (per-county period), the county overview."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from villages.models import RosterConfirmation, RuleValue, Village
from villages.roster.confirmation import confirm_roster, township_summaries, village_confirmations

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def confirmed_days_ago(village: Village, user, days: int) -> RosterConfirmation:
    confirmation = confirm_roster(village=village, by=user)
    RosterConfirmation.objects.filter(pk=confirmation.pk).update(confirmed_at=timezone.now() - dt.timedelta(days=days))
    return confirmation


def states(**filters) -> dict[str, object]:
    rows = village_confirmations(villages=Village.objects.filter(**filters), on=TODAY)
    return {row.village.code: row for row in rows}


def test_secretary_confirms_own_village_unchanged(client_a, secretary_a, world):
    url = reverse("villages:confirm_roster", args=[world.village_a.code])
    response = client_a.post(url, {"unchanged": "1"})
    assert response.status_code == 302
    confirmation = RosterConfirmation.objects.get()
    assert (confirmation.village, confirmation.confirmed_by, confirmation.unchanged) == (
        world.village_a,
        secretary_a,
        True,
    )


def test_confirmation_after_changes_needs_a_note(client_a, world):
    url = reverse("villages:confirm_roster", args=[world.village_a.code])
    response = client_a.post(url, {"unchanged": "0", "note": ""})
    assert response.status_code == 200
    assert "有变化时请简要说明变化内容" in response.content.decode()
    assert not RosterConfirmation.objects.exists()
    client_a.post(url, {"unchanged": "0", "note": "3社社长更换"})
    assert RosterConfirmation.objects.get().note == "3社社长更换"


def test_htmx_confirmation_returns_the_refreshed_row(client_a, world):
    url = reverse("villages:confirm_roster", args=[world.village_a.code])
    response = client_a.post(url, {"unchanged": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="confirmation-{world.village_a.code}"')
    assert "按期" in html and "<html" not in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [("client_a", 200), ("client_b", 404), ("client_county", 403), ("client_city", 403)],
)
def test_only_the_townships_secretary_may_confirm(persona, status, request, world):
    client = request.getfixturevalue(persona)
    url = reverse("villages:confirm_roster", args=[world.village_a.code])
    assert client.get(url).status_code == status
    post_status = client.post(url, {"unchanged": "1"}).status_code
    assert post_status == (302 if status == 200 else status)
    assert RosterConfirmation.objects.exists() == (status == 200)


def test_overdue_after_the_default_period_and_when_never_confirmed(secretary_a, world, settings):
    settings.ROSTER_CONFIRMATION_PERIOD_DAYS = 90
    recent = f.VillageFactory(township=world.township_a)
    confirmed_days_ago(recent, secretary_a, 89)
    old = f.VillageFactory(township=world.township_a)
    confirmed_days_ago(old, secretary_a, 91)
    result = states(township=world.township_a)
    assert result[recent.code].overdue is False
    assert result[recent.code].due_on == TODAY + dt.timedelta(days=1)
    assert result[old.code].overdue is True
    assert result[world.village_a.code].overdue is True  # never confirmed
    assert result[world.village_a.code].due_on is None


def test_period_is_configurable_per_county(secretary_a, world):
    confirmed_days_ago(world.village_a, secretary_a, 40)
    assert states(pk=world.village_a.pk)[world.village_a.code].overdue is False
    RuleValue.objects.create(
        county=world.county, key="roster_confirmation_days", value=Decimal(30), effective_on=dt.date(2025, 1, 1)
    )
    state = states(pk=world.village_a.pk)[world.village_a.code]
    assert (state.period_days, state.overdue) == (30, True)
    other = f.TownshipSecretaryFactory(township=world.village_other_county.township)
    confirmed_days_ago(world.village_other_county, other, 40)
    assert states(pk=world.village_other_county.pk)[world.village_other_county.code].overdue is False


def test_township_summary_counts_overdue_and_never_confirmed(secretary_a, world):
    extra = f.VillageFactory(township=world.township_a)
    confirmed_days_ago(extra, secretary_a, 5)
    summaries = township_summaries(confirmations=village_confirmations(villages=Village.objects.all(), on=TODAY))
    by_code = {s.township.code: s for s in summaries}
    a = by_code[world.township_a.code]
    assert (a.villages, a.overdue, a.never_confirmed, a.up_to_date) == (2, 1, 1, 1)


def test_county_overview_is_scoped_and_filters_overdue(client_county, secretary_a, world):
    confirmed_days_ago(world.village_a, secretary_a, 5)
    html = client_county.get(reverse("villages:confirmations")).content.decode()
    assert world.village_a.name in html and world.village_b.name in html
    assert world.village_other_county.name not in html
    html = client_county.get(reverse("villages:confirmations"), {"overdue": "on"}).content.decode()
    assert f'id="confirmation-{world.village_a.code}"' not in html
    assert f'id="confirmation-{world.village_b.code}"' in html


def test_secretary_sees_confirm_buttons_only_for_own_villages(client_a, client_county, world):
    button = "无变化确认</button>"
    assert button in client_a.get(reverse("villages:confirmations")).content.decode()
    assert button not in client_county.get(reverse("villages:confirmations")).content.decode()


def test_overview_query_count_is_constant(client_county, secretary_a, world):
    url = reverse("villages:confirmations")
    with CaptureQueriesContext(connection) as small:
        client_county.get(url)
    for _ in range(5):
        village = f.VillageFactory(township=world.township_a)
        confirmed_days_ago(village, secretary_a, 10)
    with CaptureQueriesContext(connection) as large:
        client_county.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
