"""Template filters for the printed reports (tasks/reports/typography.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from tasks.reports.typography import Terms, keep_terms

register = template.Library()


@register.filter
def terms(text: object, pattern: Terms | None = None) -> SafeString:
    """{{ reason|terms:r.term_pattern }}: the text with every term kept on one line (never "书|记")."""
    return keep_terms("" if text is None else text, pattern)


@register.filter
def get(mapping: dict, key: str) -> object:
    """{{ row.summary|get:"两委成员" }}: a value of a content record (its keys are Chinese)."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
