"""Administrative units: city (市/州) → county → township → village → group (社)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from villages.choices import PartyOrgType

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from villages.models.users import User


def _digits(n: int) -> RegexValidator:
    return RegexValidator(rf"^\d{{{n}}}$", f"必须是{n}位数字代码")


class CityQuerySet(models.QuerySet["City"]):
    def for_user(self, user: User | AnonymousUser) -> CityQuerySet:
        """Cities the user may see: all for a province admin, their own for everyone else."""
        if not user.is_authenticated:
            return self.none()
        if user.is_province_admin:
            return self
        if user.city_id:
            return self.filter(pk=user.city_id)
        if user.county_id:
            return self.filter(counties=user.county_id)
        if user.township_id:
            return self.filter(counties__townships=user.township_id)
        return self.none()


class City(models.Model):
    """市/州: the level between the province (the whole installation) and the counties; 4-digit code prefix."""

    code = models.CharField("代码", max_length=4, unique=True, validators=[_digits(4)])
    name = models.CharField("名称", max_length=50)

    objects = CityQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "市/州"

    def __str__(self) -> str:
        return self.name


class CountyQuerySet(models.QuerySet["County"]):
    def for_user(self, user: User | AnonymousUser) -> CountyQuerySet:
        """Counties the user may see: all for the city, their own for county and township users."""
        if not user.is_authenticated:
            return self.none()
        if user.is_city_admin:
            return self
        if user.county_id:
            return self.filter(pk=user.county_id)
        if user.township_id:
            return self.filter(townships=user.township_id)
        return self.none()


class County(models.Model):
    code = models.CharField("代码", max_length=6, unique=True, validators=[_digits(6)])
    name = models.CharField("名称", max_length=50)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="counties", verbose_name="市/州")
    planned_election_on = models.DateField("计划换届日期", null=True, blank=True)

    objects = CountyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "区/县"

    def __str__(self) -> str:
        return self.name


class TownshipQuerySet(models.QuerySet["Township"]):
    def for_user(self, user: User | AnonymousUser) -> TownshipQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_city_admin:
            return self
        if user.is_county_staff:
            return self.filter(county_id=user.county_id)
        if user.is_township_secretary:
            return self.filter(pk=user.township_id)
        return self.none()


class Township(models.Model):
    code = models.CharField("代码", max_length=9, unique=True, validators=[_digits(9)])
    name = models.CharField("名称", max_length=50)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="townships", verbose_name="区/县")

    objects = TownshipQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "乡镇/街道"

    def __str__(self) -> str:
        return self.name


class VillageQuerySet(models.QuerySet["Village"]):
    def for_user(self, user: User | AnonymousUser) -> VillageQuerySet:
        """The one scoped entry point for villages: every page, API view and admin starts here."""
        if not user.is_authenticated:
            return self.none()
        if user.is_city_admin:
            return self
        if user.is_county_staff:
            return self.filter(township__county_id=user.county_id)
        if user.is_township_secretary:
            return self.filter(township_id=user.township_id)
        return self.none()

    def editable_roster_by(self, user: User) -> VillageQuerySet:
        """Villages whose roster (people, posts, assessments) the user may edit: township secretaries only."""
        if user.is_authenticated and user.is_township_secretary:
            return self.filter(township_id=user.township_id)
        return self.none()

    def with_units(self) -> VillageQuerySet:
        return self.select_related("township__county")


class Village(models.Model):
    code = models.CharField("统计用区划代码", max_length=12, unique=True, validators=[_digits(12)])
    name = models.CharField("名称", max_length=50)
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="villages", verbose_name="乡镇/街道")
    party_org_type = models.CharField(
        "党组织类型", max_length=20, choices=PartyOrgType.choices, default=PartyOrgType.BRANCH
    )
    party_member_count = models.PositiveIntegerField("党员人数", default=0)
    last_party_admission_on = models.DateField("最近发展党员日期", null=True, blank=True)
    development_candidates = models.PositiveIntegerField("发展对象人数", default=0)
    planned_election_on = models.DateField("计划换届日期", null=True, blank=True)
    held_election_on = models.DateField("上次换届日期", null=True, blank=True)
    villager_representatives = models.PositiveIntegerField("村民代表人数", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()
    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "村/社区"
        indexes = [models.Index(fields=["township", "name"])]
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="village_name_unique_in_township")]

    def __str__(self) -> str:
        return self.name

    @property
    def county(self) -> County:
        return self.township.county


class PredecessorVillage(models.Model):
    """A village merged into this one in the 2019–2020 建制村 reform."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="predecessors")
    code = models.CharField("原代码", max_length=12, blank=True, validators=[_digits(12)])
    name = models.CharField("原村名", max_length=50)
    merged_on = models.DateField("合并日期", null=True, blank=True)

    class Meta:
        ordering = ["village", "name"]
        verbose_name = verbose_name_plural = "合并前村"

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """村民小组, called 社 in Sichuan, numbered within its village."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="groups", verbose_name="村")
    number = models.PositiveSmallIntegerField("社号")
    name = models.CharField("名称", max_length=50, blank=True)

    class Meta:
        ordering = ["village", "number"]
        verbose_name = verbose_name_plural = "村民小组(社)"
        constraints = [models.UniqueConstraint(fields=["village", "number"], name="group_number_unique")]

    def __str__(self) -> str:
        return self.name or f"{self.number}社"
