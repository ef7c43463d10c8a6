"""The posts a roster row lists: the 社 each names, and which the import creates or changes, through the roster's
post rules (villages.roster.invariants), as start_post and change_post apply them to one row at a time.

Part of the importer (villages.workbook.importer): it hands each identified row's person, village and posts here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from villages.choices import ORGAN_OF_POST, CadreSource, Post
from villages.models import Group, Person, PostAssignment, Village
from villages.roster.invariants import group_refusal, post_refusals, seat_refusal
from villages.workbook.rows import ParsedRow

if TYPE_CHECKING:
    from villages.workbook.importer import RowPlan, _Existing

Problem = Callable[[str, str], None]


def resolve_posts(
    row: ParsedRow, village: Village | None, *, existing: _Existing, problem: Problem
) -> list[tuple[str, int | None]]:
    """Each listed post with the number of its 社: a 社长's own (“3社社长”) or the row's 所在社; none for others.

    所在社 is the 社长's column: a row that fills it without a 社长 post is refused as a form would refuse it.
    """
    if row.group_number is not None and village is not None and all(p != Post.GROUP_LEADER for p, _ in row.posts):
        other = row.posts[0][0] if row.posts else ""
        groups = existing.groups.get(village.pk, {})
        refusal = group_refusal(village=village, post=other, group_number=row.group_number, group_numbers=groups)
        if refusal:
            problem(refusal.field, refusal.message)
    return [(post, (named or row.group_number) if post == Post.GROUP_LEADER else None) for post, named in row.posts]


def plan_posts(
    plan: RowPlan,
    person: Person,
    village: Village,
    posts: list[tuple[str, int | None]],
    *,
    start_on: dt.date | None,
    existing: _Existing,
    today: dt.date,
    problem: Problem,
    source: str = "",
) -> None:
    """New posts through the roster's rules (invariants.post_refusals), as start_post would apply them; a held
    社长 post whose 社 changes through the 社 and seat rules, as change_post would. `source` (干部来源, a code
    already read from the cell) goes on the new posts and replaces a different one on the posts held."""
    groups = existing.groups.get(village.pk, {})
    held = {p.post: p for p in existing.current_posts.get(person.pk, []) if p.village_id == village.pk}
    for post, number in posts:
        group = groups.get(number) if number is not None and post == Post.GROUP_LEADER else None
        others = existing.competitors(village, post, group, person)
        current = held.get(post)
        if current is None:
            refusals = post_refusals(
                person=person,
                village=village,
                post=post,
                group_number=number,
                groups=groups,
                start_on=start_on,
                end_on=None,
                others=others,
                today=today,
            )
            for refusal in refusals:
                problem(refusal.field, refusal.message)
            if refusals:
                continue
            plan.new_posts.append(
                PostAssignment(  # person_id is set in apply_import, once new people have their pk
                    person=person,
                    village_id=village.pk,
                    organ=ORGAN_OF_POST[post],
                    post=post,
                    group_id=group.pk if group else None,
                    start_on=start_on,
                    source=source,
                )
            )
            label = Post(post).label + (f"（{group}）" if group else "")
            plan.changes.append(f"新增职务：{label}" + (f"，{start_on:%Y-%m-%d}起" if start_on else ""))
            continue
        if post == Post.GROUP_LEADER and number is not None and number != current.group_number:
            _change_group(plan, person, current, number, groups=groups, others=others, problem=problem)
        if source and source != current.source:
            before = current.get_source_display() or "未填写"
            plan.changes.append(f"{Post(post).label}干部来源：{before} → {CadreSource(source).label}")
            current.source = source
            if current not in plan.changed_posts:
                current.version += 1
                plan.changed_posts.append(current)


def _change_group(
    plan: RowPlan,
    person: Person,
    current: PostAssignment,
    number: int,
    *,
    groups: dict[int, Group],
    others: list[PostAssignment],
    problem: Problem,
) -> None:
    group = groups.get(number)
    refusal = group_refusal(village=current.village, post=current.post, group_number=number, group_numbers=groups)
    if refusal is None and group is not None:
        rest = [other for other in others if other.pk != current.pk]
        refusal = seat_refusal(
            person=person, post=current.post, group=group, start_on=current.start_on, end_on=None, others=rest
        )
    if refusal:
        problem(refusal.field, refusal.message)
        return
    plan.changes.append(f"社长所在社：{current.group} → {group}")
    current.group = group
    current.version += 1
    plan.changed_posts.append(current)
