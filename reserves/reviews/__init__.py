"""资格联审 (qualification review) of candidates and the negative list (docs/domain.md §9).

Modules, lowest first: `rules` (negative-list items and department lists in force, the cycle, whether an entry is
live), `status` (a review's derived status), `enforcement` (`review_refusal`: the one check every entry path
calls), `access` (who may do what, lookups, the audit of sensitive views), `opening` (writes: open, opinions,
withdraw, negative records), `queue` (findings for the risk work queue), `ledger` (the 联审台账 and its workbook),
`sheets` (one workbook per department), `answers` (reading the departments' answers back). Callers import the
public names below.
"""

from reserves.cycles import cycle_of
from reserves.reviews.enforcement import (
    can_read_details,
    collect_review_warnings,
    review_refusal,
    review_refusals,
)
from reserves.reviews.rules import ItemRule, ReviewRuleBook, is_live
from reserves.reviews.status import ReviewOutcome, Slot, outcome_of, outcomes_for, with_outcome_data

__all__ = [
    "ItemRule",
    "ReviewOutcome",
    "ReviewRuleBook",
    "Slot",
    "can_read_details",
    "collect_review_warnings",
    "cycle_of",
    "is_live",
    "outcome_of",
    "outcomes_for",
    "review_refusal",
    "review_refusals",
    "with_outcome_data",
]
