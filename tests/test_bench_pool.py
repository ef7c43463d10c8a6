"""Pool figures (reserves/pool.py) as offices publish them, and the pool pages' scoping and query counts."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reserves.cycles import election_cycle
from reserves.models import Reserve
from reserves.outcomes import Rate
from reserves.pool import pool_figures
from reserves.talents import promote_talent
from tasks.reports import jobs
from tests import factories as f
from villages.choices import Education, Gender, Post
from villages.models import Village

TODAY = timezone.localdate()


def young(village: Village, **kwargs):
    defaults = {"birth_date": dt.date(TODAY.year - 30, 1, 1), "education": Education.HIGH_SCHOOL}
    return f.PersonFactory.create(home_village=village, **{**defaults, **kwargs})


def test_pool_structure_counts_each_person_once_with_numerator_and_denominator(world):
    village = world.village_a
    both = young(village, gender=Gender.FEMALE, education=Education.ASSOCIATE, source_categories=["veteran"])
    f.ReserveFactory.create(person=both, target_post=Post.PARTY_SECRETARY)
    f.ReserveFactory.create(person=both, target_post=Post.DIRECTOR)  # the same person twice: counted once
    f.ReserveFactory.create(person=young(village, birth_date=dt.date(1980, 1, 1), political_status="cpc_member"))
    f.ReserveFactory.create(person=young(village), status="withdrawn", withdrawn_reason="外出")  # not in the pool
    figures = pool_figures(villages=Village.objects.filter(pk=village.pk), child="village")
    s = figures.structure
    assert (s.reserves, s.young, s.associate_or_above, s.women, s.party) == (2, 1, 1, 1, 1)
    assert s.young_share == Rate(1, 2) and s.young_share.display == "50.0%"
    assert dict((code, rate.numerator) for code, _, rate in s.source_rows) == {"veteran": 1, "": 1}
    assert figures.coverage == Rate(1, 1)
    assert [code for code, _, _ in figures.by_child] == [village.code]


def test_pool_to_committee_conversion_per_cycle(world):
    village = world.village_a
    election = f.ElectionFactory.create(village=village, held_on=dt.date(2025, 11, 20))
    winner, loser = young(village), young(village)
    f.ReserveFactory.create(
        person=winner, added_on=dt.date(2024, 1, 1), status="appointed", status_changed_on=election.held_on
    )
    f.ReserveFactory.create(person=loser, added_on=dt.date(2024, 1, 1))
    f.ReserveFactory.create(person=young(village), added_on=dt.date(2026, 1, 1))  # entered after the election
    election.results.create(person=winner, post=Post.DIRECTOR)
    election.results.create(person=young(village), post=Post.COMMITTEE_MEMBER)  # not a reserve
    [conversion] = pool_figures(villages=Village.objects.all()).conversions
    assert conversion.cycle == election_cycle(election.held_on) == 2026  # the 2025–26 round
    assert conversion.rate == Rate(1, 2)


def test_the_funnel_follows_talents_to_the_secretary_post(world):
    village = world.village_a
    talents = [f.TalentFactory.create(person=young(village, political_status="cpc_member")) for _ in range(3)]
    talents.append(f.TalentFactory.create(person=young(village)))
    for talent in talents[:3]:
        promote_talent(talent=talent, target_post=Post.PARTY_SECRETARY, added_on=TODAY)
    f.PostAssignmentFactory.create(person=talents[0].person, village=village, post=Post.PARTY_SECRETARY, start_on=TODAY)
    f.PostAssignmentFactory.create(
        person=talents[1].person, village=village, post=Post.COMMITTEE_MEMBER, start_on=TODAY
    )
    funnel = {step.label: step for step in pool_figures(villages=Village.objects.all()).funnel}
    assert [funnel[k].count for k in ("人才", "后备", "入党", "两委", "书记")] == [4, 3, 3, 2, 1]
    assert funnel["后备"].conversion == Rate(3, 4) and funnel["书记"].conversion == Rate(1, 2)
    assert funnel["书记"].denominator_label == "两委"


def test_pool_figures_read_a_constant_number_of_queries(world, django_assert_max_num_queries):
    def add(village: Village) -> None:
        talent = f.TalentFactory.create(person=young(village))
        promote_talent(talent=talent, target_post=Post.DIRECTOR, added_on=TODAY)
        f.PostAssignmentFactory.create(person=talent.person, village=village, post=Post.DIRECTOR, start_on=TODAY)
        f.ReserveFactory.create(person=young(village))
        f.ElectionFactory.create(village=village, held_on=dt.date(2021, 3, 1))

    add(world.village_a)
    with django_assert_max_num_queries(10) as captured:
        pool_figures(villages=Village.objects.all(), child="county")
    baseline = len(captured.captured_queries)
    for village in (world.village_b, world.village_other_county):
        add(village)
    with django_assert_max_num_queries(baseline):
        figures = pool_figures(villages=Village.objects.all(), child="county")
    assert figures.structure.reserves == 6 and len(figures.by_child) == 2


def test_pool_pages_are_scoped(world, client_a, client_b, client_county, client_city):
    f.ReserveFactory.create(person=young(world.village_a))
    own = client_a.get(reverse("reserves:pool_home"))
    assert own.status_code == 200 and world.township_a.name.encode() in own.content
    township_a = reverse("reserves:pool", args=["township", world.township_a.code])
    assert client_b.get(township_a).status_code == 404
    assert client_b.get(reverse("reserves:pool_reserves", args=["township", world.township_a.code])).status_code == 404
    assert client_a.get(reverse("reserves:pool", args=["county", world.county.code])).status_code == 200
    other = reverse("reserves:pool", args=["county", world.other_county.code])
    assert client_county.get(other).status_code == 404
    assert client_county.get(reverse("reserves:pool_city")).status_code == 404
    assert client_city.get(reverse("reserves:pool_city")).status_code == 200
    drill = client_county.get(reverse("reserves:pool_reserves", args=["county", world.county.code]) + "?young=on")
    assert drill.status_code == 200 and Reserve.objects.get().person.name.encode() in drill.content


def test_dashboard_pool_card_links_each_number_and_is_scoped(world, client_a, client_b, client_county):
    f.ReserveFactory.create(person=young(world.village_a))
    page = client_a.get(reverse("dashboards:dashboard"))
    card_url = reverse("dashboards:pool_card_township", args=[world.township_a.code])
    assert card_url.encode() in page.content  # the dashboard loads the card after the page
    card = client_a.get(card_url, HTTP_HX_REQUEST="true")
    assert card.status_code == 200 and "后备队伍".encode() in card.content
    reserves_list = reverse("reserves:pool_reserves", args=["township", world.township_a.code])
    assert f'{reserves_list}?young=on"'.encode() in card.content
    assert client_b.get(card_url).status_code == 404
    assert client_county.get(reverse("dashboards:pool_card_county", args=[world.county.code])).status_code == 200


def test_dashboard_pool_card_query_count_is_constant(world, client_county, django_assert_max_num_queries):
    url = reverse("dashboards:pool_card_county", args=[world.county.code])

    def add(village: Village) -> None:
        talent = f.TalentFactory.create(person=young(village))
        promote_talent(talent=talent, target_post=Post.DIRECTOR, added_on=TODAY)
        f.ElectionFactory.create(village=village, held_on=dt.date(2021, 3, 1))

    add(world.village_a)
    with django_assert_max_num_queries(25) as captured:
        assert client_county.get(url).status_code == 200
    baseline = len(captured.captured_queries)
    for _ in range(3):
        add(f.VillageFactory.create(township=world.township_b))
    with django_assert_max_num_queries(baseline):
        assert client_county.get(url).status_code == 200


def test_county_report_has_the_pool_section(
    world, county_staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.REPORT_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"
    f.ReserveFactory.create(person=young(world.village_a, education=Education.ASSOCIATE))
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.create_report_job(user=county_staff, kind="county", scope=world.county.code)
    job.refresh_from_db()
    assert job.status == "done", job.error
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(job.file.read())).pages)
    job.file.close()
    assert "后备队伍（巴州区）" in text and "书记后备覆盖率 1/2（50.0%）" in text
    assert "凌云乡" in text
