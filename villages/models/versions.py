"""The data versions (villages/data_version.py keeps them): one counter every write raises, one raised by the writes
that are not charged to counties, one counter per county raised by the writes charged to it (and one raised by its
writes not charged to villages), and one counter per village raised by the writes charged to it."""

from __future__ import annotations

from django.db import models


class DataVersion(models.Model):
    """A single row (pk 1): `version` goes up after every committed write; `changed_at` with it, so a row made
    again (a flushed test database) never repeats an earlier (version, changed_at) pair. `shared_version` goes up
    only after a write that was not charged to counties (`data_version.charged_to`): it is part of every
    county-keyed stamp, so such a write reaches every cached figure."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()
    shared_version = models.PositiveBigIntegerField(default=0)
    shared_changed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"v{self.version}"


class CountyDataVersion(models.Model):
    """A counter per county, raised after a committed write charged to the county: the figures of one county
    (its dashboard, its villages' computed fields) are kept under it and the shared version, so a write in one
    county leaves the others' cached figures standing. A row is made on the county's first charged write."""

    county = models.OneToOneField("villages.County", on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()
    # Raised by the county's writes that were not charged to villages (`charged_to` without `villages`, or a
    # relation that places a person in the county at no village): part of the stamp of each of its villages.
    wide_version = models.PositiveBigIntegerField(default=0)
    wide_changed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.county_id} v{self.version}"


class VillageDataVersion(models.Model):
    """A counter per village, raised after a committed write charged to the village: the figures of one village
    (its computed API fields, its whole API entry, its headline) are kept under it, its county's `wide_version`
    and the shared version, so an edit in one village leaves its neighbours' cached figures standing. A row is made
    on the village's first charged write."""

    village = models.OneToOneField("villages.Village", on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.village_id} v{self.version}"
