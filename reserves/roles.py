"""Every role a person has, as the user may see it: posts (current, due to end, past), reserve entries, trainee
enrolments, slate candidacies (预备人选) and election results.

Contract: `person_roles(person=..., user=...)` reads each kind through its own scoped QuerySet (`.for_user`),
five queries whatever the number of rows; `summary` names the current roles in one line of badges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from reserves.choices import EnrollmentStatus, ReserveStatus
from reserves.models import Election, ElectionResult, Enrollment, Reserve, Slate, SlateCandidate, TrainingClass
from villages.headlines import POST_ORDER, roster_order
from villages.models import Person, PostAssignment, User
from villages.permissions import can_edit_roster


@dataclass
class PersonRoles:
    today: dt.date
    posts: list[PostAssignment] = field(default_factory=list)
    reserves: list[Reserve] = field(default_factory=list)
    enrolments: list[Enrollment] = field(default_factory=list)
    candidacies: list[SlateCandidate] = field(default_factory=list)
    results: list[ElectionResult] = field(default_factory=list)
    editable_village_ids: set[int] = field(default_factory=set)

    @property
    def current_posts(self) -> list[PostAssignment]:
        return [p for p in self.posts if p.end_on is None or p.end_on > self.today]

    @property
    def past_posts(self) -> list[PostAssignment]:
        return [p for p in self.posts if p.end_on is not None and p.end_on <= self.today]

    @property
    def summary(self) -> list[str]:
        """The person's roles now, e.g. ["青龙村书记", "后备干部（目标：村委会主任）", "专修班学员（结业）"]."""
        labels = [f"{p.village.name}{p.get_post_display()}" for p in self.current_posts]
        labels += [f"后备干部（{r.village.name}，目标：{r.get_target_post_display()}）" for r in self.active_reserves]
        trainee = [e for e in self.enrolments if e.status != EnrollmentStatus.DROPPED]  # a dropout is history
        labels += [f"专修班学员（{e.get_status_display()}）" for e in trainee]
        labels += [f"预备人选（{c.slate.village.name}{c.get_post_display()}）" for c in self.candidacies]
        return labels

    @property
    def active_reserves(self) -> list[Reserve]:
        return [r for r in self.reserves if r.status == ReserveStatus.ACTIVE]

    @property
    def editable_post_ids(self) -> set[int]:
        """Posts the user may edit or end now (current ones in the township's own villages)."""
        return {p.pk for p in self.current_posts if p.village_id in self.editable_village_ids}

    @property
    def editable_reserve_ids(self) -> set[int]:
        return {r.pk for r in self.active_reserves if r.village_id in self.editable_village_ids}


def person_roles(*, person: Person, user: User, today: dt.date | None = None) -> PersonRoles:
    today = today or timezone.localdate()
    posts = PostAssignment.objects.for_user(user).filter(person=person).select_related("village__township", "group")
    current_first = sorted(posts, key=lambda p: (p.end_on is not None and p.end_on <= today, roster_order(p)))
    reserves = Reserve.objects.for_user(user).filter(person=person).select_related("village__township", "mentor")
    classes = TrainingClass.objects.for_user(user)
    enrolments = Enrollment.objects.filter(person=person, training_class__in=classes).select_related("training_class")
    candidacies = SlateCandidate.objects.filter(person=person, slate__in=Slate.objects.for_user(user))
    results = ElectionResult.objects.filter(person=person, election__in=Election.objects.for_user(user))
    roles = PersonRoles(
        today=today,
        posts=current_first,
        reserves=sorted(reserves, key=lambda r: (r.status != ReserveStatus.ACTIVE, r.added_on, r.pk)),
        enrolments=list(enrolments.order_by("-training_class__starts_on")),
        candidacies=list(candidacies.select_related("slate__village", "group").order_by("-slate__election_on")),
        results=sorted(
            results.select_related("election__village", "group"),
            key=lambda r: (-r.election.held_on.toordinal(), POST_ORDER[r.post], r.pk),
        ),
    )
    villages = {p.village for p in roles.posts} | {r.village for r in roles.reserves}
    roles.editable_village_ids = {v.pk for v in villages if can_edit_roster(user, v)}
    return roles
