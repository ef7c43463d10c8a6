"""The data version: one counter every write raises (villages/data_version.py keeps it)."""

from __future__ import annotations

from django.db import models


class DataVersion(models.Model):
    """A single row (pk 1): `version` goes up after every committed write; `changed_at` with it, so a row made
    again (a flushed test database) never repeats an earlier (version, changed_at) pair."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"v{self.version}"
