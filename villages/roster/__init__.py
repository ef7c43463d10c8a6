"""The roster's core: the rules every roster write obeys, whatever the way in (form, API, workbook, election results).

Modules: `invariants` (one function per roster rule), `versioning` (optimistic concurrency), `history` (readable
change history), `confirmation` (花名册确认). Read-side figures of the roster pages are in `villages.headlines`.
"""

from villages.roster.invariants import party_post_refusal, years_before
from villages.roster.versioning import StaleEditError, delete_versioned, last_change_label, save_versioned

__all__ = [
    "StaleEditError",
    "delete_versioned",
    "last_change_label",
    "party_post_refusal",
    "save_versioned",
    "years_before",
]
