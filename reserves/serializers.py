"""Serializers for reserves, classes, enrolments, outcomes and elections (field names exactly as docs/api.md)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reserves.choices import EnrollmentStatus
from reserves.models import Election, ElectionResult, Enrollment, Reserve, TrainingClass
from reserves.outcomes import REPORTED_POSTS, Outcomes
from villages.api.serializers import scope_related_field
from villages.choices import CadreSource, Post
from villages.http import signed_in_user
from villages.models import County, Person, Village


class ScopedPersonField(serializers.PrimaryKeyRelatedField):
    """A person id the requesting user may see (others are "does not exist", never a hint)."""

    def get_queryset(self) -> QuerySet[Person]:
        return Person.objects.for_user(signed_in_user(self.context["request"].user))


class ReserveSerializer(serializers.ModelSerializer):
    village: serializers.SlugRelatedField[Village] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Reserve
        fields = ["id", "person", "village", "target_post", "readiness", "status", "added_on", "withdrawn_reason"]
        read_only_fields = fields


class TrainingClassSerializer(serializers.ModelSerializer):
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


class EnrollmentSerializer(serializers.ModelSerializer):
    person = ScopedPersonField()
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED)

    class Meta:
        model = Enrollment
        fields = ["id", "person", "status"]


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


class ElectionSerializer(serializers.ModelSerializer):
    village = serializers.SlugRelatedField(slug_field="code", queryset=Village.objects.all())

    class Meta:
        model = Election
        fields = ["id", "village", "held_on", "term"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:  # a village the user cannot see does not exist
            scope_related_field(fields, "village", Village.objects.for_user(signed_in_user(request.user)))
        return fields


class ElectionResultSerializer(serializers.ModelSerializer):
    group_number = serializers.IntegerField(source="group.number", read_only=True, allow_null=True)

    class Meta:
        model = ElectionResult
        fields = ["person", "post", "votes", "group_number"]
        read_only_fields = fields


class ResultRowSerializer(serializers.Serializer):
    """One winner to record. Scope is checked by reserves.elections (row errors), not here."""

    person = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    post = serializers.ChoiceField(choices=Post.choices)
    votes = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)
    group_number = serializers.IntegerField(min_value=1, max_value=32767, required=False, allow_null=True)
    source = serializers.ChoiceField(choices=CadreSource.choices, required=False, allow_blank=True, default="")


class RecordResultsSerializer(serializers.Serializer):
    rows = ResultRowSerializer(many=True, allow_empty=False)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based row number; 0 = the whole election")
    field = serializers.CharField()
    message = serializers.CharField()


class ResultsRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    # Absent when the body could not be parsed at all (DRF's 400: only `detail`).
    rows = RowErrorSerializer(many=True, required=False)


class RecordSummarySerializer(serializers.Serializer):
    results = serializers.IntegerField()
    ended = serializers.IntegerField()
    reserves_appointed = serializers.IntegerField()
    trainees_elected = serializers.IntegerField()
