"""Differential test: the four ways into the roster answer the same input the same way.

Hypothesis generates roster input; each case goes through every entry path it applies to, each path against the
same starting data inside its own savepoint that is rolled back afterwards:
- form: the web forms through the Django test client (person_new, post_add, post_end, person_edit);
- api: the REST API through DRF's APIClient (POST /people/, POST /posts/, PATCH /posts/{id}/, PATCH /people/{id}/);
- workbook: an in-memory openpyxl workbook through the real reader and importer (read_roster, plan_import,
  apply_import);
- election: reserves.elections.record_results for an election of the village held on the posts' start date.
The verdict of a path is, per step of the case, "accepted" or the sorted (field, message) refusals of that step,
with each path's field names mapped to one canonical name (the model's: `home_village`, `group`, `start_on` …);
a path stops at a refused person (a person that was not created takes no post). The workbook checks a whole row at
once, so its problems are split by column: 职务, 任职时间 and 所在社 are the post step, the rest the person step
(its post problems count only when the person step passed, as in the paths that stop there).
All applicable paths must give the same verdict; when every step is accepted they must also have written the same
roster (people's key fields, the village's assignments). A disagreement fails with every path's verdict.

Cases, and the paths each applies to (a path is left out only where it cannot express the input, or where
its meaning differs on purpose):
- NewPerson (a person, optionally one post): form, api, workbook. Steps: the person, then the post. Election
  results only fill posts of people already on the roster. The form's 社 is a choice among the village's 社, so
  a post naming a 社 the village lacks is left out for the form.
- Appointments (1-2 existing people take posts from one start date): form, api, workbook, election. The
  workbook lists current posts, so a row naming a post its person already holds there is "no change" (left
  out for the workbook); an election replaces the holders of the seats it fills and never fills 第一书记 (left
  out for the election when a seat is held on that date in the starting data, or for 第一书记). The form's 社
  as above.
- PostEnd (an existing assignment ends): form, api (the workbook and elections end nothing).
- PersonEdit (an existing person's political status, 入党时间, typed gender or birth date): form, api, workbook.

Runs 300 derandomized examples (a fixed seed: stable in CI; ROSTER_DIFF_EXAMPLES sets another count). Measured on
SQLite on the shared 2-core machine: 56 s for the file at load 6.5 (50 s for the examples, 27 s of CPU in all);
120 s when the load was 9.5. `--hypothesis-show-statistics` shows the mix of cases and refusals.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from reserves.elections import ResultRow, ResultsRefused, record_results
from tests import factories as f
from tests.review_support import reviewed
from tests.workbooks import build
from villages import idcard
from villages.choices import Gender, PoliticalStatus, Post
from villages.models import Person, PostAssignment, User, Village
from villages.workbook.columns import COLUMNS
from villages.workbook.importer import apply_import, plan_import
from villages.workbook.reader import read_roster

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ACCEPTED = "accepted"
Verdict = tuple[Any, ...]

# Each path's field names → the canonical (model) names.
FORM_FIELDS: dict[str, str] = {}
API_FIELDS = {"village": "home_village", "group_number": "group"}
WORKBOOK_FIELDS = {column.header: column.key for column in COLUMNS} | {"职务": "post", "年度考核": "year"}
ELECTION_FIELDS = {"group_number": "group", "held_on": "start_on"}
POST_STEP_FIELDS = {"post", "group", "start_on"}  # a workbook row's problems in these belong to its post step


# ---- the starting data ----------------------------------------------------------------------------------------


@dataclass
class Start:
    village: Village
    user: User
    people: dict[str, Person]
    posts: dict[str, PostAssignment]
    groups: dict[int, int]  # 社 number → pk
    form: Client
    api: APIClient


PEOPLE = {  # key: (birth date, gender, political status)
    "member": (dt.date(1980, 5, 10), Gender.FEMALE, PoliticalStatus.CPC_MEMBER),
    "probationary": (dt.date(1995, 8, 20), Gender.MALE, PoliticalStatus.CPC_PROBATIONARY),
    "masses": (dt.date(1970, 1, 15), Gender.MALE, PoliticalStatus.MASSES),
    "youth": (dt.date(2004, 3, 1), Gender.FEMALE, PoliticalStatus.CYL_MEMBER),
    "secretary": (dt.date(1968, 11, 2), Gender.MALE, PoliticalStatus.CPC_MEMBER),
    "leader": (dt.date(1958, 7, 7), Gender.MALE, PoliticalStatus.MASSES),
    "former": (dt.date(1960, 2, 2), Gender.FEMALE, PoliticalStatus.CPC_MEMBER),
}
POSTS = {  # key: (holder, post, 社, start, end)
    "secretary_post": ("secretary", Post.PARTY_SECRETARY, None, dt.date(2021, 3, 1), None),
    "leader_post": ("leader", Post.GROUP_LEADER, 1, dt.date(2018, 1, 1), None),
    "former_post": ("former", Post.DIRECTOR, None, dt.date(2016, 3, 1), dt.date(2021, 3, 1)),
}


@pytest.fixture
def start(world, secretary_a) -> Start:
    """青龙村 with 社 1 and 2, a current secretary and 1社社长, a former director, and people without posts."""
    village = world.village_a
    groups = {n: f.GroupFactory.create(village=village, number=n, name="").pk for n in (1, 2)}
    people = {}
    for seq, (key, (born, gender, status)) in enumerate(PEOPLE.items(), start=301):
        people[key] = f.PersonFactory.create(
            home_village=village,
            name=f"{key}甲",
            birth_date=born,
            gender=gender,
            political_status=status,
            id_number=f.make_id_number(born, gender=gender, seq=seq),
        )
    posts = {
        key: f.PostAssignmentFactory.create(
            person=people[holder],
            village=village,
            post=post,
            group_id=groups[group] if group else None,
            start_on=start_on,
            end_on=end_on,
        )
        for key, (holder, post, group, start_on, end_on) in POSTS.items()
    }
    form = Client()
    form.force_login(secretary_a)
    api = APIClient()
    api.force_authenticate(secretary_a)
    return Start(village, secretary_a, people, posts, groups, form, api)


# ---- the cases --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostSpec:
    post: str
    group: int | None
    start_on: dt.date


@dataclass(frozen=True)
class NewPerson:
    id_number: str
    gender: str | None  # typed; None: left blank (derived from the number)
    birth_date: dt.date | None  # typed; None: left blank
    political_status: str
    party_joined_on: dt.date | None
    post: PostSpec | None
    name: str = "龚新"


@dataclass(frozen=True)
class Appointments:
    entries: tuple[tuple[str, str, int | None], ...]  # (person key, post, 社)
    start_on: dt.date


@dataclass(frozen=True)
class PostEnd:
    post_key: str
    end_on: dt.date


UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PersonEdit:
    person_key: str
    political_status: str | None  # None: unchanged
    party_joined_on: Any  # UNCHANGED, None (cleared) or a date
    gender: str | None  # typed
    birth_date: dt.date | None  # typed


def _id_numbers(born: dt.date, gender: str, shape: str, seq: int) -> str:
    """A number of the given shape for a birth date; region 513702 is used by nobody in the starting data."""
    number = f.make_id_number(born, gender=gender, region="513702", seq=seq)
    if shape == "bad_check":
        return number[:17] + ("0" if number[17] != "0" else "1")
    if shape == "short":
        return number[:16]
    if shape == "bad_date":
        return number[:10] + "13" + number[12:]
    if shape == "spaced_full_width":
        return (
            " " + number[:9].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " " + number[9:].lower()
        )
    if shape == "fifteen" and 1900 <= born.year <= 1999:
        return f"513702{born:%y%m%d}{seq % 90 + 10:02d}{1 if gender == Gender.MALE else 2}"
    return number


DATES = st.dates(dt.date(1920, 1, 1), TODAY + dt.timedelta(days=800))
RECENT = st.dates(dt.date(1990, 1, 1), TODAY + dt.timedelta(days=400))
GROUPS = st.sampled_from([None, None, 1, 2, 3])


@st.composite
def post_specs(draw: st.DrawFn, *, start_on: dt.date | None = None) -> PostSpec:
    post = draw(st.sampled_from(Post.values))
    group = draw(st.sampled_from([1, 2, 3, None]) if post == Post.GROUP_LEADER else GROUPS)
    return PostSpec(post, group, start_on or draw(RECENT))


@st.composite
def new_people(draw: st.DrawFn) -> NewPerson:
    born = draw(DATES)
    gender = draw(st.sampled_from(Gender.values))
    shape = draw(
        st.sampled_from(["valid", "valid", "valid", "bad_check", "short", "bad_date", "spaced_full_width", "fifteen"])
    )
    number = _id_numbers(born, gender, shape, draw(st.integers(1, 499)))
    typed_birth = draw(
        st.sampled_from([None, born, born.replace(day=1), born + dt.timedelta(days=40)]) | st.none() | DATES
    )
    joined = draw(
        st.sampled_from([None, born - dt.timedelta(days=1), dt.date(2099, 7, 1), born + dt.timedelta(days=7000)])
        | DATES
    )
    return NewPerson(
        id_number=number,
        gender=draw(st.sampled_from([None, None, Gender.MALE, Gender.FEMALE])),
        birth_date=typed_birth,
        political_status=draw(st.sampled_from(PoliticalStatus.values)),
        party_joined_on=joined,
        post=draw(st.none() | post_specs()),
    )


@st.composite
def appointments(draw: st.DrawFn) -> Appointments:
    keys = draw(st.lists(st.sampled_from(sorted(PEOPLE)), min_size=1, max_size=2, unique=True))
    start_on = draw(
        st.sampled_from([dt.date(2021, 3, 1), dt.date(2016, 6, 1), TODAY, TODAY + dt.timedelta(days=30)]) | RECENT
    )
    # Two people often compete for one seat: the second entry then takes the first one's post half the time.
    first = draw(post_specs(start_on=start_on))
    entries = [(keys[0], first.post, first.group)]
    if len(keys) == 2:
        second = first if draw(st.booleans()) else draw(post_specs(start_on=start_on))
        entries.append((keys[1], second.post, second.group))
    return Appointments(tuple(entries), start_on)


post_ends = st.builds(
    PostEnd,
    post_key=st.sampled_from(sorted(POSTS)),
    end_on=st.sampled_from([dt.date(2021, 3, 1), dt.date(2021, 2, 28), dt.date(2016, 3, 1), TODAY]) | RECENT,
)
person_edits = st.builds(
    PersonEdit,
    person_key=st.sampled_from(["member", "secretary", "masses", "probationary", "leader"]),
    political_status=st.none() | st.sampled_from(PoliticalStatus.values),
    party_joined_on=st.sampled_from([UNCHANGED, None, dt.date(2099, 7, 1), dt.date(1950, 1, 1)]) | DATES,
    gender=st.sampled_from([None, None, Gender.MALE, Gender.FEMALE]),
    birth_date=st.none() | DATES,
)
cases = st.one_of(new_people(), appointments(), post_ends, person_edits)


# ---- verdicts ---------------------------------------------------------------------------------------------------


def refused(errors: dict[str, list[str]], names: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted((names.get(name, name), str(message)) for name, messages in errors.items() for message in messages)
    )


@dataclass
class Outcome:
    steps: list[Any] = field(default_factory=list)

    def step(self, refusals: tuple[tuple[str, str], ...]) -> bool:
        """Record a step; True when it was accepted."""
        self.steps.append(refusals or ACCEPTED)
        return not refusals


def roster_state(village: Village) -> tuple:
    """What an accepted case wrote: people's key fields and the village's assignments."""
    people = Person.objects.filter(home_village=village).order_by("id_number")
    posts = PostAssignment.objects.filter(village=village).select_related("person", "group")
    return (
        tuple(people.values_list("id_number", "name", "gender", "birth_date", "political_status", "party_joined_on")),
        tuple(
            sorted(
                (p.person.id_number, p.post, p.group.number if p.group else None, p.start_on, p.end_on) for p in posts
            )
        ),
    )


def in_savepoint(run: Any, *args: Any) -> Verdict:
    """Run one path and roll everything it wrote back; (steps, state written when every step was accepted)."""
    with transaction.atomic():
        cache.clear()  # API throttle counters
        outcome = Outcome()
        run(outcome, *args)
        accepted = all(step == ACCEPTED for step in outcome.steps)
        state = roster_state(args[1].village) if accepted else None
        transaction.set_rollback(True)
    return tuple(outcome.steps), state


def form_errors(response: Any) -> tuple[tuple[str, str], ...]:
    if response.status_code == 302:
        return ()
    assert response.status_code == 200, response.status_code
    return refused(response.context["form"].errors, FORM_FIELDS)


def api_errors(response: Any) -> tuple[tuple[str, str], ...]:
    if response.status_code in (200, 201):
        return ()
    assert response.status_code == 400, (response.status_code, response.content)
    return refused(response.json(), API_FIELDS)


def iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# ---- the paths --------------------------------------------------------------------------------------------------


def form_path(outcome: Outcome, case: Any, s: Start) -> None:
    if isinstance(case, NewPerson):
        data = {
            "name": case.name,
            "id_number": case.id_number,
            "gender": case.gender or "",
            "birth_date": iso(case.birth_date),
            "ethnicity": "汉族",
            "political_status": case.political_status,
            "party_joined_on": iso(case.party_joined_on),
            "education": "high_school",
            "health": "healthy",
            "able_to_serve": "on",
            "home_village": s.village.pk,
        }
        if outcome.step(form_errors(s.form.post(reverse("villages:person_new"), data))) and case.post:
            person = Person.objects.get(id_number=idcard.parse(case.id_number).number)
            outcome.step(form_post_add(s, person, case.post))
    elif isinstance(case, Appointments):
        for key, post, group in case.entries:
            outcome.step(form_post_add(s, s.people[key], PostSpec(post, group, case.start_on)))
    elif isinstance(case, PostEnd):
        assignment = s.posts[case.post_key]
        data = {"end_on": iso(case.end_on), "end_reason": "调任", "version": assignment.version}
        outcome.step(form_errors(s.form.post(reverse("villages:post_end", args=[assignment.pk]), data)))
    else:
        person = s.people[case.person_key]
        data = {
            "name": person.name,
            "id_number": person.id_number,
            "gender": case.gender or "",
            "birth_date": iso(case.birth_date),
            "ethnicity": person.ethnicity,
            "political_status": case.political_status or person.political_status,
            "party_joined_on": iso(
                person.party_joined_on if case.party_joined_on == UNCHANGED else case.party_joined_on
            ),
            "education": person.education,
            "health": person.health,
            "able_to_serve": "on",
            "home_village": s.village.pk,
            "version": person.version,
        }
        outcome.step(form_errors(s.form.post(reverse("villages:person_edit", args=[person.pk]), data)))


def form_post_add(s: Start, person: Person, spec: PostSpec) -> tuple[tuple[str, str], ...]:
    data = {
        "person": person.pk,
        "post": spec.post,
        "group": s.groups.get(spec.group, "") if spec.group else "",
        "how": "elected",
        "start_on": iso(spec.start_on),
        "term": "",
    }
    return form_errors(s.form.post(reverse("villages:post_add", args=[s.village.code]), data))


def api_path(outcome: Outcome, case: Any, s: Start) -> None:
    if isinstance(case, NewPerson):
        body: dict[str, Any] = {
            "name": case.name,
            "village": s.village.code,
            "id_number": case.id_number,
            "political_status": case.political_status,
            "party_joined_on": iso(case.party_joined_on) or None,
            "education": "high_school",
        }
        body |= {"gender": case.gender} if case.gender else {}
        body |= {"birth_date": iso(case.birth_date)} if case.birth_date else {}
        response = s.api.post("/api/v1/people/", body, format="json")
        if outcome.step(api_errors(response)) and case.post:
            outcome.step(api_post_add(s, response.json()["id"], case.post))
    elif isinstance(case, Appointments):
        for key, post, group in case.entries:
            outcome.step(api_post_add(s, s.people[key].pk, PostSpec(post, group, case.start_on)))
    elif isinstance(case, PostEnd):
        assignment = s.posts[case.post_key]
        body = {"end_on": iso(case.end_on), "end_reason": "调任", "version": assignment.version}
        outcome.step(api_errors(s.api.patch(f"/api/v1/posts/{assignment.pk}/", body, format="json")))
    else:
        person = s.people[case.person_key]
        body = {"version": person.version}
        body |= {"political_status": case.political_status} if case.political_status else {}
        body |= {} if case.party_joined_on == UNCHANGED else {"party_joined_on": iso(case.party_joined_on) or None}
        body |= {"gender": case.gender} if case.gender else {}
        body |= {"birth_date": iso(case.birth_date)} if case.birth_date else {}
        outcome.step(api_errors(s.api.patch(f"/api/v1/people/{person.pk}/", body, format="json")))


def api_post_add(s: Start, person_id: int, spec: PostSpec) -> tuple[tuple[str, str], ...]:
    body = {"person": person_id, "village": s.village.code, "post": spec.post, "start_on": iso(spec.start_on)}
    body |= {"group_number": spec.group} if spec.group else {}
    return api_errors(s.api.post("/api/v1/posts/", body, format="json"))


def workbook_row(s: Start, case: Any) -> list[dict[str, Any]]:
    label = PoliticalStatus
    if isinstance(case, NewPerson):
        row: dict[str, Any] = {
            "村名称": s.village.name,
            "姓名": case.name,
            "公民身份号码": case.id_number,
            "学历": "高中",
        }
        row |= {"性别": Gender(case.gender).label} if case.gender else {}
        row |= {"出生年月": case.birth_date} if case.birth_date else {}
        row |= {"政治面貌": label(case.political_status).label, "入党时间": case.party_joined_on}
        if case.post:
            row |= {"职务": Post(case.post.post).label, "任职时间": case.post.start_on, "所在社": case.post.group}
        return [row]
    if isinstance(case, Appointments):
        rows: list[dict[str, Any]] = []
        for key, post, group in case.entries:
            person = s.people[key]
            row = {"村名称": s.village.name, "姓名": person.name, "公民身份号码": person.id_number}
            rows.append(row | {"职务": Post(post).label, "任职时间": case.start_on, "所在社": group})
        return rows
    person = s.people[case.person_key]
    row = {"村名称": s.village.name, "姓名": person.name, "公民身份号码": person.id_number}
    row |= {"政治面貌": label(case.political_status).label} if case.political_status else {}
    row |= {} if case.party_joined_on == UNCHANGED else {"入党时间": case.party_joined_on}
    row |= {"性别": Gender(case.gender).label} if case.gender else {}
    row |= {"出生年月": case.birth_date} if case.birth_date else {}
    return [row]


def workbook_path(outcome: Outcome, case: Any, s: Start) -> None:
    rows = workbook_row(s, case)
    headers = [column.header for column in COLUMNS if any(column.header in row for row in rows)]
    sheet = read_roster(io.BytesIO(build(rows, headers=headers)), today=TODAY)
    plan = plan_import(sheet=sheet, township=s.village.township, user=s.user, today=TODAY)
    assert not sheet.problems, sheet.problems
    problems: dict[int, list[tuple[str, str]]] = {}
    for problem in plan.problems:
        problems.setdefault(problem.row, []).append((WORKBOOK_FIELDS[problem.column], problem.message))
    for row_plan in plan.rows:
        found = problems.get(row_plan.number, [])
        if isinstance(case, NewPerson):  # one row, two steps: who the person is, then their post
            if outcome.step(tuple(sorted(p for p in found if p[0] not in POST_STEP_FIELDS))) and case.post:
                outcome.step(tuple(sorted(p for p in found if p[0] in POST_STEP_FIELDS)))
        else:
            outcome.step(tuple(sorted(found)))
    if plan.is_valid:
        apply_import(plan)


def election_path(outcome: Outcome, case: Appointments, s: Start) -> None:
    election = f.ElectionFactory.create(village=s.village, held_on=case.start_on, term="")
    # The other paths do not review candidates; the election's own gate (未经联审不得任职) is tested in
    # tests/test_reviews_enforcement.py, so here every winner has passed this round's review.
    reviewed(*{s.people[key] for key, _, _ in case.entries}, on=case.start_on)
    rows = [
        ResultRow(s.people[key], post, group_number=group, number=n)
        for n, (key, post, group) in enumerate(case.entries, 1)
    ]
    try:
        record_results(election=election, rows=rows, by=s.user)
        errors = []
    except ResultsRefused as refusal:
        errors = refusal.errors
    assert all(error.row for error in errors), errors
    for number in range(1, len(rows) + 1):
        mine: dict[str, list[str]] = {error.field: [] for error in errors if error.row == number}
        for error in errors:
            if error.row == number:
                mine[error.field].append(error.message)
        outcome.step(refused(mine, ELECTION_FIELDS))


# ---- which paths a case applies to ------------------------------------------------------------------------------


def _form_can_name(group: int | None, s: Start) -> bool:
    return group is None or group in s.groups


def _held_on(post: str, group: int | None, on: dt.date) -> bool:
    """A starting assignment of this seat (社长: of this 社; other posts: any holder) is current on `on`."""
    for _, held_post, held_group, start_on, end_on in POSTS.values():
        current = (start_on is None or start_on <= on) and (end_on is None or end_on > on)
        if current and held_post == post and (post != Post.GROUP_LEADER or held_group == group):
            return True
    return False


def _holds(person_key: str, post: str) -> bool:
    """The person holds this post in the village in the starting data (no end date)."""
    return any(holder == person_key and held == post and end is None for holder, held, _, _, end in POSTS.values())


def paths_for(case: Any, s: Start) -> dict[str, Any]:
    paths = {"form": form_path, "api": api_path, "workbook": workbook_path, "election": election_path}
    if isinstance(case, NewPerson):
        del paths["election"]
        if case.post and not _form_can_name(case.post.group, s):
            del paths["form"]
    elif isinstance(case, Appointments):
        if not all(_form_can_name(group, s) for _, _, group in case.entries):
            del paths["form"]
        if any(_holds(key, post) for key, post, _ in case.entries):
            del paths["workbook"]
        if any(post == Post.FIRST_SECRETARY or _held_on(post, group, case.start_on) for _, post, group in case.entries):
            del paths["election"]
    elif isinstance(case, PostEnd):
        del paths["workbook"], paths["election"]
    else:
        del paths["election"]
    return paths


# ---- the test ---------------------------------------------------------------------------------------------------


@settings(
    max_examples=int(os.environ.get("ROSTER_DIFF_EXAMPLES", "300")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases)
def test_every_entry_path_gives_the_same_verdict(start: Start, case: Any) -> None:
    verdicts = {name: in_savepoint(run, case, start) for name, run in paths_for(case, start).items()}
    steps = {name: verdict[0] for name, verdict in verdicts.items()}
    event(f"{type(case).__name__} through {', '.join(verdicts)}")  # --hypothesis-show-statistics
    for step in next(iter(steps.values())):
        event("accepted" if step == ACCEPTED else "refused: " + ", ".join(sorted({name for name, _ in step})))
    states = {name: verdict[1] for name, verdict in verdicts.items() if verdict[1] is not None}
    shown = "\n".join(f"  {name}: {verdict}" for name, verdict in steps.items())
    assert len(set(steps.values())) == 1, f"the entry paths disagree on {case}:\n{shown}"
    assert len(set(states.values())) <= 1, f"the entry paths wrote different rosters for {case}:\n" + "\n".join(
        f"  {name}: {state}" for name, state in states.items()
    )
