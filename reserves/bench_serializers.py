"""Serializers of the bench API (docs/api.md: talents, mentors, talks, placements, education programmes).

Writes are strict: a field the request may not write (unknown or read-only) answers 400 naming it, never silently
dropped. The domain functions make the writes; these only shape and validate input.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from reserves.choices import (
    PROGRAMME_LEVELS,
    AddedHow,
    MentorSide,
    ProgrammeStatus,
    Readiness,
    TalkBy,
)
from reserves.models import EducationProgramme, Enrollment, Placement, Talent, Talk
from villages.choices import Post
from villages.models import Person, Village

RESERVE_POSTS = [(value, label) for value, label in Post.choices if value != Post.FIRST_SECRETARY]


class StrictMixin:
    """Refuse fields the request may not write (unknown or read-only) with a 400 naming each."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
            refused = sorted(set(data) - writable)
            if refused:
                raise serializers.ValidationError({name: ["此字段不可写入"] for name in refused})
        return super().to_internal_value(data)  # type: ignore[misc]


class EditablePersonField(serializers.PrimaryKeyRelatedField):
    """A person the requesting user may edit (others are "does not exist", never a hint)."""

    def get_queryset(self):
        return Person.objects.editable_by(self.context["request"].user)


class VisibleVillageField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Village.objects.for_user(self.context["request"].user)


class TalentSerializer(StrictMixin, serializers.ModelSerializer):
    person = EditablePersonField()
    village = VisibleVillageField()

    class Meta:
        model = Talent
        fields = [
            "id", "person", "village", "source", "category", "current_location", "current_work", "contact",
            "willingness", "strengths", "entered_on", "status", "status_changed_on", "left_reason", "reserve",
        ]  # fmt: skip
        read_only_fields = ["status", "status_changed_on", "left_reason", "reserve"]
        extra_kwargs = {"entered_on": {"required": False}}

    def to_representation(self, instance: Talent) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["person"] = instance.person_id
        return data


class TalentEditSerializer(TalentSerializer):
    """PATCH of a talent: a talent's person and village never change (a new entry instead), so they are read-only
    here and the schema does not document them as writable (the PATCH answered 400 for fields it listed)."""

    person = EditablePersonField(read_only=True)
    village = VisibleVillageField(read_only=True)


class PromoteSerializer(StrictMixin, serializers.Serializer):
    target_post = serializers.ChoiceField(choices=RESERVE_POSTS)
    readiness = serializers.ChoiceField(choices=Readiness.choices, default=Readiness.NEEDS_DEVELOPMENT)
    added_on = serializers.DateField(required=False)
    added_how = serializers.ChoiceField(choices=AddedHow.choices, default=AddedHow.RECOMMENDED)
    override_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LeaveSerializer(StrictMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class MentorSerializer(StrictMixin, serializers.Serializer):
    """One of a reserve's two mentors. POST names (or replaces) the mentor of `side`."""

    side = serializers.ChoiceField(choices=MentorSide.choices)
    person = serializers.IntegerField(
        required=False, allow_null=True, help_text="village side: a person id of the village (required)"
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text="township side: required")
    post = serializers.CharField(required=False, allow_blank=True, max_length=50)
    named_on = serializers.DateField(allow_null=True, help_text="null (in answers) while the side is not named")
    due_on = serializers.DateField(read_only=True, help_text="named no later than this (entry + the county's months)")

    def validate_named_on(self, value: Any) -> Any:
        if value is None:
            raise serializers.ValidationError("请填写明确日期")
        return value


class TalkSerializer(StrictMixin, serializers.ModelSerializer):
    by = serializers.ChoiceField(choices=TalkBy.choices)

    class Meta:
        model = Talk
        fields = ["id", "held_on", "by", "by_name", "topic", "follow_up"]
        extra_kwargs = {"by_name": {"required": False, "allow_blank": True}, "follow_up": {"required": False}}


class PlacementSerializer(StrictMixin, serializers.ModelSerializer):
    class Meta:
        model = Placement
        fields = ["id", "post_name", "starts_on", "ends_on", "stipend", "stipend_note"]
        extra_kwargs = {"ends_on": {"required": False}, "stipend_note": {"required": False}}


class ProgrammeSerializer(StrictMixin, serializers.ModelSerializer):
    person = EditablePersonField()
    level = serializers.ChoiceField(choices=PROGRAMME_LEVELS)
    enrollment = serializers.PrimaryKeyRelatedField(
        queryset=Enrollment.objects.filter(training_class__level="degree"), required=False, allow_null=True
    )

    class Meta:
        model = EducationProgramme
        fields = [
            "id", "person", "institution", "major", "level", "enrolled_on", "expected_graduation_on", "status",
            "ended_on", "funding_note", "enrollment",
        ]  # fmt: skip
        read_only_fields = ["status", "ended_on"]
        extra_kwargs = {"funding_note": {"required": False}}

    def to_representation(self, instance: EducationProgramme) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["person"] = instance.person_id
        return data


class ProgrammeEndSerializer(StrictMixin, serializers.Serializer):
    """PATCH of a programme: it graduated or was dropped on a date (the only change a programme takes)."""

    status = serializers.ChoiceField(choices=[ProgrammeStatus.GRADUATED, ProgrammeStatus.DROPPED])
    ended_on = serializers.DateField()
