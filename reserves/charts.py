"""The pipeline funnel (enrolled → completed → reserve → elected → re-elected), drawn with villages.charts."""

from __future__ import annotations

from django.utils.safestring import SafeString

from reserves.outcomes import Outcomes, Rate
from villages.charts import Bar, bar_chart


def funnel_chart(*, title: str, outcomes: Outcomes) -> SafeString:
    """One bar per stage; each stage after the first notes its share of the enrolled."""
    enrolled = outcomes.enrolled
    bars = [
        Bar(label=label, value=value, note=_share(value, enrolled) if index else "")
        for index, (label, value) in enumerate(outcomes.funnel)
    ]
    return bar_chart(title=title, bars=bars, unit="人")


def _share(value: int, enrolled: int) -> str:
    return f"占报名{Rate(value, enrolled).display}"
