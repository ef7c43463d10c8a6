"""Users and their role: province admin (everything), city admin (one city), county staff (one county),
township secretary (one township)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property

from villages.choices import AccountAction, Role
from villages.models.units import City, County, Township


class User(AbstractUser):
    role = models.CharField("角色", max_length=30, choices=Role.choices, blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, blank=True, related_name="admins")
    county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    township = models.ForeignKey(Township, on_delete=models.PROTECT, null=True, blank=True, related_name="secretaries")
    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="", city__isnull=True, county__isnull=True, township__isnull=True)
                    | Q(role=Role.PROVINCE_ADMIN, city__isnull=True, county__isnull=True, township__isnull=True)
                    | Q(role=Role.CITY_ADMIN, city__isnull=False, county__isnull=True, township__isnull=True)
                    | Q(role=Role.COUNTY_STAFF, city__isnull=True, county__isnull=False, township__isnull=True)
                    | Q(role=Role.TOWNSHIP_SECRETARY, city__isnull=True, county__isnull=True, township__isnull=False)
                ),
                name="user_role_matches_scope",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_province_admin(self) -> bool:
        return self.role == Role.PROVINCE_ADMIN or self.is_superuser

    @property
    def is_city_admin(self) -> bool:
        """The admin of one city (市委组织部): `city` is set. Not true for a province admin."""
        return self.role == Role.CITY_ADMIN and not self.is_superuser

    @property
    def is_admin(self) -> bool:
        """A province or city admin: sees several counties (pages and rights of the 市/省委组织部)."""
        return self.is_province_admin or self.is_city_admin

    def oversees_county(self, county: County | int) -> bool:
        """Whether the user administers the county: its county staff, its city's admin, the province admin.

        Pass the county's id where only the id is at hand (a row's `township.county_id`): a city admin's counties
        are read once per user object (one query per request), not once per row."""
        if not self.is_authenticated:
            return False
        if self.is_province_admin:
            return True
        if self.is_county_staff:
            return self.county_id == (county if isinstance(county, int) else county.pk)
        if self.is_city_admin:
            if isinstance(county, County):
                return county.city_id == self.city_id
            return county in self._city_county_ids
        return False

    @cached_property
    def _city_county_ids(self) -> frozenset[int]:
        if self.city_id is None:
            return frozenset()
        return frozenset(County.objects.filter(city_id=self.city_id).values_list("pk", flat=True))

    @property
    def is_county_staff(self) -> bool:
        return self.role == Role.COUNTY_STAFF

    @property
    def is_township_secretary(self) -> bool:
        return self.role == Role.TOWNSHIP_SECRETARY

    @property
    def scope_label(self) -> str:
        if self.is_township_secretary and self.township is not None:
            return self.township.name
        if self.is_county_staff and self.county is not None:
            return self.county.name
        if self.role == Role.CITY_ADMIN and self.city is not None:
            return self.city.name
        return "全省"


class AccountEvent(models.Model):
    """Audit record of one change to an account: who did what to whom, when (villages/accounts.py writes them).

    `city`, `county` and `township` are the account's scope when the change happened (`city` also for county and
    township accounts), so the city and county that managed the account keep seeing the record after the account
    moves elsewhere; all three empty = a province admin's account. actor empty = `manage.py create_user`.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="account_events", verbose_name="账号")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    action = models.CharField("操作", max_length=20, choices=AccountAction.choices)
    before = models.CharField("变更前", max_length=200, blank=True)
    after = models.CharField("变更后", max_length=200, blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    township = models.ForeignKey(Township, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = verbose_name_plural = "账号变更记录"
        indexes = [models.Index(fields=["county", "at"]), models.Index(fields=["township", "at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display()}"
