"""两低一高 person flags, village succession gaps, and the Risk work queue they feed (docs/domain.md).

One rule engine, two entry points:
- bulk (`findings_for_villages`, `person_flags_for`, `recompute_risks`): a fixed handful of queries whatever the
  number of villages. SQL does the per-row arithmetic (周岁 at each village's reference date, highest education
  rank, latest assessment grade, reserve counts, last vacancy dates); the thresholds are then applied to those rows
  by the functions below.
- hypothetical (`evaluate_committee`): a proposed committee (slate simulation) goes through the very same rule
  functions, so a slate and the real roster can never be judged differently.

Reference date: villages/reference.py (an explicit `as_of`, else the village's planned election date, else its
county's, else today). Rule values are those in force for the village's county on its reference date
(villages/rules.py). Red/yellow counts: `severity_counts` (village-level findings only), for live findings and
stored Risk rows alike (`stored_severity_counts`).

The package's modules: `findings` (value types), `checks` (one function per rule), `evaluation` (bulk facts from the
database, reference dates), `queue` (the Risk work queue; apps above add finders of their own kinds with
`register_finder` and refresh what they store for the engine with `register_refresher`), `age_out` (the age-out
calendar). Callers import the public names below from `villages.risk`.
"""

from villages.risk.age_out import AgeOutPerson, AgeOutTownship, AgeOutVillage, age_out_calendar
from villages.risk.checks import person_findings
from villages.risk.evaluation import (
    evaluate_committee,
    evaluations_for_villages,
    findings_for_villages,
    person_flags_for,
    reference_date,
)
from villages.risk.findings import (
    AUTO_CLOSE_NOTE,
    FIXED_RULE_TEXT,
    GAP_KINDS,
    REOPEN_NOTE,
    RULE_KEYS_OF_KIND,
    SEVERITY_COUNT_CAPTION,
    Evaluation,
    Finding,
    RecomputeSummary,
    RuleResult,
    Seat,
    SeatFacts,
    SeverityCounts,
    kind_label,
    severity_counts,
)
from villages.risk.grouping import VillageRisks, group_by_village, village_order, villages_by_risk, villages_in_order
from villages.risk.queue import (
    PreviewRow,
    answer_risk,
    owner_candidates,
    preview_rows,
    recompute_risks,
    register_finder,
    register_refresher,
    review_risk,
    signals_are_paused,
    signals_paused,
    stored_severity_counts,
)

__all__ = [
    "AUTO_CLOSE_NOTE",
    "FIXED_RULE_TEXT",
    "GAP_KINDS",
    "REOPEN_NOTE",
    "RULE_KEYS_OF_KIND",
    "SEVERITY_COUNT_CAPTION",
    "AgeOutPerson",
    "AgeOutTownship",
    "AgeOutVillage",
    "Evaluation",
    "Finding",
    "PreviewRow",
    "RecomputeSummary",
    "RuleResult",
    "Seat",
    "SeatFacts",
    "SeverityCounts",
    "VillageRisks",
    "age_out_calendar",
    "answer_risk",
    "evaluate_committee",
    "evaluations_for_villages",
    "findings_for_villages",
    "group_by_village",
    "kind_label",
    "owner_candidates",
    "person_findings",
    "person_flags_for",
    "preview_rows",
    "recompute_risks",
    "reference_date",
    "register_finder",
    "register_refresher",
    "review_risk",
    "severity_counts",
    "signals_are_paused",
    "signals_paused",
    "stored_severity_counts",
    "village_order",
    "villages_by_risk",
    "villages_in_order",
]
