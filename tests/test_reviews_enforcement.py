"""未经联审不得任职: every entry path refuses a person without a passed review (reserves/reviews/enforcement.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from reserves.choices import ReviewAuditKind, ReviewPurpose, SlateStatus
from reserves.cycles import cycle_of
from reserves.elections import ResultRow, ResultsRefused, record_results
from reserves.models import Reserve, ReviewAuditEntry
from reserves.reviews import collect_review_warnings, review_refusal
from reserves.reviews.opening import record_opinion
from reserves.slates import set_status, start_slate
from tests import factories as f
from tests.review_support import answer, negative_record, open_review, passed_review
from villages.choices import Education, Post
from villages.models import PostAssignment
from villages.rules import add_rule_value

pytestmark = pytest.mark.django_db
HELD_ON = dt.date(2026, 9, 25)  # after the opinions (review_support), in the 2026 cycle


@pytest.fixture
def election(world):
    return f.ElectionFactory(village=world.village_a, held_on=HELD_ON, term="第十二届")


@pytest.fixture
def candidate(world):
    return f.PersonFactory(home_village=world.village_a, name="赵新", birth_date=dt.date(1990, 4, 1))


def _warn_only(world, since: dt.date = dt.date(2026, 1, 1)) -> None:
    add_rule_value(
        county_id=world.county.pk,
        key="review_required",
        value=0,
        effective_on=since,
        document_number="巴组通〔2026〕9号",
    )


def test_unreviewed_pending_and_failed_people_are_each_refused_with_the_reason(world, candidate, county_staff):
    kwargs = {"purpose": ReviewPurpose.ELECTION, "cycle": "2026", "county": world.county, "on": HELD_ON}
    assert review_refusal(person=candidate, **kwargs) == "赵新未经2026年换届候选人资格联审，未经联审不得任职"
    review = open_review(candidate)
    answer(review, skip=("公安局", "committee"))
    assert review_refusal(person=candidate, **kwargs) == (
        "赵新的2026年换届候选人资格联审尚未通过（尚缺公安局、党委考察意见），未经联审不得任职"
    )
    record_opinion(
        review=review, round="county", department="公安局", conclusion="pass", concluded_on=HELD_ON, by=county_staff
    )
    record_opinion(review=review, round="committee", conclusion="pass", concluded_on=HELD_ON, by=county_staff)
    assert review_refusal(person=candidate, **kwargs) is None
    negative_record(candidate, "9.3", occurred_on=dt.date(2025, 3, 1))
    township_view = review_refusal(person=candidate, by=f.TownshipSecretaryFactory(), **kwargs)
    assert township_view == "赵新2026年换届候选人资格联审不通过（负面清单（详情由县委组织部掌握）），不得任职"
    county_view = review_refusal(person=candidate, by=county_staff, **kwargs)
    assert "第9.3项 被列为失信被执行人" in county_view


def test_record_results_refuses_an_unreviewed_winner_and_writes_nothing(world, election, candidate, secretary_a):
    reviewed = f.PersonFactory(home_village=world.village_a, political_status="cpc_member")
    passed_review(reviewed)
    rows = [ResultRow(reviewed, Post.PARTY_SECRETARY), ResultRow(candidate, Post.DIRECTOR)]
    with pytest.raises(ResultsRefused) as refused:
        record_results(election=election, rows=rows, by=secretary_a)
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "person")]
    assert "赵新未经2026年换届候选人资格联审" in refused.value.errors[0].message
    assert not PostAssignment.objects.filter(start_on=HELD_ON).exists()
    passed_review(candidate)
    assert record_results(election=election, rows=rows, by=secretary_a).results == 2


def test_the_results_form_and_the_township_screen_show_the_refusal(world, election, candidate, client_a):
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-person": candidate.name,
        "form-0-post": "director",
    }
    response = client_a.post(reverse("reserves:election_results", args=[election.pk]), data)
    assert response.status_code == 400
    assert "赵新未经2026年换届候选人资格联审" in response.content.decode()
    township = {"held_on": "2026-09-25", "term": "第十二届", **data, "form-0-village": world.village_a.pk}
    response = client_a.post(reverse("reserves:township_results", args=[world.township_a.code]), township)
    assert response.status_code == 400
    assert "未经联审不得任职" in response.content.decode()
    assert not PostAssignment.objects.filter(person=candidate).exists()


def test_the_api_answers_400_with_the_reason_on_person(world, election, candidate, client_county):
    url = f"/api/v1/elections/{election.pk}/results/"
    body = {"rows": [{"person": candidate.pk, "post": "director"}]}
    response = client_county.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    (row,) = response.json()["rows"]
    assert (row["row"], row["field"]) == (1, "person")
    assert row["message"].startswith("赵新未经2026年换届候选人资格联审")
    passed_review(candidate)
    response = client_county.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["warnings"] == []


def test_adding_a_reserve_needs_a_passed_reserve_entry_review(world, client_a):
    person = f.PersonFactory(
        home_village=world.village_a, birth_date=dt.date(1996, 1, 1), education=Education.ASSOCIATE
    )
    url = reverse("reserves:reserve_add", args=[world.village_a.code])
    data = {"person": person.pk, "target_post": "party_secretary", "readiness": "ready_now", "rank": 1,
            "added_on": "2026-09-25", "added_how": "recommended"}  # fmt: skip
    body = client_a.post(url, data).content.decode()
    assert "2026年后备干部入库资格联审" in body and not Reserve.objects.exists()
    passed_review(person, purpose=ReviewPurpose.ELECTION)  # another purpose does not count
    assert not Reserve.objects.exists() and client_a.post(url, data).status_code == 200
    passed_review(person, purpose=ReviewPurpose.RESERVE_ENTRY)
    assert client_a.post(url, data).status_code == 302
    assert Reserve.objects.filter(person=person).exists()


def test_finalising_a_slate_lists_everyone_not_yet_passed(world, secretary_a, client_a):
    for name, post in (("甲", Post.PARTY_SECRETARY), ("乙", Post.COMMITTEE_MEMBER)):
        f.PostAssignmentFactory(person=f.PersonFactory(home_village=world.village_a, name=name), post=post)
    slate = start_slate(village=world.village_a, by=secretary_a, name="方案", election_on=dt.date(2026, 12, 31))
    response = client_a.post(reverse("reserves:slate_status", args=[slate.pk]), follow=True)
    text = response.content.decode()
    assert "方案未定稿" in text and "甲未经2027年换届候选人资格联审" in text and "乙未经" in text
    slate.refresh_from_db()
    assert slate.status == SlateStatus.DRAFT
    for candidate in slate.candidates.select_related("person"):
        passed_review(candidate.person, cycle=cycle_of(slate.election_on))  # December: the next round
    set_status(slate=slate, status=SlateStatus.FINAL, by=secretary_a)
    slate.refresh_from_db()
    assert slate.status == SlateStatus.FINAL


def test_warn_only_lets_the_act_through_with_a_warning_and_an_audit_record(world, election, candidate, client_county):
    _warn_only(world)
    url = f"/api/v1/elections/{election.pk}/results/"
    body = {"rows": [{"person": candidate.pk, "post": "director"}]}
    response = client_county.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    (warning,) = response.json()["warnings"]
    assert warning.startswith("赵新未经2026年换届候选人资格联审") and "已放行并留痕" in warning
    entry = ReviewAuditEntry.objects.get(kind=ReviewAuditKind.OVERRIDE)
    assert (entry.person, entry.user.username, entry.context) == (candidate, "county_staff", "election_results")


def test_warn_only_is_dated_and_a_refused_batch_leaves_no_audit_record(world, election, candidate, secretary_a):
    _warn_only(world, since=dt.date(2026, 9, 26))  # after the election date: the rule in force then refuses
    outsider = f.PersonFactory(home_village=world.village_other_county)
    with pytest.raises(ResultsRefused):
        record_results(election=election, rows=[ResultRow(candidate, Post.DIRECTOR)], by=secretary_a)
    _warn_only(world, since=dt.date(2026, 1, 1))
    with pytest.raises(ResultsRefused):  # let through for the review, refused for the outsider: nothing audited
        record_results(
            election=election, rows=[ResultRow(candidate, Post.DIRECTOR), ResultRow(outsider, Post.CLERK)], by=None
        )
    assert not ReviewAuditEntry.objects.exists()
    with collect_review_warnings() as warnings:
        record_results(election=election, rows=[ResultRow(candidate, Post.DIRECTOR)], by=secretary_a)
    assert len(warnings) == 1 and ReviewAuditEntry.objects.count() == 1


def test_results_dated_before_the_reviews_began_are_let_through_and_audited(world, candidate, secretary_a):
    old = f.ElectionFactory(village=world.village_a, held_on=dt.date(2021, 3, 15))
    record_results(election=old, rows=[ResultRow(candidate, Post.DIRECTOR)], by=secretary_a)
    assert ReviewAuditEntry.objects.get().context == "election_results"
