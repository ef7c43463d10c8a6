"""`manage.py seed_demo`: counts, the survey's cases, idempotency, valid ID numbers, demo accounts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from reserves.choices import MidTermStage
from reserves.models import Election, Filing, MidTermChange, PostElectionTask
from tasks.management.demo import villages as demo
from tasks.management.demo.after_election import ELECTED_TOWNSHIP, TERM
from villages import idcard
from villages.choices import ACTING_HOWS, COMMITTEE_POSTS, Education, Gender, Health, Post
from villages.models import Assessment, County, Group, Person, PostAssignment, Risk, Township, User, Village

MODELS = (County, Township, Village, Group, Person, PostAssignment, Assessment, User)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def small(db) -> None:
    call_command("seed_demo", "--scale", "small", "--seed", "7")


def current(village_code: str, post: str):
    return PostAssignment.objects.current().filter(village__code=village_code, post=post).select_related("person")


def test_small_scale_creates_one_county_of_four_townships_and_forty_villages(small):
    assert County.objects.get().code == "511902"
    assert Township.objects.filter(county__code="511902").count() == 4
    assert Village.objects.count() == 40
    assert all(len(v.code) == 12 and v.code.startswith(v.township.code) for v in Village.objects.with_units())
    per_village = Village.objects.annotate(
        groups_n=Count("groups", distinct=True),
        leaders=Count("posts", filter=Q(posts__post=Post.GROUP_LEADER, posts__end_on__isnull=True), distinct=True),
        secretaries=Count(
            "posts", filter=Q(posts__post=Post.PARTY_SECRETARY, posts__end_on__isnull=True), distinct=True
        ),
        directors=Count("posts", filter=Q(posts__post=Post.DIRECTOR, posts__end_on__isnull=True), distinct=True),
        clerks=Count("posts", filter=Q(posts__post=Post.CLERK, posts__end_on__isnull=True), distinct=True),
    )
    for village in per_village:
        assert 3 <= village.groups_n <= 9
        assert village.leaders == village.groups_n, village.name
        assert (village.secretaries, village.directors, village.clerks) == (1, 1, 1), village.name
    assert Person.objects.count() > 300
    assert Assessment.objects.filter(year=2025).exists()


def test_committee_members_are_realistic(small):
    members = Person.objects.filter(posts__post__in=COMMITTEE_POSTS, posts__end_on__isnull=True).distinct()
    women = members.filter(gender=Gender.FEMALE).count() / members.count()
    assert 0.12 <= women <= 0.3
    today = timezone.localdate()
    ages = [p.age_on(today) for p in members]
    assert sum(45 <= a <= 65 for a in ages) / len(ages) > 0.5
    assert any(a < 40 for a in ages)
    low = members.filter(education__in=[Education.JUNIOR_HIGH, Education.HIGH_SCHOOL]).count()
    assert low / members.count() > 0.4
    secretaries = Person.objects.filter(posts__post=Post.PARTY_SECRETARY)
    assert all(p.political_status in {"cpc_member", "cpc_probationary"} for p in secretaries)
    assert any(any(ord(ch) > 0xFFFF for ch in p.name) for p in Person.objects.all())  # CJK Extension B


def test_every_id_number_parses_and_agrees_with_gender_and_birth_date(small):
    prefixes = set()
    for person in Person.objects.all():
        parsed = idcard.parse(person.id_number)
        assert (parsed.gender, parsed.birth_date) == (person.gender, person.birth_date), person.name
        prefixes.add(person.id_number[:4])
    assert prefixes == {"5119", "5137", "5130"}
    decades = set(Person.objects.dates("birth_date", "year").values_list("birth_date__year", flat=True))
    assert {d // 10 * 10 for d in decades} >= {1950, 1960, 1970, 1980, 1990}


def test_second_run_changes_nothing(small):
    before = counts()
    call_command("seed_demo", "--scale", "small", "--seed", "7")
    assert counts() == before


def test_group_leaders_case_three_over_seventy_one_disabled_one_able(small):
    (code,) = demo.SURVEY_CASES["group_leaders_unable"]
    leaders = [a.person for a in current(code, Post.GROUP_LEADER)]
    today = timezone.localdate()
    assert len(leaders) == 5
    assert sum(p.age_on(today) > 70 for p in leaders) == 3
    disabled = [p for p in leaders if p.health == Health.DISABLED]
    assert len(disabled) == 1 and not disabled[0].able_to_serve
    able = [p for p in leaders if p.age_on(today) < 70 and p.able_to_serve]
    assert len(able) == 1


def test_acting_secretaries_in_three_villages_of_one_township(small):
    codes = demo.SURVEY_CASES["acting_secretary"]
    assert len({c[:9] for c in codes}) == 1
    today = timezone.localdate()
    held_for = []
    for code in codes:
        (secretary,) = current(code, Post.PARTY_SECRETARY)
        assert secretary.how in ACTING_HOWS
        held_for.append((today - secretary.start_on).days)
    assert max(held_for) > 92 and min(held_for) < 90


def test_no_new_party_member_for_twelve_years(small):
    (code,) = demo.SURVEY_CASES["no_new_party_member"]
    last = Village.objects.get(code=code).last_party_admission_on
    assert dt.date(last.year + 12, last.month, last.day) <= timezone.localdate()
    others = Village.objects.exclude(code=code)
    assert not others.filter(last_party_admission_on__lt=timezone.localdate() - dt.timedelta(days=10 * 365)).exists()


def test_two_villages_of_one_town_have_no_qualified_secretary_candidate(small):
    codes = demo.SURVEY_CASES["no_qualified_secretary"]
    assert len({c[:9] for c in codes}) == 1
    today = timezone.localdate()
    for code in codes:
        (secretary,) = current(code, Post.PARTY_SECRETARY)
        assert secretary.person.age_on(today) >= 60
        assert secretary.person.education == Education.JUNIOR_HIGH
        committee = Person.objects.filter(posts__village__code=code, posts__post__in=COMMITTEE_POSTS)
        qualified = [p for p in committee if p.age_on(today) <= 45 and p.highest_education != Education.JUNIOR_HIGH]
        assert qualified == []


@pytest.mark.parametrize(
    ("username", "role"),
    [("city", "city_admin"), ("county", "county_staff"), ("township", "township_secretary")],
)
def test_demo_accounts_log_in(small, client, username, role):
    user = User.objects.get(username=username)
    assert user.role == role
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": demo.DEMO_PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["token"]
    assert User.objects.get(username="township").township.code == "511902100"
    assert User.objects.get(username="county").county.code == "511902"


def test_after_seed_hooks_are_called_with_scale_and_seed(db, monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(demo, "AFTER_SEED_HOOKS", ["tests.test_seed_demo.record_hook"])
    monkeypatch.setattr("tests.test_seed_demo.HOOK_CALLS", calls)
    call_command("seed_demo", "--scale", "small", "--seed", "3")
    assert calls == [{"scale": "small", "seed": 3}]


HOOK_CALLS: list[dict] = []


def record_hook(**kwargs) -> None:
    HOOK_CALLS.append(kwargs)


def test_after_election_demo_has_filings_steps_a_mid_term_change_and_a_compliance_flag(small):
    """tasks/management/demo/after_election.py: 大和乡 held its 2026 election; the rest shows what follows."""
    today = timezone.localdate()
    assert Election.objects.filter(term=TERM, village__township__code=ELECTED_TOWNSHIP).count() == 10
    statuses = {f.status(today) for f in Filing.objects.filter(occasion="election")}
    assert statuses == {"due", "overdue", "filed"}
    steps = PostElectionTask.objects.filter(village__township__code=ELECTED_TOWNSHIP)
    assert 0 < steps.filter(done_on__isnull=False).count() < steps.count() and steps.overdue(on=today).exists()
    (change,) = MidTermChange.objects.all()
    assert change.village.township.code == demo.DEMO_TOWNSHIP and change.stage == MidTermStage.REVIEWED
    assert change.filing is not None and change.filing.filed_on is None
    kinds = set(Risk.objects.filter(is_active=True).values_list("kind", flat=True))
    assert {"supervision_conflict", "filing_pending", "aftercare_overdue"} <= kinds
    conflict = Risk.objects.get(kind="supervision_conflict")
    assert "兄弟姐妹" in conflict.detail and conflict.village.township.code == ELECTED_TOWNSHIP
