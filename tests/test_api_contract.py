"""Every documented write is stored: for each write operation of the live schema, send every writable field it
lists and read each one back. A field the API accepts but does not store fails here.

The writable fields come from the schema itself (the operation's JSON request body), so a field added to a
serializer is written and read back the next time this runs: `WRITES` must then give it a value, or the test
says which operation and field lack one. An operation with a request body that has no entry in `WRITES` fails
too (add a scenario for it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from reserves.choices import FilingKind, FilingOccasion
from reserves.models import Election, Enrollment, Filing, NegativeRecord, Reserve, Review, Talent, TrainingClass
from tests import factories as f
from tests.review_support import negative_record, open_review, reviewed
from villages import idcard
from villages.choices import Post
from villages.models import Group, Person, PostAssignment, Risk, Village

API = "/api/v1"
JSON = "application/json"
# Request bodies that are not stored data: a token request is a question, not a record.
NOT_STORED = {("post", "/api/v1/auth/token/")}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def write_operations(schema: dict) -> dict[tuple[str, str], dict]:
    """(method, path) → the JSON request body's schema, for every operation that takes a body."""
    found = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body:
                found[(method, path)] = _resolve(schema, body["content"]["application/json"]["schema"])
    return found


def writable_fields(schema: dict, body: dict) -> set[str]:
    return {name for name, prop in body.get("properties", {}).items() if not _resolve(schema, prop).get("readOnly")}


# ---- scenarios: how to write each operation and where to read it back ----


@dataclass
class Setup:
    """What a scenario needs: the world, clients by role, and the objects it created."""

    world: Any
    township: Client
    county: Client
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass
class Write:
    client: str  # "township" or "county"
    url: Callable[[Setup], str]
    body: Callable[[Setup], dict[str, Any]]
    read: Callable[[Setup, dict], dict]  # the stored object as GET returns it, given the write's answer
    expected: Callable[[Setup, dict], dict[str, Any]] = lambda ctx, body: body


def _once(ctx: Setup, key: str, make: Callable[[Setup], Any]) -> Any:
    """The scenario's object `key`, made on first use (url, body and read-back all see the same one)."""
    if key not in ctx.objects:
        ctx.objects[key] = make(ctx)
    return ctx.objects[key]


def _person(ctx: Setup, **fields: Any) -> Person:
    defaults = {"home_village": ctx.world.village_a, "birth_date": dt.date(1990, 5, 1)}
    return f.PersonFactory.create(**(defaults | fields))


def _party_member(ctx: Setup) -> Person:
    return _person(ctx, political_status="cpc_member", education="associate")


def _get(ctx: Setup, client: str, url: str) -> dict:
    response = getattr(ctx, client).get(url)
    assert response.status_code == 200, (url, response.content)
    return response.json()


ID_NUMBER = f.make_id_number(dt.date(1992, 4, 9), gender="female", seq=77)
OTHER_ID_NUMBER = f.make_id_number(dt.date(1993, 8, 21), gender="male", seq=78)


def _person_body(number: str, gender: str, birth: str) -> dict[str, Any]:
    return {
        "name": "王小芳",
        "village": "511902100201",
        "id_number": number,
        "gender": gender,
        "birth_date": birth,
        "ethnicity": "回族",
        "political_status": "cpc_member",
        "party_joined_on": "2015-07-01",
        "education": "bachelor",
        "education_in_service": "postgraduate",
        "education_in_progress": "postgraduate",
        "health": "fair",
        "able_to_serve": False,
        "quality_rating": "good",
        "phone": "13900000001",
        "source_categories": ["returned_migrant", "local_graduate"],
        "assessments": [{"year": 2024, "grade": "excellent"}, {"year": 2025, "grade": "competent"}],
    }


def _person_expected(ctx: Setup, body: dict) -> dict:
    expected = {k: v for k, v in body.items() if k not in {"id_number", "version"}}
    expected["id_number_masked"] = idcard.mask(body["id_number"])
    if "version" in body:
        expected["version"] = body["version"] + 1
    return expected


def _versioned(ctx: Setup, body: dict) -> dict:
    """PATCH answers the next version: the one sent + 1."""
    return {**body, "version": body["version"] + 1} if "version" in body else body


def _village_groups(ctx: Setup) -> Village:
    village = f.VillageFactory.create(township=ctx.world.township_a, code="511902100305", name="石桥村")
    Group.objects.create(village=village, number=1, name="一社")
    return village


def _risk(ctx: Setup) -> Risk:
    return Risk.objects.create(village=ctx.world.village_a, kind="no_young_member", severity="amber", detail="无")


def _group_leader(ctx: Setup) -> PostAssignment:
    village = ctx.world.village_a
    for number in (1, 2):
        Group.objects.get_or_create(village=village, number=number)
    return f.PostAssignmentFactory.create(
        person=_person(ctx), village=village, post=Post.GROUP_LEADER, group=village.groups.get(number=1)
    )


def _next_group_number(post: PostAssignment) -> int:
    """The number of the group after the one `post` leads (the village has both)."""
    assert post.group is not None
    return post.group.number + 1


def _reserve(ctx: Setup) -> Reserve:
    return f.ReserveFactory.create(person=_person(ctx, birth_date=dt.date(1996, 1, 1)), village=ctx.world.village_a)


def _class(ctx: Setup) -> TrainingClass:
    return _once(ctx, "class", lambda ctx: f.TrainingClassFactory.create(county=ctx.world.county))


def _enrollment(ctx: Setup) -> Enrollment:
    return f.EnrollmentFactory.create(training_class=_class(ctx), person=_person(ctx), status="enrolled")


def _election(ctx: Setup) -> Election:
    for number in (1, 2):
        Group.objects.get_or_create(village=ctx.world.village_a, number=number)
    return _once(
        ctx, "election", lambda ctx: f.ElectionFactory.create(village=ctx.world.village_a, held_on=dt.date(2026, 3, 1))
    )


def _winner(ctx: Setup) -> Person:
    """A person who passed the election's qualification review (未经联审不得任职)."""
    person = _person(ctx)
    reviewed(person, on=_election(ctx).held_on)
    return person


def _review(ctx: Setup) -> Review:
    return _once(ctx, "review", lambda ctx: open_review(_person(ctx), by=f.CountyStaffFactory.create()))


def _negative_record(ctx: Setup, code: str) -> NegativeRecord:
    return negative_record(_person(ctx), code, occurred_on=dt.date(2024, 6, 1))


def _negative_body(code: str, **dates: str) -> Callable[[Setup], dict[str, Any]]:
    return lambda ctx: {
        "person": _person(ctx).pk,
        "item_code": code,
        "source_department": "法院",
        "occurred_on": "2024-06-01",
        "document_number": "（2024）川1902执9号",
        "detail": "执行案件",
        **dates,
    }


def _filing(ctx: Setup) -> Filing:
    """A 备案 due for the director elected on 2026-03-01 (filed in the scenario)."""
    election = _election(ctx)
    post = f.PostAssignmentFactory.create(
        person=_party_member(ctx), village=ctx.world.village_a, post=Post.DIRECTOR, start_on=election.held_on
    )
    return Filing.objects.create(
        kind=FilingKind.POST,
        occasion=FilingOccasion.ELECTION,
        village=ctx.world.village_a,
        election=election,
        post=post,
        due_on=dt.date(2026, 3, 31),
    )


def _results_with_sources(ctx: Setup, answer: dict) -> dict:
    """The recorded winners, each with the 干部来源 of the post the result started (a row's `source` is the post's)."""
    rows = _get(ctx, "township", f"{API}/elections/{_election(ctx).pk}/results/")["results"]
    for row in rows:
        posts = _get(ctx, "township", f"{API}/posts/?person={row['person']}&post={row['post']}")["results"]
        row["source"] = posts[0]["source"] if posts else None
    return {"rows": rows}


def _talent(ctx: Setup) -> Talent:
    return _once(ctx, "talent", lambda ctx: f.TalentFactory(person=_person(ctx), village=ctx.world.village_a))


def _active_reserve(ctx: Setup) -> Reserve:
    return _once(ctx, "reserve", _reserve)


def _row(rows: dict, answer: dict) -> dict:
    """The written row of a list answer (talks, placements have no detail URL)."""
    return next(row for row in rows["results"] if row["id"] == answer["id"])


def _mentor(ctx: Setup, side: str) -> dict:
    entries = _get(ctx, "township", f"{API}/reserves/{_active_reserve(ctx).pk}/mentors/")
    return next(entry for entry in entries if entry["side"] == side)


def _programme_person(ctx: Setup) -> Person:
    return _once(ctx, "programme_person", _person)


def _degree_enrollment(ctx: Setup) -> Enrollment:
    degree_class = f.TrainingClassFactory(county=ctx.world.county, level="degree")
    return f.EnrollmentFactory.create(training_class=degree_class, person=_programme_person(ctx), status="enrolled")


def _promoted(ctx: Setup, answer: dict) -> dict:
    """The reserve the promotion created, and the talent's status after it (promoted, linked to that reserve)."""
    ctx.objects["promoted_id"] = answer["id"]
    reserve = _get(ctx, "township", f"{API}/reserves/{answer['id']}/")
    talent = _get(ctx, "township", f"{API}/talents/{_talent(ctx).pk}/")
    return {**reserve, "talent_status": talent["status"], "talent_reserve": talent["reserve"]}


def _talent_body() -> dict[str, Any]:
    return {
        "source": "graduate",
        "category": "governance",
        "current_location": "成都市武侯区",
        "current_work": "社区网格员",
        "contact": "13900000002",
        "willingness": "considering",
        "strengths": "熟悉基层治理",
        "entered_on": "2025-11-20",
    }


WRITES: dict[tuple[str, str], Write | list[Write]] = {
    ("post", "/api/v1/reviews/"): Write(
        "township",
        lambda ctx: f"{API}/reviews/",
        lambda ctx: {
            "person": _party_member(ctx).pk,
            "village": ctx.world.village_a.code,
            "purpose": "election",
            "cycle": "2026",
            "post": "party_secretary",
            "opinions_due_on": "2026-12-15",
        },
        lambda ctx, answer: _get(ctx, "township", f"{API}/reviews/{answer['id']}/"),
    ),
    ("post", "/api/v1/reviews/{id}/opinions/"): Write(
        "county",
        lambda ctx: f"{API}/reviews/{_review(ctx).pk}/opinions/",
        lambda ctx: {
            "round": "county",
            "department": "公安局",
            "conclusion": "fail",
            "note": "查有不良记录",
            "concluded_on": "2026-11-20",
            "document_number": "巴公函〔2026〕40号",
        },
        lambda ctx, answer: _get(ctx, "county", f"{API}/reviews/{_review(ctx).pk}/"),
        lambda ctx, body: {"opinions": [body]},
    ),
    ("post", "/api/v1/negative-records/"): [  # an item that lapses by date, and one that ends by rectification
        Write(
            "county",
            lambda ctx: f"{API}/negative-records/",
            _negative_body("7.2", ends_on="2027-06-01"),
            lambda ctx, answer: _get(ctx, "county", f"{API}/negative-records/{answer['id']}/"),
            lambda ctx, body: {k: v for k, v in body.items() if k != "person"},
        ),
        Write(
            "county",
            lambda ctx: f"{API}/negative-records/",
            _negative_body("9.3", rectified_on="2025-03-01"),
            lambda ctx, answer: _get(ctx, "county", f"{API}/negative-records/{answer['id']}/"),
            lambda ctx, body: {k: v for k, v in body.items() if k != "person"},
        ),
    ],
    ("patch", "/api/v1/negative-records/{id}/"): [
        Write(
            "county",
            lambda ctx: f"{API}/negative-records/{_once(ctx, 'lapsing', lambda c: _negative_record(c, '7.2')).pk}/",
            lambda ctx: {
                "source_department": "纪委监委",
                "occurred_on": "2024-07-01",
                "ends_on": "2027-07-01",
                "document_number": "巴纪〔2024〕3号",
                "detail": "评议结果",
            },
            lambda ctx, answer: _get(ctx, "county", f"{API}/negative-records/{answer['id']}/"),
        ),
        Write(
            "county",
            lambda ctx: f"{API}/negative-records/{_once(ctx, 'fixable', lambda c: _negative_record(c, '9.3')).pk}/",
            lambda ctx: {"rectified_on": "2025-10-01"},
            lambda ctx, answer: _get(ctx, "county", f"{API}/negative-records/{answer['id']}/"),
        ),
    ],
    ("post", "/api/v1/villages/"): Write(
        "county",
        lambda ctx: f"{API}/villages/",
        lambda ctx: {
            "code": "511902100301",
            "name": "青杠坪村",
            "township": "511902100",
            "groups": [{"number": 1, "name": "一社"}, {"number": 2, "name": ""}],
            "party_org_type": "general_branch",
            "party_member_count": 41,
            "last_party_admission_on": "2025-06-30",
            "development_candidates": 3,
            "election_date": "2026-12-20",
            "held_election_on": "2021-03-15",
            "villager_representatives": 35,
        },
        lambda ctx, answer: _get(ctx, "county", f"{API}/villages/{answer['code']}/"),
    ),
    ("patch", "/api/v1/villages/{code}/"): Write(
        "county",
        lambda ctx: f"{API}/villages/{_once(ctx, 'village', _village_groups).code}/",
        lambda ctx: {
            "name": "石桥新村",
            "groups": [{"number": 2, "name": "二社"}, {"number": 3, "name": "三社"}],
            "party_org_type": "committee",
            "party_member_count": 88,
            "last_party_admission_on": "2024-01-02",
            "development_candidates": 5,
            "election_date": "2026-12-31",
            "held_election_on": "2021-04-01",
            "villager_representatives": 42,
            "version": 1,
        },
        lambda ctx, answer: _get(ctx, "county", f"{API}/villages/{answer['code']}/"),
        _versioned,
    ),
    ("post", "/api/v1/people/"): Write(
        "township",
        lambda ctx: f"{API}/people/",
        lambda ctx: _person_body(ID_NUMBER, "female", "1992-04-09"),
        lambda ctx, answer: _get(ctx, "township", f"{API}/people/{answer['id']}/"),
        _person_expected,
    ),
    ("patch", "/api/v1/people/{id}/"): Write(
        "township",
        lambda ctx: f"{API}/people/{_once(ctx, 'person', _person).pk}/",
        lambda ctx: {**_person_body(OTHER_ID_NUMBER, "male", "1993-08-21"), "name": "李强", "version": 1},
        lambda ctx, answer: _get(ctx, "township", f"{API}/people/{answer['id']}/"),
        _person_expected,
    ),
    ("post", "/api/v1/posts/"): Write(
        "township",
        lambda ctx: f"{API}/posts/",
        lambda ctx: {
            "person": _party_member(ctx).pk,
            "village": ctx.world.village_a.code,
            "post": "group_leader",
            "group_number": _next_group_number(_group_leader(ctx)),
            "start_on": "2021-03-15",
            "end_on": "2026-03-01",
            "how": "by_election",
            "term": "2021—2026",
            "end_reason": "届满",
            "source": "returnee",
        },
        lambda ctx, answer: _get(ctx, "township", f"{API}/posts/{answer['id']}/"),
    ),
    ("patch", "/api/v1/posts/{id}/"): Write(
        "township",
        lambda ctx: f"{API}/posts/{_once(ctx, 'post', _group_leader).pk}/",
        lambda ctx: {
            "group_number": 2,
            "start_on": "2021-04-01",
            "end_on": "2025-12-31",
            "how": "appointed",
            "term": "第十一届",
            "end_reason": "辞职",
            "source": "veteran",
            "version": 1,
        },
        lambda ctx, answer: _get(ctx, "township", f"{API}/posts/{answer['id']}/"),
        _versioned,
    ),
    ("patch", "/api/v1/risks/{id}/"): [
        Write(  # the county reviews (owner, due date, note) ...
            "county",
            lambda ctx: f"{API}/risks/{_once(ctx, 'risk', _risk).pk}/",
            lambda ctx: {
                "review_status": "in_progress",
                "owner": "county_staff",
                "due_on": "2026-12-31",
                "note": "约谈乡镇",
                "version": 1,
            },
            lambda ctx, answer: _get(ctx, "county", f"{API}/risks/{answer['id']}/"),
            _versioned,
        ),
        Write(  # ... and the township answers what it did (整改情况)
            "township",
            lambda ctx: f"{API}/risks/{_once(ctx, 'risk', _risk).pk}/",
            lambda ctx: {"action_taken": "已补选社长", "review_status": "rectified", "version": 2},
            lambda ctx, answer: _get(ctx, "township", f"{API}/risks/{answer['id']}/"),
            _versioned,
        ),
    ],
    ("post", "/api/v1/reserves/"): Write(
        "township",
        lambda ctx: f"{API}/reserves/",
        lambda ctx: {
            "person": _person(ctx, birth_date=dt.date(1970, 1, 1), education="junior_high").pk,  # ineligible
            "village": ctx.world.village_a.code,
            "target_post": "director",
            "readiness": "within_term",
            "rank": 2,
            "added_on": "2026-01-15",
            "added_how": "examined",
            "override_reason": "群众基础好，经乡镇党委研究同意",
        },
        lambda ctx, answer: _get(ctx, "township", f"{API}/reserves/{answer['id']}/"),
    ),
    ("patch", "/api/v1/reserves/{id}/"): Write(
        "township",
        lambda ctx: f"{API}/reserves/{_once(ctx, 'reserve', _reserve).pk}/",
        lambda ctx: {
            "readiness": "ready_now",
            "rank": 3,
            "status": "withdrawn",
            "withdrawn_reason": "外出务工",
            "override_reason": "原备注",
            "version": 1,
        },
        lambda ctx, answer: _get(ctx, "township", f"{API}/reserves/{answer['id']}/"),
        _versioned,
    ),
    ("post", "/api/v1/classes/"): Write(
        "county",
        lambda ctx: f"{API}/classes/",
        lambda ctx: {
            "name": "2026年村级后备干部中期班",
            "institution": "县委党校",
            "level": "degree",
            "county": "511902",
            "starts_on": "2026-03-01",
            "ends_on": "2026-07-01",
        },
        lambda ctx, answer: _get(ctx, "county", f"{API}/classes/{answer['id']}/"),
    ),
    ("patch", "/api/v1/classes/{id}/"): Write(
        "county",
        lambda ctx: f"{API}/classes/{_class(ctx).pk}/",
        lambda ctx: {
            "name": "改名班",
            "institution": "市委党校",
            "level": "short",
            "county": "511902",
            "starts_on": "2019-10-01",
            "ends_on": "2020-08-01",
        },
        lambda ctx, answer: _get(ctx, "county", f"{API}/classes/{answer['id']}/"),
    ),
    ("post", "/api/v1/classes/{id}/enrollments/"): Write(
        "county",
        lambda ctx: f"{API}/classes/{_class(ctx).pk}/enrollments/",
        lambda ctx: {"person": _person(ctx).pk, "status": "completed", "completed_on": "2020-06-30"},
        lambda ctx, answer: _get(ctx, "county", f"{API}/classes/{_class(ctx).pk}/enrollments/{answer['id']}/"),
    ),
    ("patch", "/api/v1/classes/{id}/enrollments/{enrollment_id}/"): Write(
        "county",
        lambda ctx: f"{API}/classes/{_class(ctx).pk}/enrollments/{_once(ctx, 'e', _enrollment).pk}/",
        lambda ctx: {"status": "completed", "completed_on": "2020-07-01"},
        lambda ctx, answer: _get(ctx, "county", f"{API}/classes/{_class(ctx).pk}/enrollments/{answer['id']}/"),
    ),
    ("post", "/api/v1/elections/"): Write(
        "township",
        lambda ctx: f"{API}/elections/",
        lambda ctx: {"village": ctx.world.village_a.code, "held_on": "2026-12-20", "term": "第十二届"},
        lambda ctx, answer: _get(ctx, "township", f"{API}/elections/{answer['id']}/"),
    ),
    ("post", "/api/v1/elections/{id}/results/"): Write(
        "township",
        lambda ctx: f"{API}/elections/{_election(ctx).pk}/results/",
        lambda ctx: {
            "rows": [
                {
                    "person": _winner(ctx).pk,
                    "post": "group_leader",
                    "votes": 321,
                    "group_number": 2,
                    "source": "veteran",
                }
            ]
        },
        _results_with_sources,
    ),
    ("patch", "/api/v1/filings/{id}/"): Write(
        "township",
        lambda ctx: f"{API}/filings/{_once(ctx, 'filing', _filing).pk}/",
        lambda ctx: {
            "filed_on": "2026-03-20",
            "document_number": "巴州组备〔2026〕3号",
            "authority": "县委组织部",
            "note": "书记、主任一并备案",
            "version": 1,
        },
        lambda ctx, answer: _get(ctx, "township", f"{API}/filings/{answer['id']}/"),
        _versioned,
    ),
    ("post", "/api/v1/reports/"): Write(
        "township",
        lambda ctx: f"{API}/reports/",
        lambda ctx: {"kind": "village", "scope": ctx.world.village_a.code, "as_of": "2026-12-11"},
        lambda ctx, answer: _get(ctx, "township", f"{API}/reports/{answer['id']}/"),
    ),
    ("post", "/api/v1/talents/"): Write(
        "township",
        lambda ctx: f"{API}/talents/",
        lambda ctx: {"person": _person(ctx).pk, "village": ctx.world.village_a.code, **_talent_body()},
        lambda ctx, answer: _get(ctx, "township", f"{API}/talents/{answer['id']}/"),
    ),
    ("patch", "/api/v1/talents/{id}/"): Write(
        "township",
        lambda ctx: f"{API}/talents/{_talent(ctx).pk}/",
        lambda ctx: {**_talent_body(), "source": "veteran", "willingness": "willing", "entered_on": "2025-04-01"},
        lambda ctx, answer: _get(ctx, "township", f"{API}/talents/{answer['id']}/"),
    ),
    ("post", "/api/v1/talents/{id}/promote/"): Write(
        "township",
        lambda ctx: f"{API}/talents/{_talent(ctx).pk}/promote/",
        lambda ctx: {
            "target_post": "director",
            "readiness": "within_term",
            "added_on": "2025-12-01",
            "added_how": "inspected",
            "override_reason": "回引人才，经乡镇党委研究同意",
        },
        _promoted,
        lambda ctx, body: {**body, "talent_status": "promoted", "talent_reserve": ctx.objects["promoted_id"]},
    ),
    ("post", "/api/v1/talents/{id}/leave/"): Write(
        "township",
        lambda ctx: f"{API}/talents/{_talent(ctx).pk}/leave/",
        lambda ctx: {"reason": "已迁居外省"},
        lambda ctx, answer: _get(ctx, "township", f"{API}/talents/{answer['id']}/"),
        lambda ctx, body: {"left_reason": body["reason"], "status": "left"},
    ),
    ("post", "/api/v1/reserves/{id}/mentors/"): [
        Write(  # the township mentor is a township cadre, by name and post ...
            "township",
            lambda ctx: f"{API}/reserves/{_active_reserve(ctx).pk}/mentors/",
            lambda ctx: {"side": "township", "name": "张明", "post": "副乡长", "named_on": "2024-02-01"},
            lambda ctx, answer: _mentor(ctx, "township"),
        ),
        Write(  # ... the village mentor a person of the village
            "township",
            lambda ctx: f"{API}/reserves/{_active_reserve(ctx).pk}/mentors/",
            lambda ctx: {"side": "village", "person": _once(ctx, "mentor", _party_member).pk, "named_on": "2024-03-01"},
            lambda ctx, answer: _mentor(ctx, "village"),
        ),
    ],
    ("post", "/api/v1/reserves/{id}/talks/"): Write(
        "township",
        lambda ctx: f"{API}/reserves/{_active_reserve(ctx).pk}/talks/",
        lambda ctx: {
            "held_on": "2025-06-18",
            "by": "township_secretary",
            "by_name": "刘书记",
            "topic": "换届前思想动态",
            "follow_up": "安排到村委会跟岗",
        },
        lambda ctx, answer: _row(_get(ctx, "township", f"{API}/reserves/{_active_reserve(ctx).pk}/talks/"), answer),
    ),
    ("post", "/api/v1/reserves/{id}/placements/"): Write(
        "township",
        lambda ctx: f"{API}/reserves/{_active_reserve(ctx).pk}/placements/",
        lambda ctx: {
            "post_name": "书记助理",
            "starts_on": "2025-09-01",
            "ends_on": "2026-08-31",
            "stipend": True,
            "stipend_note": "每月800元",
        },
        lambda ctx, answer: _row(
            _get(ctx, "township", f"{API}/reserves/{_active_reserve(ctx).pk}/placements/"), answer
        ),
    ),
    ("post", "/api/v1/education-programmes/"): Write(
        "township",
        lambda ctx: f"{API}/education-programmes/",
        lambda ctx: {
            "person": _programme_person(ctx).pk,
            "institution": "四川开放大学巴中分部",
            "major": "农村行政管理",
            "level": "bachelor",
            "enrolled_on": "2025-03-01",
            "expected_graduation_on": "2027-07-01",
            "funding_note": "县委组织部资助学费50%",
            "enrollment": _degree_enrollment(ctx).pk,
        },
        lambda ctx, answer: _get(ctx, "township", f"{API}/education-programmes/{answer['id']}/"),
    ),
    ("patch", "/api/v1/education-programmes/{id}/"): Write(
        "township",
        lambda ctx: (
            f"{API}/education-programmes/"
            f"{_once(ctx, 'programme', lambda ctx: f.EducationProgrammeFactory(person=_person(ctx))).pk}/"
        ),
        lambda ctx: {"status": "graduated", "ended_on": "2025-12-20"},
        lambda ctx, answer: _get(ctx, "township", f"{API}/education-programmes/{answer['id']}/"),
    ),
}


def test_every_write_operation_has_a_scenario(schema):
    operations = set(write_operations(schema)) - NOT_STORED
    missing = sorted(operations - set(WRITES))
    assert not missing, f"write operations without a contract scenario in WRITES: {missing}"
    assert not sorted(set(WRITES) - operations), "scenarios for operations the schema no longer has"


def test_request_bodies_are_json_only(schema):
    others = {
        (method, path, content_type)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        for content_type in operation.get("requestBody", {}).get("content", {})
        if content_type != JSON
    }
    assert not others, f"request bodies other than JSON (multipart only where a file is uploaded): {others}"


def _same(written: Any, read: Any) -> bool:
    """Equal; a list of objects is stored when every row written is read back (the API orders rows its own way)."""
    if isinstance(written, list) and written and all(isinstance(row, dict) for row in written):
        return (
            isinstance(read, list)
            and len(read) == len(written)
            and all(any(all(row.get(k) == v for k, v in w.items()) for row in read) for w in written)
        )
    return written == read


@pytest.mark.parametrize(("method", "path"), sorted(WRITES), ids=[f"{m.upper()} {p}" for m, p in sorted(WRITES)])
def test_every_writable_field_is_stored(method, path, schema, world, county_staff, secretary_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORT_RUNNER = "sync"
    ctx = Setup(world=world, township=_client(secretary_a), county=_client(county_staff))
    found = WRITES[(method, path)]
    scenarios = found if isinstance(found, list) else [found]  # several roles may share one PATCH (risks)
    fields = writable_fields(schema, write_operations(schema)[(method, path)])
    bodies = [scenario.body(ctx) for scenario in scenarios]
    written = set().union(*bodies)
    assert written == fields, (
        f"{method.upper()} {path}: the schema lists writable fields {sorted(fields)}; the scenario writes "
        f"{sorted(written)}. Give every documented field a value (missing: {sorted(fields - written)})."
    )
    for scenario, body in zip(scenarios, bodies, strict=True):
        url = scenario.url(ctx)
        payload = json.dumps(body, ensure_ascii=False)
        response = getattr(ctx, scenario.client).generic(method.upper(), url, payload, content_type=JSON)
        assert response.status_code in {200, 201, 202}, (method, path, response.content.decode())
        stored = scenario.read(ctx, response.json())
        for name, value in scenario.expected(ctx, body).items():
            assert _same(value, stored.get(name)), (
                f"{method.upper()} {path}: `{name}` sent {value!r}, read {stored.get(name)!r}"
            )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_unknown_or_read_only_field_is_refused_not_dropped(world, secretary_a):
    client = _client(secretary_a)
    person = f.PersonFactory.create(home_village=world.village_a)
    response = client.patch(f"{API}/people/{person.pk}/", {"phone": "1", "colour": "red", "age": 3}, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {"colour": ["未知字段：本接口不接受此字段"], "age": ["只读字段，不能写入"]}
    person.refresh_from_db()
    assert person.phone != "1" and person.version == 1
