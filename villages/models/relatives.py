"""A person's recorded relatives (家庭成员及重要社会关系): the facts the 监委会 near-relative rule reads."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from villages.choices import Relation
from villages.models.people import Person


class Relative(models.Model):
    """`person`'s relative: another person on record (`relative`) or, for someone not on record, a name.

    Read both ways by the rules: A recorded as B's spouse makes B A's spouse too (villages/risk/compliance.py).
    Written through villages.roster.relatives (add_relative, remove_relative).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relatives", verbose_name="人员")
    relation = models.CharField("关系", max_length=20, choices=Relation.choices)
    relative = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="relative_of",
        verbose_name="亲属（在册人员）",
    )
    relative_name = models.CharField("亲属姓名", max_length=50, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "relation", "pk"]
        verbose_name = verbose_name_plural = "亲属关系"
        constraints = [
            models.CheckConstraint(
                condition=Q(relative__isnull=False) | ~Q(relative_name=""), name="relative_named_or_on_record"
            ),
            models.CheckConstraint(condition=~Q(relative=models.F("person")), name="relative_not_self"),
            models.UniqueConstraint(
                fields=["person", "relative"], condition=Q(relative__isnull=False), name="relative_once_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} 的{self.get_relation_display()} {self.shown_name}"

    @property
    def shown_name(self) -> str:
        return self.relative.name if self.relative_id and self.relative else self.relative_name
