"""IDOR sweep: township B's secretary asks for township A's objects through every page and API route → 404.

URLs are discovered, not listed: every named pattern of the `villages`, `reserves` and `reports` namespaces and
every route of the API router. Each URL argument is filled with township A's objects (people, posts, reserves,
risks, elections, slates, report and import jobs, each with a distinct id so no id can hit another model's row).
A URL that no object of township A reaches (secretary A gets 404 everywhere) fails the sweep, so a new page or
endpoint must either be reachable by the fixture below or be named in COUNTY_LEVEL with the reason.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from backend.api_urls import router
from reserves.models import Election, Filing, MidTermChange, NegativeRecord, PostElectionTask, Reserve, Review, Slate
from tasks.models import ImportJob, JobStatus, ReportJob
from tests import factories as f
from villages.models import Person, PostAssignment, Relative, Risk

pytestmark = pytest.mark.django_db
NAMESPACES = ("villages", "reserves", "reports")
SECRET_NAME = "甲乡秘密人"
# Pages whose object is the county (or a county-level class): a township secretary of the same county may see
# them by design (docs/architecture.md), so they are not township IDOR targets.
COUNTY_LEVEL = {
    "villages:county": "a county page; both townships belong to the county",
    "dashboards:dashboard_county": "a county dashboard",
    "reserves:class": "training classes belong to the county",
    "reserves:class_edit": "training classes belong to the county",
    "reserves:class_enrol": "training classes belong to the county",
    "reserves:enrollment_status": "training classes belong to the county",
    "reports:download_zip": "only township batches have a zip; covered by reports:download on the same jobs",
    "reserves:county_progress": "a county's 换届进度; rows are the viewer's own scoped villages",
    "reserves:county_aftercare": "a county's 换届后续工作; rows are the viewer's own scoped villages",
    "reserves:county_mid_term": "a county's 届中调整 counts; rows are the viewer's own scoped villages",
    **{
        f"villages:{name}": "accounts: no township secretary reaches any (404, tests/test_accounts_pages.py)"
        for name in ("user", "user_scope", "user_active", "user_password")
    },
}
API_COUNTY_LEVEL = {"city", "county", "class"}  # above the township: both townships share them


@dataclass
class TownshipA:
    """Township A's objects by the URL argument that names them."""

    codes: list[str]
    pks: list[int]
    by_model: dict[type[models.Model], list[models.Model]]


@pytest.fixture
def township_a(world, secretary_a, tmp_path, settings) -> TownshipA:
    settings.MEDIA_ROOT = tmp_path
    next_pk = itertools.count(970001)
    village = world.village_a
    person = f.PersonFactory.create(id=next(next_pk), home_village=village, name=SECRET_NAME)
    post = f.PostAssignmentFactory.create(id=next(next_pk), person=person, village=village, post="party_secretary")
    reserve = f.ReserveFactory.create(
        id=next(next_pk), person=f.PersonFactory.create(id=next(next_pk), home_village=village)
    )
    risk = Risk.objects.create(
        id=next(next_pk), village=village, person=person, kind="high_age", severity="red", detail="年龄高"
    )
    risk.attachment.save("整改报告.pdf", ContentFile(b"%PDF-1.7 secret"))  # the attachment download is a target too
    election = f.ElectionFactory.create(id=next(next_pk), village=village)
    slate = Slate.objects.create(
        id=next(next_pk), village=village, name="方案一", election_on=election.held_on, created_by=secretary_a
    )
    report = ReportJob.objects.create(
        id=next(next_pk), kind="village", scope=village.code, status=JobStatus.DONE, created_by=secretary_a
    )
    report.file.save("village.pdf", ContentFile(b"%PDF-1.7 secret"))
    import_job = ImportJob.objects.create(
        id=next(next_pk),
        township_code=world.township_a.code,
        file=ContentFile(b"x", name="roster.xlsx"),
        original_name="roster.xlsx",
        created_by=secretary_a,
    )
    review = Review.objects.create(
        id=next(next_pk), person=person, village=village, purpose="election", cycle="2026",
        opened_on=election.held_on, opened_by=secretary_a,
    )  # fmt: skip
    record = NegativeRecord.objects.create(
        id=next(next_pk), person=person, county=world.county, item_code="2", source_department="法院",
        occurred_on=election.held_on, document_number="文1", recorded_by=secretary_a,
    )  # fmt: skip
    deleted = f.PersonFactory.create(id=next(next_pk), home_village=village)
    deleted.soft_delete(by=secretary_a)
    assessment = f.AssessmentFactory.create(id=next(next_pk), person=person)
    filing = Filing.objects.create(
        id=next(next_pk), kind="post", occasion="election", village=village, post=post, election=election,
        due_on=election.held_on,
    )  # fmt: skip
    task = PostElectionTask.objects.create(id=next(next_pk), election=election, village=village, step="handover")
    change = MidTermChange.objects.create(
        id=next(next_pk), village=village, post="committee_member", cycle="2021—2026", reason="resigned",
        vacated_on=election.held_on,
    )  # fmt: skip
    relative = Relative.objects.create(id=next(next_pk), person=person, relation="spouse", relative_name="某某")
    objects: list[models.Model] = [
        person,
        post,
        reserve,
        reserve.person,
        risk,
        election,
        slate,
        report,
        import_job,
        deleted,
        assessment,
        filing,
        task,
        change,
        relative,
        review,
        record,
    ]
    talent = f.TalentFactory.create(
        id=next(next_pk), person=f.PersonFactory.create(id=next(next_pk), home_village=village)
    )
    programme = f.EducationProgrammeFactory.create(id=next(next_pk), person=reserve.person)
    objects += [talent, talent.person, programme]
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj)
    codes = [village.code, world.township_a.code, world.village_other_county.code, world.other_county.code]
    return TownshipA(codes=codes, pks=[o.pk for o in objects], by_model=by_model)


def page_patterns() -> list[tuple[str, URLPattern]]:
    """(namespace:name, pattern) for every named URL of the product's page namespaces."""
    found = []

    def walk(patterns, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif namespace in NAMESPACES and p.name:
                found.append((f"{namespace}:{p.name}", p))

    walk(get_resolver().url_patterns, None)
    return found


def argument_values(pattern: URLPattern, objects: TownshipA) -> list[dict[str, object]]:
    candidates: dict[str, list[Any]] = {
        "code": objects.codes,
        "pk": objects.pks,
        "programme_pk": objects.pks,
        "level": ["village", "township", "county", "city"],
        "step": ["cancel"],
    }
    names = list(pattern.pattern.converters)
    missing = [n for n in names if n not in candidates]
    assert not missing, f"{pattern.name}: teach the IDOR sweep what {missing} name"
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(candidates[n] for n in names))]


def status(client: Client, method: str, url: str) -> int:
    return getattr(client, method)(url).status_code


def test_every_page_of_township_a_answers_404_to_township_b(client_a, client_b, township_a):
    checked, problems = 0, []
    for name, pattern in page_patterns():
        if not pattern.pattern.converters:
            continue
        reached = []
        for kwargs in argument_values(pattern, township_a):
            url = reverse(name, kwargs=kwargs)
            if status(client_a, "get", url) != 404:
                reached.append(url)
        if not reached:
            if name not in COUNTY_LEVEL:
                problems.append(f"{name}: no object of township A reaches it; add one to the township_a fixture")
            continue
        for url in reached:
            for method in ("get", "post"):
                code = status(client_b, method, url)
                checked += 1
                if code not in (404, 405):
                    problems.append(f"{method.upper()} {url} ({name}) → {code} for township B, expected 404")
    assert not problems, "\n".join(problems)
    assert checked > 40


def api_model(viewset) -> type[models.Model]:
    queryset = getattr(viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    return viewset.serializer_class.Meta.model


def nested(prefix: str) -> bool:
    """A route under another object (`reserves/{id}/talks/`): its URL names the parent, not the row."""
    return "(?P<" in prefix


def api_routes():
    for prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            allowed = set(viewset.http_method_names)
            mapping = {m: a for m, a in route.mapping.items() if hasattr(viewset, a) and m in allowed}
            if mapping:
                yield prefix, viewset, basename, route, mapping


def api_detail_urls(
    objects: TownshipA, *, codes: list[str], skip: frozenset[str] = frozenset()
) -> Iterator[tuple[str, list[str], dict[str, str]]]:
    """Each detail route (not nested, not in `skip`) with the URLs of township A's objects: by id, or by code
    among `codes`."""
    for prefix, viewset, basename, route, mapping in api_routes():
        if not route.detail or basename in skip or nested(prefix):
            continue
        lookup = viewset.lookup_field
        kwarg = viewset.lookup_url_kwarg or lookup
        model = api_model(viewset)
        if lookup == "pk":
            targets = [getattr(o, lookup) for o in objects.by_model.get(model, [])]
        else:
            targets = [c for c in codes if model._default_manager.filter(**{lookup: c}).exists()]
        name = route.name.format(basename=basename)
        yield name, [reverse(name, kwargs={kwarg: value}) for value in targets], mapping


def api_refusals(
    client: Client, name: str, urls: list[str], mapping: dict[str, str], who: str
) -> tuple[int, list[str]]:
    """Each URL asked with each of its methods by `client`: the problems where the answer is not 404."""
    problems = []
    for url in urls:
        for method in mapping:
            code = getattr(client, method)(url, content_type="application/json", data={}).status_code
            if code != 404:
                problems.append(f"{method.upper()} {url} ({name}) → {code} for {who}, expected 404")
    return len(urls) * len(mapping), problems


def test_every_api_resource_of_township_a_answers_404_to_township_b(client_a, client_b, township_a, world):
    checked, problems = 0, []
    for name, urls, mapping in api_detail_urls(
        township_a, codes=township_a.codes[:2], skip=frozenset(API_COUNTY_LEVEL)
    ):
        reached = [u for u in urls if client_a.get(u).status_code not in (404,)]
        if not reached:
            problems.append(f"{name}: no object of township A reaches it; add one to the township_a fixture")
            continue
        asked, refused = api_refusals(client_b, name, reached, mapping, "township B")
        checked, problems = checked + asked, problems + refused
    assert not problems, "\n".join(problems)
    assert checked > 15


def test_api_lists_never_show_township_a_to_township_b(client_b, township_a, world):
    problems = []
    for prefix, viewset, basename, route, _mapping in api_routes():
        if route.detail or basename in API_COUNTY_LEVEL or "get" not in route.mapping or nested(prefix):
            continue
        model = api_model(viewset)
        lookup = viewset.lookup_field
        secret = {str(getattr(o, lookup)) for o in township_a.by_model.get(model, [])}
        if model.__name__ in {"Village", "Township"}:
            secret = set(township_a.codes[:2])
        url = reverse(route.name.format(basename=basename))
        for params in ({}, {"village": world.village_a.code}, {"township": world.township_a.code}):
            response = client_b.get(url, params)
            if response.status_code in (400, 403):  # a bad filter, or a list the role may not read at all
                continue
            rows = response.json()["results"]
            leaked = secret & {str(row.get(lookup)) for row in rows}
            if leaked or SECRET_NAME in response.content.decode():
                problems.append(f"GET {url} {params} shows township A's {sorted(leaked) or SECRET_NAME}")
    assert not problems, "\n".join(problems)


def test_nested_api_routes_of_township_a_answer_404_to_township_b(client_a, client_b, township_a):
    """`reserves/{id}/mentors/`, `…/talks/`, `…/placements/`: township A's reserve, asked by township B → 404."""
    checked, problems = 0, []
    reserve = township_a.by_model[Reserve][0]
    for prefix, _viewset, basename, route, mapping in api_routes():
        if not nested(prefix):
            continue
        assert prefix.startswith("reserves/"), f"{prefix}: teach the IDOR sweep which parent this route names"
        url = reverse(route.name.format(basename=basename), kwargs={"id": reserve.pk})
        if client_a.get(url).status_code != 200:
            problems.append(f"{url}: township A's own reserve does not reach it")
            continue
        for method in mapping:
            code = getattr(client_b, method)(url, content_type="application/json", data={}).status_code
            checked += 1
            if code != 404:
                problems.append(f"{method.upper()} {url} → {code} for township B, expected 404")
    assert not problems, "\n".join(problems)
    assert checked >= 6


def test_creating_a_report_for_township_a_is_404_for_township_b(client_b, township_a, world):
    response = client_b.post(
        "/api/v1/reports/", {"kind": "village", "scope": world.village_a.code}, content_type="application/json"
    )
    assert response.status_code == 404
    assert not ReportJob.objects.filter(created_by__username="sec_b").exists()


def page_text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(
            io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
        )
        return " ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c)
    if response.get("Content-Type", "").startswith("text/html"):
        return response.content.decode()
    return ""


def test_list_pages_never_show_township_a_to_township_b(client_b, township_a, world):
    """Every page without URL arguments, also asked with township A's codes as filters."""
    problems = []
    for name, pattern in page_patterns():
        if pattern.pattern.converters:
            continue
        url = reverse(name)
        for params in ({}, {"village": world.village_a.code, "township": world.township_a.code}):
            response = client_b.get(url, params)
            if response.status_code == 200 and SECRET_NAME in page_text(response):
                problems.append(f"GET {url} {params} shows township A's person")
    assert not problems, "\n".join(problems)


def test_the_sweep_sees_township_a_from_township_a(client_a, township_a):
    """The fixture is real: township A's secretary does reach the person and the report file."""
    person = township_a.by_model[Person][0]
    assert client_a.get(reverse("villages:person", args=[person.pk])).status_code == 200
    assert re.search(SECRET_NAME, client_a.get(reverse("villages:people")).content.decode())
    post = township_a.by_model[PostAssignment][0]
    assert client_a.get(f"/api/v1/posts/{post.pk}/").status_code == 200
    assert Election.objects.filter(village__township__code=township_a.codes[1]).exists()


# ---- the same sweeps between cities: 巴中市's admin reaches township A, the admin of 成都市 must not ----


def test_every_page_the_city_admin_reaches_answers_404_to_another_citys_admin(
    client_city, client_outsider, township_a, world
):
    checked, problems = 0, []
    candidates = dataclasses.replace(township_a, codes=[*township_a.codes, world.county.code, world.county.city.code])
    for name, pattern in page_patterns():
        if not pattern.pattern.converters:
            continue
        for kwargs in argument_values(pattern, candidates):
            url = reverse(name, kwargs=kwargs)
            if status(client_city, "get", url) == 404:
                continue
            for method in ("get", "post"):
                code = status(client_outsider, method, url)
                checked += 1
                if code not in (404, 405):
                    problems.append(f"{method.upper()} {url} ({name}) → {code} for another city's admin, expected 404")
    assert not problems, "\n".join(problems)
    assert checked > 60


def test_every_api_resource_the_city_admin_reaches_answers_404_to_another_citys_admin(
    client_city, client_outsider, township_a, world
):
    checked, problems = 0, []
    codes = [*township_a.codes, world.county.code, world.county.city.code]
    for name, urls, mapping in api_detail_urls(township_a, codes=codes):
        reached = [u for u in urls if client_city.get(u).status_code != 404]
        asked, refused = api_refusals(client_outsider, name, reached, mapping, "another city's admin")
        checked, problems = checked + asked, problems + refused
    assert not problems, "\n".join(problems)
    assert checked > 20


def test_list_pages_and_api_lists_never_show_one_city_to_another(client_outsider, township_a, world):
    problems = []
    for name, pattern in page_patterns():
        if pattern.pattern.converters:
            continue
        url = reverse(name)
        for params in ({}, {"city": world.county.city.code, "county": world.county.code}):
            response = client_outsider.get(url, params)
            if response.status_code == 200 and SECRET_NAME in page_text(response):
                problems.append(f"GET {url} {params} shows 巴中市's person")
    for _prefix, _viewset, basename, route, _mapping in api_routes():
        if route.detail or "get" not in route.mapping or nested(_prefix):
            continue
        url = reverse(route.name.format(basename=basename))
        response = client_outsider.get(url, {"city": world.county.city.code})
        text = response.content.decode()
        if response.status_code == 200 and (SECRET_NAME in text or any(c in text for c in township_a.codes)):
            problems.append(f"GET {url}?city= shows 巴中市's rows")
    assert not problems, "\n".join(problems)
