"""A client generated from the live schema works: `manage.py spectacular --file` writes the schema,
openapi-python-client (pinned in requirements-dev.txt) generates a Python package from it into a temporary
directory, offline and untouched, and one scripted working day runs through that package against a live server.

The day: tokens; the county creates a village with its 社; the township enters people and posts and a reserve; the
county runs a class and completes a trainee; the township records the election; a village report is requested
and its PDF downloaded; the class outcomes and the reserve read back. A refusal (400) comes back through the
client too. Any generator warning fails the test: the schema must be clean enough to generate every operation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import pkgutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote

import pytest
from django.utils import timezone

from tests import factories as f
from tests import live_stack
from tests.review_support import reviewed
from villages import idcard
from villages.models import Person

pytestmark = pytest.mark.client

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "village_api_client"
PASSWORD = "test-pass-2026!"
# Generation runs offline; no formatter hooks (the generated code is used as generated, never edited).
GENERATOR_CONFIG = f"""\
project_name_override: village-api-client
package_name_override: {PACKAGE}
post_hooks: []
content_type_overrides:
  application/pdf: application/octet-stream
"""


def _run(*args: str, cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[ModuleType]:
    """The generated package, imported from a temporary directory."""
    work = tmp_path_factory.mktemp("generated_client")
    schema, config = work / "schema.yaml", work / "config.yaml"
    config.write_text(GENERATOR_CONFIG, encoding="utf-8")
    _run(sys.executable, "manage.py", "spectacular", "--file", str(schema), "--validate", "--fail-on-warn", cwd=ROOT)
    generator = str(live_stack.BIN / "openapi-python-client")
    output = _run(
        generator, "generate", "--path", str(schema), "--output-path", str(work / "client"), "--config", str(config),
        cwd=work,
    )  # fmt: skip
    assert "Warning" not in output, f"openapi-python-client could not generate every part of the schema:\n{output}"
    sys.path.insert(0, str(work / "client"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work / "client"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_every_generated_module_imports(api):
    """The NameError: Unset of old came from request bodies offered as JSON, form and multipart at once: the
    generator typed them as a union of one model thrice plus Unset and forgot the import. JSON-only bodies fixed it;
    this keeps every operation importable."""
    modules = [m.name for m in pkgutil.walk_packages(api.__path__, f"{PACKAGE}.")]
    assert len(modules) > 100
    for name in modules:
        importlib.import_module(name)


def _import(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def people(transactional_db, settings, tmp_path):
    """A county and a township with two users, reports rendered in the request, files in a temporary folder."""
    settings.REPORT_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"
    county = f.CountyFactory(code="511902", name="巴州区")
    township = f.TownshipFactory(county=county, code="511902100", name="凌云乡")
    f.CountyStaffFactory(username="county_api", county=county, password=PASSWORD)
    f.TownshipSecretaryFactory(username="township_api", township=township, password=PASSWORD)
    return township


def _token_client(api: ModuleType, base_url: str, username: str):
    auth = _import("api.auth.auth_token_create")
    models = _import("models")
    answer = auth.sync(client=api.Client(base_url=base_url), body=models.AuthTokenRequest(username, PASSWORD))
    assert answer is not None and answer.token
    return api.AuthenticatedClient(
        base_url=base_url, token=answer.token, prefix="Token", raise_on_unexpected_status=True
    )


def _person(models: ModuleType, name: str, birth: dt.date, gender: str, seq: int, **fields):
    number = f.make_id_number(birth, gender=gender, seq=seq)
    return models.PersonCreateRequest(
        name=name, village="511902100401", id_number=number, education=models.EducationEnum.ASSOCIATE, **fields
    )


def test_a_scripted_day_through_the_generated_client(api, people, live_server):
    models = _import("models")
    today = timezone.localdate()
    county = _token_client(api, live_server.url, "county_api")
    township = _token_client(api, live_server.url, "township_api")

    # The county creates a village with its 社.
    villages_create = _import("api.villages.villages_create")
    village = villages_create.sync(
        client=county,
        body=models.VillageCreateRequest(
            code="511902100401",
            name="青杠坪村",
            township="511902100",
            groups=[models.GroupRequest(number=1, name="一社"), models.GroupRequest(number=2)],
            election_date=today + dt.timedelta(days=60),
        ),
    )
    assert [(g.number, g.name) for g in village.groups] == [(1, "一社"), (2, "")]

    # The township enters people and their posts.
    people_create = _import("api.people.people_create")
    secretary = people_create.sync(
        client=township,
        body=_person(
            models, "苟明", dt.date(1975, 3, 8), "male", 1,
            political_status=models.PoliticalStatusEnum.CPC_MEMBER, party_joined_on=dt.date(2001, 7, 1),
        ),
    )  # fmt: skip
    young = people_create.sync(client=township, body=_person(models, "李芳", dt.date(1996, 5, 4), "female", 2))
    leader = people_create.sync(client=township, body=_person(models, "王发", dt.date(1968, 9, 9), "male", 3))
    assert young.id_number_masked == idcard.mask(f.make_id_number(dt.date(1996, 5, 4), gender="female", seq=2))
    posts_create = _import("api.posts.posts_create")
    posts_create.sync(
        client=township,
        body=models.PostCreateRequest(
            person=secretary.id,
            village=village.code,
            post=models.PostEnum.PARTY_SECRETARY,
            start_on=dt.date(2021, 3, 1),
        ),
    )
    group_leader = posts_create.sync(
        client=township,
        body=models.PostCreateRequest(
            person=leader.id, village=village.code, post=models.PostEnum.GROUP_LEADER, group_number=2
        ),
    )
    assert group_leader.group_number == 2 and group_leader.organ == models.OrganEnum.GROUP

    # A reserve: eligible; an ineligible one is refused with the rule named, through the client.
    reserves_create = _import("api.reserves.reserves_create")
    reserve = reserves_create.sync(
        client=township,
        body=models.ReserveCreateRequest(
            person=young.id,
            village=village.code,
            target_post=models.ReserveTargetPostEnum.DIRECTOR,
            readiness=models.ReadinessEnum.WITHIN_TERM,
            added_on=today - dt.timedelta(days=200),
        ),
    )
    assert reserve.status == models.ReserveStatusEnum.ACTIVE
    refused = reserves_create.sync_detailed(
        client=township,
        body=models.ReserveCreateRequest(
            person=leader.id,
            village=village.code,
            target_post=models.ReserveTargetPostEnum.DIRECTOR,
            readiness=models.ReadinessEnum.NEEDS_DEVELOPMENT,
            added_on=today,
        ),
    )
    assert refused.status_code == 400 and "超过放宽年龄上限" in refused.parsed["override_reason"][0]

    # The county runs a class; the young reserve enrols and completes it.
    training_class = _import("api.classes.classes_create").sync(
        client=county,
        body=models.TrainingClassRequest(
            name="村级后备干部中期班",
            institution="县委党校",
            level=models.LevelEnum.MID_TERM,
            county="511902",
            starts_on=today - dt.timedelta(days=150),
            ends_on=today - dt.timedelta(days=30),
        ),
    )
    enrolment = _import("api.classes.classes_enrollments_create").sync(
        training_class.id, client=county, body=models.EnrollmentCreateRequest(person=young.id)
    )
    completed = _import("api.classes.classes_enrollments_partial_update").sync(
        training_class.id,
        enrolment.id,
        client=county,
        body=models.PatchedEnrollmentRequest(status=models.EnrollmentStatusEnum.COMPLETED),
    )
    assert completed.status == models.EnrollmentStatusEnum.COMPLETED and completed.completed_on == today - dt.timedelta(
        days=30
    )

    # 未经联审不得任职: her 资格联审 for the election passed (entered directly, the reviews API has its own tests).
    reviewed(Person.objects.get(pk=young.id), on=today - dt.timedelta(days=7))
    # The township records the election: the reserve becomes 村委会主任.
    election = _import("api.elections.elections_create").sync(
        client=township,
        body=models.ElectionRequest(village=village.code, held_on=today - dt.timedelta(days=7), term="第十二届"),
    )
    summary = _import("api.elections.elections_results_create").sync(
        election.id,
        client=township,
        body=models.RecordResultsRequest(
            rows=[models.ResultRowRequest(person=young.id, post=models.PostEnum.DIRECTOR, votes=612)]
        ),
    )
    assert (summary.results, summary.reserves_appointed, summary.trainees_elected) == (1, 1, 1)

    # A village report, requested, followed and downloaded with the token.
    reports = _import("api.reports")
    job = importlib.import_module(f"{reports.__name__}.reports_create").sync(
        client=township, body=models.ReportRequestRequest(kind=models.KindEnum.VILLAGE, scope=village.code)
    )
    assert job.as_of == today + dt.timedelta(days=60)  # the village's coming election
    retrieve = importlib.import_module(f"{reports.__name__}.reports_retrieve")
    deadline = time.monotonic() + 60
    while (job := retrieve.sync(job.id, client=township)).status != models.ReportJobStatusEnum.DONE:
        assert job.status != models.ReportJobStatusEnum.FAILED and time.monotonic() < deadline, job.error
        time.sleep(0.5)
    download = importlib.import_module(f"{reports.__name__}.reports_file_retrieve").sync_detailed(
        job.id, client=township
    )
    pdf = download.content
    assert download.status_code == 200 and pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == job.sha256
    disposition = unquote(download.headers["content-disposition"])
    assert f"凌云乡-青杠坪村-换届前村情报告-{job.as_of:%Y-%m-%d}.pdf" in disposition

    # The outcomes: one completed, one in the committee; the reserve is appointed.
    outcomes = _import("api.classes.classes_outcomes_retrieve").sync(training_class.id, client=county)
    assert (outcomes.completed, outcomes.entered_committee, outcomes.rate_display) == (1, 1, "100.0%")
    assert outcomes.by_post["director"] == 1
    reserve = _import("api.reserves.reserves_retrieve").sync(reserve.id, client=township)
    assert reserve.status == models.ReserveStatusEnum.APPOINTED
