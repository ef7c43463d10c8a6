"""The talent pool (人才库 / 回引库) upstream of reserves: entering people, and promoting one to reserve in one step.

Contract:
- `enter_talent` keeps a person of the village in the pool: someone whose home village it is, not on its roster yet
  (no current post in the village, not an active reserve there, not already in its pool), with where they are,
  whether they would come back and their rural-talent category. The township's secretary enters them (the views and
  the API check who).
- `promote_talent` makes the talent a reserve of the same village in one transaction: the same person record
  (nothing is copied), the same eligibility check and override rule as the reserve form (`_enter_reserve`, the one
  place this module creates a reserve), and the talent marked promoted with a link to the new reserve.
- `leave_pool` takes a talent out of the pool with a reason.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from reserves.choices import AddedHow, Readiness, ReserveStatus, TalentStatus
from reserves.eligibility import Eligibility, check_eligibility
from reserves.models import Reserve, Talent
from villages.choices import Post
from villages.models import Person, PostAssignment, User, Village
from villages.risk import reference_date

TALENT_FIELDS = ("source", "category", "current_location", "current_work", "contact", "willingness", "strengths")


class TalentRefused(ValueError):
    """A pool write that cannot be made. `field` names the input at fault ("" for the whole request)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def entry_refusal(*, person: Person, village: Village) -> str | None:
    """Why the person cannot enter the village's pool (None when they can): the pool is for people not on the
    village's roster yet, and from the village (their home village: the scope the person is seen in)."""
    if person.home_village_id != village.pk:
        return f"{person.name}的户籍/所在村不是{village.name}：人才库只登记本村人员"
    if PostAssignment.objects.current().filter(person=person, village=village).exists():
        return f"{person.name}现任本村职务，已在花名册中，无需纳入人才库"
    if Reserve.objects.active().filter(person=person, village=village).exists():
        return f"{person.name}已是本村在库后备干部"
    if Talent.objects.in_pool().filter(person=person, village=village).exists():
        return f"{person.name}已在本村人才库中"
    return None


def enter_talent(
    *, person: Person, village: Village, by: User | None, entered_on: dt.date | None = None, **fields: str
) -> Talent:
    """Keep a person in the village's talent pool (see the contract). `fields`: TALENT_FIELDS."""
    unknown = set(fields) - set(TALENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown talent fields: {sorted(unknown)}")
    refusal = entry_refusal(person=person, village=village)
    if refusal:
        raise TalentRefused(refusal, field="person")
    entered_on = entered_on or timezone.localdate()
    if entered_on > timezone.localdate():
        raise TalentRefused("入库日期不能晚于今天", field="entered_on")
    return Talent.objects.create(person=person, village=village, entered_on=entered_on, entered_by=by, **fields)


def _enter_reserve(
    *,
    person: Person,
    village: Village,
    target_post: str,
    readiness: str,
    added_on: dt.date,
    added_how: str,
    override_reason: str,
) -> tuple[Reserve, Eligibility]:
    """Create an active reserve with the reserve form's checks (the one place this module creates a reserve: when
    reserve creation becomes one domain function for the form and the API, call it here instead)."""
    eligibility = check_eligibility(person=person, village=village, on=reference_date(village))
    if not eligibility.eligible and not override_reason.strip():
        raise TalentRefused(f"{eligibility.summary}。如仍纳入后备，须填写理由。", field="override_reason")
    if Reserve.objects.active().filter(person=person, village=village, target_post=target_post).exists():
        raise TalentRefused("此人已是该岗位的在库后备干部", field="target_post")
    rank = Reserve.objects.active().filter(village=village, target_post=target_post).count() + 1
    reserve = Reserve.objects.create(
        person=person,
        village=village,
        target_post=target_post,
        readiness=readiness,
        rank=rank,
        added_on=added_on,
        added_how=added_how,
        eligibility_override_reason=override_reason.strip(),
        eligible=eligibility.eligible,
        eligibility_note="；".join(eligibility.reasons),
        eligibility_changed_on=timezone.localdate(),
    )
    return reserve, eligibility


@transaction.atomic
def promote_talent(
    *,
    talent: Talent,
    target_post: str,
    readiness: str = Readiness.NEEDS_DEVELOPMENT,
    added_on: dt.date | None = None,
    added_how: str = AddedHow.RECOMMENDED,
    override_reason: str = "",
) -> Reserve:
    """The talent becomes a reserve of the same village (the person record carries over); see the contract."""
    talent = Talent.objects.select_for_update().select_related("person", "village__township__county").get(pk=talent.pk)
    if talent.status != TalentStatus.IN_POOL:
        raise TalentRefused(f"{talent.person.name}不在人才库中（{talent.get_status_display()}），不能纳入后备")
    if target_post == Post.FIRST_SECRETARY or target_post not in Post.values:
        raise TalentRefused("请选择目标岗位（第一书记不是村干部岗位）", field="target_post")
    added_on = added_on or timezone.localdate()
    if added_on > timezone.localdate() or added_on < talent.entered_on:
        raise TalentRefused("入库日期应在人才库入库日期与今天之间", field="added_on")
    reserve, _ = _enter_reserve(
        person=talent.person,
        village=talent.village,
        target_post=target_post,
        readiness=readiness,
        added_on=added_on,
        added_how=added_how,
        override_reason=override_reason,
    )
    talent.status, talent.reserve, talent.status_changed_on = TalentStatus.PROMOTED, reserve, added_on
    talent.version += 1
    talent.save(update_fields=["status", "reserve", "status_changed_on", "version"])
    return reserve


def leave_pool(*, talent: Talent, reason: str, on: dt.date | None = None) -> Talent:
    """Take a talent out of the pool (moved away, not suitable, …); the reason is required."""
    if talent.status != TalentStatus.IN_POOL:
        raise TalentRefused("只有在库的人才可以退出")
    if not reason.strip():
        raise TalentRefused("请填写退出原因", field="reason")
    talent.status, talent.left_reason = TalentStatus.LEFT, reason.strip()
    talent.status_changed_on = on or timezone.localdate()
    talent.version += 1
    talent.save(update_fields=["status", "left_reason", "status_changed_on", "version"])
    return talent


def promoted_reserves_status(talent: Talent) -> str:
    """How the promoted talent's reserve stands now (for lists): 在库 / 已任用 / 退出."""
    if talent.reserve is None:
        return ""
    return ReserveStatus(talent.reserve.status).label
