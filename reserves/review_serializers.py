"""Serializers of `reviews/` and `negative-records/` (docs/api.md): field names exactly as documented.

Reads take the derived outcome of each review from the serializer context (`outcomes`: pk → ReviewOutcome,
computed in bulk by the viewset). Township users get the outcome and what is missing, never negative-list detail:
`failure_reasons` is worded without it and the notes of county and committee opinions are left empty for them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reserves.choices import Conclusion, QualificationStatus, ReviewPurpose, ReviewRound
from reserves.models import NegativeRecord, Review, ReviewOpinion
from reserves.reviews import ReviewOutcome, ReviewRuleBook, can_read_details, is_live
from reserves.reviews.access import COUNTY_ROUNDS
from reserves.reviews.opening import opinion_problems, record_problems
from reserves.serializers import ScopedPersonField
from villages.api.strict import StrictFieldsMixin, WriteFieldsMixin
from villages.choices import Post
from villages.models import Person, Village


class ScopedVillageField(serializers.SlugRelatedField):
    def get_queryset(self):
        return Village.objects.for_user(self.context["request"].user).select_related("township")


class OpinionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    round = serializers.ChoiceField(choices=ReviewRound.choices)
    conclusion = serializers.ChoiceField(choices=Conclusion.choices)
    department = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    class Meta:
        model = ReviewOpinion
        fields = ["id", "round", "department", "conclusion", "note", "concluded_on", "document_number"]

    def to_representation(self, instance: ReviewOpinion) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.round in COUNTY_ROUNDS and not can_read_details(self.context["request"].user):
            data["note"] = ""  # a county department's reason may name a negative-list finding
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        problems = opinion_problems(
            review=self.context["review"],
            round=attrs["round"],
            department=attrs.get("department", ""),
            conclusion=attrs["conclusion"],
            note=attrs.get("note", ""),
            concluded_on=attrs.get("concluded_on"),
        )
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class ReviewSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    person = ScopedPersonField()
    village = ScopedVillageField(slug_field="code")
    purpose = serializers.ChoiceField(choices=ReviewPurpose.choices)
    cycle = serializers.RegexField(
        r"^\d{4}$", help_text="届次年份，如 2026", error_messages={"invalid": "届次年份应为4位数字"}
    )
    post = serializers.ChoiceField(choices=Post.choices, required=False, allow_blank=True, default="")
    status = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField(help_text="意见尚缺的环节或部门")
    failure_reasons = serializers.SerializerMethodField()
    opinions = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id", "person", "village", "purpose", "cycle", "post", "status", "opinions", "missing",
            "failure_reasons", "opened_on", "opinions_due_on", "withdrawn_on", "withdrawn_reason",
        ]  # fmt: skip
        read_only_fields = ["opened_on", "withdrawn_on", "withdrawn_reason"]
        validators: list = []  # one review per person, purpose and cycle: the viewset answers on `person`

    def _outcome(self, review: Review) -> ReviewOutcome:
        return self.context["outcomes"][review.pk]

    @extend_schema_field(OpinionSerializer(many=True))
    def get_opinions(self, review: Review) -> Any:
        """Every opinion recorded, oldest first (read from the outcome: no query per review)."""
        return OpinionSerializer(self._outcome(review).history, many=True, context=self.context).data

    @extend_schema_field(serializers.ChoiceField(choices=QualificationStatus.choices))
    def get_status(self, review: Review) -> str:
        return self._outcome(review).status

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing(self, review: Review) -> list[str]:
        return self._outcome(review).missing_labels()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_failure_reasons(self, review: Review) -> list[str]:
        return self._outcome(review).failure_reasons(detail=can_read_details(self.context["request"].user))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        person, village = attrs["person"], attrs["village"]
        township = Village.objects.filter(township_id=village.township_id)
        if not Person.objects.in_villages(township).filter(pk=person.pk).exists():
            raise serializers.ValidationError({"person": f"{person.name}不在{village.township.name}的人员中"})
        return attrs


class NegativeRecordSerializer(WriteFieldsMixin, serializers.ModelSerializer):
    person = ScopedPersonField()
    item = serializers.SerializerMethodField(help_text="the item's wording in the county's list")
    live = serializers.SerializerMethodField(help_text="whether the entry counts today")

    class Meta:
        model = NegativeRecord
        fields = [
            "id", "person", "item_code", "item", "source_department", "occurred_on", "ends_on", "rectified_on",
            "document_number", "detail", "live", "recorded_at",
        ]  # fmt: skip
        read_only_fields = ["recorded_at"]

    # Another person or item is another record: fixed once written (a PATCH naming them answers 400).
    create_only_fields = ("person", "item_code")

    def _rule(self, record: NegativeRecord):
        book: ReviewRuleBook = self.context["book"]
        return book.item(county_id=record.county_id, code=record.item_code, on=self.context["today"])

    def get_item(self, record: NegativeRecord) -> str:
        rule = self._rule(record)
        return rule.wording if rule else ""

    def get_live(self, record: NegativeRecord) -> bool:
        return is_live(record, self._rule(record), on=self.context["today"])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        def value(name: str) -> Any:
            return attrs.get(name, getattr(self.instance, name, None))

        county_id = self.instance.county_id if self.instance else self.context["county_for"](value("person")).pk
        problems = record_problems(
            county_id=county_id,
            item_code=value("item_code") or "",
            occurred_on=value("occurred_on"),
            ends_on=value("ends_on"),
            rectified_on=value("rectified_on"),
            new=self.instance is None,
        )
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class NegativeRecordCreateSerializer(NegativeRecordSerializer):
    creating = True
