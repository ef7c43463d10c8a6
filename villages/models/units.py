"""Administrative units: city (市/州) → county → township → village → group (社)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from villages.choices import PartyOrgType

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from villages.models.users import User


def _digits(n: int) -> RegexValidator:
    return RegexValidator(rf"^\d{{{n}}}$", f"必须是{n}位数字代码")


def unit_scope(user: User | AnonymousUser, *, city: str, county: str, township: str) -> Q | None:
    """The rows a user may see, as a filter over the lookups from the row to its city, county and township.

    None for a province admin (everything); a filter matching nothing for a user without a scope. The one place the
    roles are turned into scope: the units' `for_user` below use it, and everything else starts from them.
    """
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_province_admin:
        return None
    if user.is_city_admin:
        return Q(**{city: user.city_id})
    if user.is_county_staff:
        return Q(**{county: user.county_id})
    if user.is_township_secretary:
        return Q(**{township: user.township_id})
    return Q(pk__in=[])


_QS = TypeVar("_QS", bound=models.QuerySet)


def _scoped(queryset: _QS, scope: Q | None) -> _QS:
    return queryset if scope is None else queryset.filter(scope)


class CityQuerySet(models.QuerySet["City"]):
    def for_user(self, user: User | AnonymousUser) -> CityQuerySet:
        """Cities the user may see: all for a province admin, their own for everyone else."""
        return _scoped(self, unit_scope(user, city="pk", county="counties", township="counties__townships"))


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
        """Counties the user may see: all for the province, the city's for a city admin, their own for county and
        township users."""
        return _scoped(self, unit_scope(user, city="city", county="pk", township="townships"))


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
        return _scoped(self, unit_scope(user, city="county__city", county="county", township="pk"))


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
        scope = unit_scope(user, city="township__county__city", county="township__county", township="township")
        return _scoped(self, scope)

    def editable_roster_by(self, user: User) -> VillageQuerySet:
        """Villages whose roster (people, posts, assessments) the user may edit: township secretaries only."""
        if user.is_authenticated and user.is_township_secretary:
            return self.filter(township_id=user.township_id)
        return self.none()

    def with_units(self) -> VillageQuerySet:
        return self.select_related("township__county__city")


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
