"""The roster's core: the rules every roster write obeys, whatever the way in (form, API, workbook, election results).

Modules: `invariants` (one function per roster rule, and `RosterRefused`), `writes` (the write functions every
single-row entry path calls: `save_person`, `start_post`, `change_post`, `record_assessment`), `versioning`
(optimistic concurrency, attributed history), `history` (readable change history), `confirmation` (花名册确认).
Read-side figures of the roster pages are in `villages.headlines`.
"""

from villages.roster.invariants import RosterRefusal, RosterRefused, party_post_refusal, years_before
from villages.roster.versioning import StaleEditError, delete_versioned, last_change_label, save_versioned
from villages.roster.writes import change_post, record_assessment, save_person, start_post

__all__ = [
    "RosterRefusal",
    "RosterRefused",
    "StaleEditError",
    "change_post",
    "delete_versioned",
    "last_change_label",
    "party_post_refusal",
    "record_assessment",
    "save_person",
    "save_versioned",
    "start_post",
    "years_before",
]
