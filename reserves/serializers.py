"""Serializers for reserves, classes, enrolments, outcomes and elections (field names exactly as docs/api.md).

Writes refuse what they cannot store (villages.api.strict); the rules are the web's, called from the domain
modules (reserves/eligibility.py, reserves/enrolment.py), never restated here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reserves.choices import RESERVE_TARGET_POSTS, EnrollmentStatus, ReserveStatus
from reserves.eligibility import duplicate_refusal, override_refusal, reserve_candidates, reserve_eligibility
from reserves.enrolment import completion_date, completion_refusal
from reserves.models import Election, ElectionResult, Enrollment, Reserve, TrainingClass
from reserves.outcomes import REPORTED_POSTS, Outcomes
from villages.api.serializers import VersionedSerializer, scope_related_field
from villages.api.strict import StrictFieldsMixin, WriteFieldsMixin
from villages.choices import CadreSource, Post
from villages.models import County, Person, PostAssignment, Village


class ScopedPersonField(serializers.PrimaryKeyRelatedField):
    """A person id the requesting user may see (others are "does not exist", never a hint)."""

    def get_queryset(self) -> QuerySet[Person]:
        return Person.objects.for_user(self.context["request"].user)


class ScopedVillageField(serializers.SlugRelatedField):
    """A village code the requesting user may see."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Village.objects.for_user(self.context["request"].user)


class ReserveSerializer(VersionedSerializer):
    """A reserve cadre (后备干部). POST enters one (ReserveCreateSerializer), PATCH changes readiness, rank,
    status (withdraw: `withdrawn`, with `withdrawn_reason`; appoint: `appointed`, when the person now holds the
    target post in the village) and the override reason. Eligibility is checked as in the web forms: an
    ineligible person needs `override_reason` while the reserve is active."""

    person = ScopedPersonField()
    village = ScopedVillageField()
    target_post = serializers.ChoiceField(choices=RESERVE_TARGET_POSTS)
    override_reason = serializers.CharField(
        source="eligibility_override_reason",
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="不符合条件（年龄、学历）仍纳入后备的理由；不符合条件时必填",
    )

    class Meta:
        model = Reserve
        fields = [
            "id", "person", "village", "target_post", "readiness", "rank", "status", "added_on", "added_how",
            "withdrawn_reason", "override_reason", "eligible", "eligibility_note", "version",
        ]  # fmt: skip
        read_only_fields = ["eligible", "eligibility_note"]  # kept true by reserves/standing.py
        extra_kwargs = {"added_on": {"required": True}, "rank": {"min_value": 1}}
        validators: list = []  # one active entry per target post: duplicate_refusal says it in words

    create_only_fields = ("person", "village", "target_post", "added_on", "added_how")
    update_only_fields = ("status", "withdrawn_reason")

    def validate(self, attrs: dict) -> dict:
        reserve: Reserve | None = self.instance
        if reserve is None:
            person, village, status = attrs["person"], attrs["village"], ReserveStatus.ACTIVE
            self._check_entry(person, village, attrs["target_post"])
        else:
            person, village, status = reserve.person, reserve.village, attrs.get("status", reserve.status)
            attrs.update(self._status_change(reserve, status, attrs))
        if status == ReserveStatus.ACTIVE:
            override = attrs.get("eligibility_override_reason", reserve.eligibility_override_reason if reserve else "")
            refusal = override_refusal(
                eligibility=reserve_eligibility(person=person, village=village), override_reason=override
            )
            if refusal:
                raise serializers.ValidationError({"override_reason": refusal})
        return attrs

    def _check_entry(self, person: Person, village: Village, target_post: str) -> None:
        if not reserve_candidates(village=village).filter(pk=person.pk).exists():
            raise serializers.ValidationError(
                {"person": f"{person.name}不在{village.name}（户籍、任职或后备均不在本村）"}
            )
        refusal = duplicate_refusal(person=person, village=village, target_post=target_post)
        if refusal:
            raise serializers.ValidationError({"target_post": refusal})

    def _status_change(self, reserve: Reserve, status: str, attrs: dict) -> dict:
        """The fields a status change sets, or a 400 naming the field when it cannot happen."""
        reason = attrs.get("withdrawn_reason", "").strip()
        if status != ReserveStatus.WITHDRAWN and reason:
            raise serializers.ValidationError({"withdrawn_reason": "只有退出后备（status 为 withdrawn）时填写退出原因"})
        if status == reserve.status:
            return {}
        if reserve.status != ReserveStatus.ACTIVE:
            shown = ReserveStatus(reserve.status).label
            raise serializers.ValidationError({"status": f"该后备干部已{shown}，状态不能再改；如需重新纳入，请新增"})
        today = timezone.localdate()
        if status == ReserveStatus.WITHDRAWN:
            if not reason:
                raise serializers.ValidationError({"withdrawn_reason": "退出后备须填写退出原因"})
            return {"withdrawn_reason": reason, "status_changed_on": today}
        held = PostAssignment.objects.current().filter(
            person=reserve.person, village=reserve.village, post=reserve.target_post
        )
        post = held.order_by("-start_on", "-pk").first()
        if post is None:
            target = Post(reserve.target_post).label
            raise serializers.ValidationError(
                {"status": f"{reserve.person.name}现未担任{reserve.village.name}{target}，不能标记为已任用"}
            )
        return {"appointed_post": post, "status_changed_on": post.start_on or today}

    def create(self, validated_data: dict) -> Reserve:
        validated_data.pop("version", None)
        return Reserve.objects.create(**validated_data)


class ReserveCreateSerializer(ReserveSerializer):
    creating = True


class TrainingClassSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", queryset=County.objects.all())

    class Meta:
        model = TrainingClass
        fields = ["id", "name", "institution", "level", "county", "starts_on", "ends_on"]

    def validate(self, attrs):
        starts_on = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends_on = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError({"ends_on": "结业日期不能早于开班日期"})
        return attrs


class EnrollmentSerializer(WriteFieldsMixin, serializers.ModelSerializer):
    """A trainee of a class. PATCH changes `status` (and `completed_on`); completing without a date takes the
    class's end date, else today; `enrolled` and `dropped` have none (reserves/enrolment.py)."""

    person = ScopedPersonField()
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED)
    completed_on = serializers.DateField(required=False, allow_null=True, help_text="结业日期（仅 completed）")

    class Meta:
        model = Enrollment
        fields = ["id", "person", "status", "completed_on"]

    create_only_fields = ("person",)

    def validate(self, attrs: dict) -> dict:
        enrollment = self.instance or Enrollment(training_class=self.context["training_class"])
        status = attrs.get("status", enrollment.status)
        given = attrs.get("completed_on", enrollment.completed_on if status == enrollment.status else None)
        if given and status != EnrollmentStatus.COMPLETED:
            raise serializers.ValidationError({"completed_on": "只有结业（status 为 completed）的学员填写结业日期"})
        attrs["completed_on"] = completion_date(enrollment=enrollment, status=status, completed_on=given)
        if refusal := completion_refusal(enrollment=enrollment, completed_on=attrs["completed_on"]):
            raise serializers.ValidationError({"completed_on": refusal})
        return attrs


class EnrollmentCreateSerializer(EnrollmentSerializer):
    creating = True


@extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}, "example": {"director": 3}})
class ByPostField(serializers.DictField):
    pass


class OutcomesSerializer(serializers.Serializer):
    """`rate` is entered_committee ÷ completed as a percentage rounded half-up to one decimal (null when
    nobody completed); `rate_display` is the same with a % sign, or "—"."""

    completed = serializers.IntegerField()
    entered_committee = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True, coerce_to_string=False)
    rate_display = serializers.CharField()
    by_post = ByPostField(child=serializers.IntegerField())
    secretary = serializers.IntegerField()
    director = serializers.IntegerField()
    group_leader = serializers.IntegerField(help_text="社长 (reported separately, not counted as entering)")
    supervision = serializers.IntegerField(help_text="监委 (reported separately, not counted as entering)")

    @staticmethod
    def from_outcomes(outcomes: Outcomes) -> dict:
        return {
            "completed": outcomes.completed,
            "entered_committee": outcomes.entered_committee,
            "rate": outcomes.rate.percent,
            "rate_display": outcomes.rate.display,
            "by_post": {post: outcomes.by_post.get(post, 0) for post in Post.values if post in REPORTED_POSTS},
            "secretary": outcomes.secretary,
            "director": outcomes.director,
            "group_leader": outcomes.group_leader,
            "supervision": outcomes.supervision,
        }


class ElectionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    village = serializers.SlugRelatedField(slug_field="code", queryset=Village.objects.all())

    class Meta:
        model = Election
        fields = ["id", "village", "held_on", "term"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:  # a village the user cannot see does not exist
            scope_related_field(fields, "village", Village.objects.for_user(request.user))
        return fields


class ElectionResultSerializer(serializers.ModelSerializer):
    group_number = serializers.IntegerField(source="group.number", read_only=True, allow_null=True)

    class Meta:
        model = ElectionResult
        fields = ["person", "post", "votes", "group_number"]
        read_only_fields = fields


class ResultRowSerializer(StrictFieldsMixin, serializers.Serializer):
    """One winner to record. Scope is checked by reserves.elections (row errors), not here."""

    person = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    post = serializers.ChoiceField(choices=Post.choices)
    votes = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)
    group_number = serializers.IntegerField(min_value=1, max_value=32767, required=False, allow_null=True)
    # A field named like DRF's Field.source attribute (the metaclass takes it out of the class): 干部来源 of the post.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=CadreSource.choices, required=False, allow_blank=True, default=""
    )


class RecordResultsSerializer(StrictFieldsMixin, serializers.Serializer):
    rows = ResultRowSerializer(many=True, allow_empty=False)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based row number; 0 = the whole election")
    field = serializers.CharField()
    message = serializers.CharField()


class ResultsRefusedSerializer(serializers.Serializer):
    """The results were refused: `detail` and the `rows` with their errors; a body that is not JSON at all
    answers the API's uniform `non_field_errors` instead (villages/api/errors)."""

    detail = serializers.CharField(required=False)
    rows = RowErrorSerializer(many=True, required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


class RecordSummarySerializer(serializers.Serializer):
    results = serializers.IntegerField()
    ended = serializers.IntegerField()
    reserves_appointed = serializers.IntegerField()
    trainees_elected = serializers.IntegerField()
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="people let through without a passed qualification review (the county's rule is warn-only)",
    )
