"""factory_boy factories. IDs are valid 18-digit numbers with Bazhong region codes."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from reserves import models as reserve_models
from villages import idcard, models
from villages.choices import Education, Gender, Post, Role
from villages.regions import city_code_of, city_name


def make_id_number(birth_date: dt.date, *, gender: str = Gender.MALE, region: str = "511902", seq: int = 1) -> str:
    """A valid 18-digit number for a birth date; odd 17th digit = male."""
    seq = seq % 500
    sequence = f"{seq * 2 + (1 if gender == Gender.MALE else 0):03d}"
    first17 = f"{region}{birth_date:%Y%m%d}{sequence}"
    return first17 + idcard.check_character(first17)


class CityFactory(DjangoModelFactory[models.City]):
    class Meta:
        model = models.City
        django_get_or_create = ("code",)

    code = "5119"
    name = factory.LazyAttribute(lambda o: city_name(o.code))


class CountyFactory(DjangoModelFactory[models.County]):
    class Meta:
        model = models.County
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"5119{n % 100:02d}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    city = factory.LazyAttribute(lambda o: CityFactory(code=city_code_of(o.code)))


class TownshipFactory(DjangoModelFactory[models.Township]):
    class Meta:
        model = models.Township

    county = factory.SubFactory(CountyFactory)
    # 5119xx9nn: never collides with the fixed codes of the `world` fixture (…100, …101, …201).
    code = factory.Sequence(lambda n: f"5119029{n % 100:02d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")


class VillageFactory(DjangoModelFactory[models.Village]):
    class Meta:
        model = models.Village

    township = factory.SubFactory(TownshipFactory)
    code = factory.Sequence(lambda n: f"5119029{n % 100000:05d}")
    name = factory.Sequence(lambda n: f"测试村{n}")
    party_member_count = 30


class GroupFactory(DjangoModelFactory[models.Group]):
    class Meta:
        model = models.Group

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: n % 30000 + 1)


class PersonFactory(DjangoModelFactory[models.Person]):
    class Meta:
        model = models.Person

    class Params:
        # 100–399: never one of the numbers tests pick by hand (seq=1…79, 401), so a hand-made ID cannot collide
        # with a factory one once the counter wraps (make_id_number keeps three digits: seq % 500).
        seq = factory.Sequence(lambda n: 100 + n % 300)

    name = factory.Sequence(lambda n: f"张{n}")
    gender = Gender.MALE
    birth_date = dt.date(1975, 6, 15)
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth_date, gender=o.gender, seq=o.seq))
    education = Education.HIGH_SCHOOL
    home_village = factory.SubFactory(VillageFactory)


class PostAssignmentFactory(DjangoModelFactory[models.PostAssignment]):
    class Meta:
        model = models.PostAssignment

    person = factory.SubFactory(PersonFactory)
    village = factory.LazyAttribute(lambda o: o.person.home_village)
    post = Post.COMMITTEE_MEMBER
    start_on = dt.date(2021, 1, 1)


class AssessmentFactory(DjangoModelFactory[models.Assessment]):
    class Meta:
        model = models.Assessment

    person = factory.SubFactory(PersonFactory)
    year = 2025
    grade = "competent"


class UserFactory(DjangoModelFactory[models.User]):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "test-pass-2026!")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProvinceAdminFactory(UserFactory):
    role = Role.PROVINCE_ADMIN


class CityAdminFactory(UserFactory):
    role = Role.CITY_ADMIN
    city = factory.SubFactory(CityFactory)


class CountyStaffFactory(UserFactory):
    role = Role.COUNTY_STAFF
    county = factory.SubFactory(CountyFactory)


class TownshipSecretaryFactory(UserFactory):
    role = Role.TOWNSHIP_SECRETARY
    township = factory.SubFactory(TownshipFactory)


class ReserveFactory(DjangoModelFactory[reserve_models.Reserve]):
    class Meta:
        model = reserve_models.Reserve

    person = factory.SubFactory(PersonFactory, birth_date=dt.date(1995, 3, 1))
    village = factory.LazyAttribute(lambda o: o.person.home_village)
    target_post = Post.PARTY_SECRETARY
    added_on = dt.date(2024, 1, 1)


class TrainingClassFactory(DjangoModelFactory[reserve_models.TrainingClass]):
    class Meta:
        model = reserve_models.TrainingClass

    name = factory.Sequence(lambda n: f"村级后备干部专修班{n}期")
    institution = "县职业中学"
    level = "mid_term"
    county = factory.SubFactory(CountyFactory)
    starts_on = dt.date(2019, 9, 1)
    ends_on = dt.date(2020, 7, 1)


class EnrollmentFactory(DjangoModelFactory[reserve_models.Enrollment]):
    class Meta:
        model = reserve_models.Enrollment

    training_class = factory.SubFactory(TrainingClassFactory)
    person = factory.SubFactory(PersonFactory, birth_date=dt.date(1990, 5, 1))
    status = "completed"


class ElectionFactory(DjangoModelFactory[reserve_models.Election]):
    class Meta:
        model = reserve_models.Election

    village = factory.SubFactory(VillageFactory)
    held_on = dt.date(2021, 3, 15)
    term = "第十一届"


class RuleValueFactory(DjangoModelFactory[models.RuleValue]):
    class Meta:
        model = models.RuleValue

    county = None
    key = "high_age_member"
    value = 60
    effective_on = dt.date(2026, 1, 1)
    document_number = factory.Sequence(lambda n: f"巴组通〔2026〕{n}号")


class TalentFactory(DjangoModelFactory[reserve_models.Talent]):
    class Meta:
        model = reserve_models.Talent

    person = factory.SubFactory(PersonFactory, birth_date=dt.date(1994, 8, 1), education=Education.ASSOCIATE)
    village = factory.LazyAttribute(lambda o: o.person.home_village)
    source = "migrant_worker"
    category = "secondary_tertiary"
    current_location = "浙江省宁波市"
    willingness = "willing"
    entered_on = dt.date(2025, 3, 1)


class TalkFactory(DjangoModelFactory[reserve_models.Talk]):
    class Meta:
        model = reserve_models.Talk

    reserve = factory.SubFactory(ReserveFactory)
    held_on = dt.date(2025, 6, 1)
    by = "village_mentor"
    by_name = "王帮带"
    topic = "工作近况与学习计划"


class EducationProgrammeFactory(DjangoModelFactory[reserve_models.EducationProgramme]):
    class Meta:
        model = reserve_models.EducationProgramme

    person = factory.SubFactory(PersonFactory)
    institution = "四川开放大学巴中分部"
    major = "农村行政管理"
    level = Education.ASSOCIATE
    enrolled_on = dt.date(2025, 3, 1)
    expected_graduation_on = dt.date(2027, 7, 1)
