"""The election cycle (换届届次) a date belongs to: one rule for reviews, the pool's conversion and every caller.

A round of 村"两委" elections runs from October into the next year (the 2025–26 round: October 2025 to early 2026,
DOMAIN §8), so a date belongs to its own year's cycle, or to the next year's from October on:
2025-10-01 → 2026, 2026-01-20 → 2026, 2021-03-15 → 2021. A review opened for a slate planned in December and the
election held in January therefore share one cycle.
"""

from __future__ import annotations

import datetime as dt

ROUND_STARTS_IN_MONTH = 10


def election_cycle(on: dt.date) -> int:
    """The cycle as a year: the date's year, or the next one from October."""
    return on.year + 1 if on.month >= ROUND_STARTS_IN_MONTH else on.year


def cycle_of(on: dt.date) -> str:
    """The cycle as reviews store it ("2026")."""
    return str(election_cycle(on))
