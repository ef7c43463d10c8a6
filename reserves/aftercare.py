"""The work after a village's election (换届后续工作, docs/domain.md §8): its steps, their deadlines, and progress.

Contract:
- Recording an election's results opens its steps (`open_aftercare`, idempotent): results reported to the township,
  the 村务监督委员会 chosen, handover (seals, accounts, archives, fixed assets), talks with the new members,
  induction training and filing the papers (归档). Each is due by the county rule in force on the election date,
  counted from the election date (`step_due_on`; 归档 by the county's set date, none while it has not set one).
  Open steps follow a changed rule (`refresh_due_dates`, run before every risk recompute).
- The township's secretary records a step done with the date (not in the future, not before the election) and a
  note (`complete_step`); a recorded step may be corrected the same way. ValidationError keyed by field;
  StaleEditError when the row changed since the user saw it.
- A step is overdue while not done after its due date; overdue steps feed the risk list (reserves/after_risks.py).
- Progress: per village (its steps) and per township (how many villages finished each step), for the elections
  held on or after `since` (each village's latest): `village_steps`, `township_step_counts`; constant queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from reserves.choices import AftercareStep
from reserves.models import Election, PostElectionTask
from villages.models import Township, User, Village
from villages.roster.versioning import save_versioned
from villages.rules import RuleBook, RuleSet, rules_for

STEPS: tuple[str, ...] = tuple(AftercareStep.values)
STEP_LABELS: dict[str, str] = dict(AftercareStep.choices)
STEP_SHORT_LABELS: dict[str, str] = {
    AftercareStep.RESULTS_REPORTED: "结果报送",
    AftercareStep.SUPERVISION_CHOSEN: "监委会推选",
    AftercareStep.HANDOVER: "工作交接",
    AftercareStep.TALKS: "谈心谈话",
    AftercareStep.TRAINING: "岗前培训",
    AftercareStep.ARCHIVE: "资料归档",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has fewer days): 1 month after 31 Jan is 28 Feb."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)


def step_due_on(*, step: str, held_on: dt.date, rules: RuleSet) -> dt.date | None:
    """The deadline of one step of an election held on `held_on` (None: 归档 while the county has set no date)."""
    days: dict[str, int] = {
        AftercareStep.RESULTS_REPORTED: rules.aftercare_results_days,
        AftercareStep.SUPERVISION_CHOSEN: rules.aftercare_supervision_days,
        AftercareStep.HANDOVER: rules.aftercare_handover_days,
        AftercareStep.TALKS: rules.aftercare_talk_days,
    }
    if step in days:
        return held_on + dt.timedelta(days=days[step])
    if step == AftercareStep.TRAINING:
        return add_months(held_on, rules.aftercare_training_months)
    return rules.aftercare_archive_on


def open_aftercare(*, election: Election) -> list[PostElectionTask]:
    """Every step of the election's follow-up work, due by the county's rules (idempotent)."""
    rules = rules_for(county_id=election.village.township.county_id, on=election.held_on)
    return [
        PostElectionTask.objects.get_or_create(
            election=election,
            step=step,
            defaults={
                "village_id": election.village_id,
                "due_on": step_due_on(step=step, held_on=election.held_on, rules=rules),
            },
        )[0]
        for step in STEPS
    ]


def refresh_due_dates(villages: QuerySet[Village]) -> int:
    """Open steps of the villages follow the county rules now in force for their election date (two queries plus
    the writes); return how many changed."""
    book = RuleBook.load()
    tasks = PostElectionTask.objects.filter(village__in=villages.values("pk"), done_on__isnull=True).select_related(
        "election", "village__township"
    )
    changed = []
    for task in tasks:
        rules = book.rules(county_id=task.village.township.county_id, on=task.election.held_on)
        wanted = step_due_on(step=task.step, held_on=task.election.held_on, rules=rules)
        if wanted != task.due_on:
            task.due_on = wanted
            changed.append(task)
    PostElectionTask.objects.bulk_update(changed, ["due_on"], batch_size=500)
    return len(changed)


def can_complete_steps(user: User, township: Township) -> bool:
    """Recording the follow-up work: the township's own secretary (who does it)."""
    return user.is_authenticated and user.is_township_secretary and user.township_id == township.pk


def complete_step(
    *,
    task: PostElectionTask,
    done_on: dt.date | None,
    note: str,
    by: User | None,
    expected_version: int,
    today: dt.date | None = None,
) -> PostElectionTask:
    """Record (or correct) the step as done on `done_on` with `note` (see the module contract)."""
    today = today or timezone.localdate()
    held_on = task.election.held_on
    errors: dict[str, str] = {}
    if done_on is None:
        errors["done_on"] = "请填写完成日期"
    elif done_on > today:
        errors["done_on"] = f"完成日期（{done_on:%Y-%m-%d}）不能晚于今天"
    elif done_on < held_on:
        errors["done_on"] = f"完成日期不能早于换届日期（{held_on:%Y-%m-%d}）"
    if not note.strip():
        errors["note"] = "请简要写明完成情况（如：已于村民代表会议推选监委会成员3名）"
    if errors:
        raise ValidationError(errors)
    task.done_on, task.note, task.done_by = done_on, note.strip(), by
    save_versioned(task, expected_version=expected_version, by=by)
    return task


# ---- progress ----


def latest_elections(*, villages: QuerySet[Village], since: dt.date) -> QuerySet[Election]:
    """Each village's latest election held on or after `since` that has its follow-up steps."""
    latest = Election.objects.filter(village=OuterRef("village"), held_on__gte=since).order_by("-held_on", "-pk")
    return (
        Election.objects.filter(
            village__in=villages.values("pk"), held_on__gte=since, pk=Subquery(latest.values("pk")[:1])
        )
        .filter(aftercare_tasks__isnull=False)
        .distinct()
    )


@dataclass
class VillageSteps:
    """One village's election and its steps in STEPS order (None where a step is missing)."""

    village: Village
    election: Election
    tasks: list[PostElectionTask | None]

    def done(self) -> int:
        return sum(t is not None and t.done_on is not None for t in self.tasks)


def village_steps(*, villages: QuerySet[Village], since: dt.date) -> list[VillageSteps]:
    """The villages whose latest election since `since` has steps, by township and code (two queries)."""
    elections = {
        e.pk: e for e in latest_elections(villages=villages, since=since).select_related("village__township__county")
    }
    by_election: dict[int, dict[str, PostElectionTask]] = defaultdict(dict)
    for task in PostElectionTask.objects.filter(election__in=list(elections)).select_related("done_by"):
        by_election[task.election_id][task.step] = task
    rows = [VillageSteps(e.village, e, [by_election[pk].get(step) for step in STEPS]) for pk, e in elections.items()]
    rows.sort(key=lambda r: (r.village.township.code, r.village.code))
    return rows


@dataclass
class StepCount:
    step: str
    done: int = 0
    overdue: int = 0

    @property
    def label(self) -> str:
        return STEP_SHORT_LABELS[self.step]


@dataclass
class TownshipSteps:
    """How many of a township's elected villages finished each step (and how many are overdue)."""

    township: Township
    villages: int = 0
    finished: int = 0  # villages whose every step is done
    steps: list[StepCount] = field(default_factory=lambda: [StepCount(step) for step in STEPS])


def township_step_counts(*, villages: QuerySet[Village], since: dt.date, on: dt.date) -> list[TownshipSteps]:
    """One row per township with elected villages in `villages` (code order); two queries."""
    rows: dict[int, TownshipSteps] = {}
    for row in village_steps(villages=villages, since=since):
        township = rows.setdefault(row.village.township_id, TownshipSteps(row.village.township))
        township.villages += 1
        for count, task in zip(township.steps, row.tasks, strict=True):
            if task is not None and task.done_on is not None:
                count.done += 1
            elif task is not None and task.is_overdue(on):
                count.overdue += 1
        township.finished += row.done() == len(STEPS)
    return list(rows.values())


def overdue_by_village(villages: QuerySet[Village], *, on: dt.date) -> dict[int, list[PostElectionTask]]:
    """Overdue steps per village id, in due order (one query)."""
    found: dict[int, list[PostElectionTask]] = defaultdict(list)
    for task in PostElectionTask.objects.filter(village__in=villages.values("pk")).overdue(on=on).order_by("due_on"):
        found[task.village_id].append(task)
    return found
