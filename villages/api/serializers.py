"""Serializers for counties, townships, villages, people and posts: field names exactly as docs/api.md.

Extending: add a serializer field and append its name to `Meta.fields` (the risk engine adds `flags`,
`succession_gaps` and `stats`). Data needed per row should be loaded in bulk by the viewset's `get_queryset()`
(annotations or prefetches) so list endpoints keep a constant number of queries.

Writes: the serializers validate input and say what is wrong in Chinese; who may write is decided by the viewsets
(villages/api/roster.py) through villages/permissions.py. Versioned rows are saved with `roster.save_versioned`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from villages import idcard, risk
from villages.choices import PersonFlag, Post, Severity, SourceCategory, VillageFlag
from villages.models import Assessment, County, Group, Person, PostAssignment, Township, Village
from villages.reference import ReferenceSource
from villages.roster import StaleEditError, party_post_refusal, save_versioned

VILLAGE_FLAGS: frozenset[str] = frozenset(VillageFlag.values)
PERSON_FLAG_ORDER: dict[str, int] = {kind: n for n, kind in enumerate(PersonFlag.values)}
VERSION_HELP = "行版本：PATCH 时附带则只在记录未被他人修改时保存（否则 409）"


class StaleVersion(Exception):
    """Raised by `save()` when the row changed since the client read it; the viewset answers 409."""


class CountySerializer(serializers.ModelSerializer):
    election_date = serializers.DateField(source="planned_election_on", read_only=True, allow_null=True)

    class Meta:
        model = County
        fields = ["code", "name", "election_date"]


class TownshipSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="county.code", read_only=True)

    class Meta:
        model = Township
        fields = ["code", "name", "county"]


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["number", "name"]


class VersionedSerializer(serializers.ModelSerializer):
    """Accepts an optional `version` on update and refuses a stale one (StaleVersion); returns the new one."""

    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)

    def update(self, instance: Any, validated_data: dict) -> Any:
        expected = validated_data.pop("version", instance.version)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            save_versioned(instance, expected_version=expected)
        except StaleEditError as error:
            raise StaleVersion(str(error)) from error
        return instance


class SuccessionGapSerializer(serializers.Serializer):
    """One village-level finding (risk.Finding without a person): what fails, how badly, where, who (detail)."""

    kind = serializers.ChoiceField(choices=VillageFlag.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    post = serializers.ChoiceField(choices=Post.choices, allow_blank=True, help_text="所涉岗位；不针对某一岗位时为空")
    detail = serializers.CharField(help_text="说明（列出所涉人员姓名、年龄、学历等）")


class StatsSerializer(serializers.Serializer):
    """两委 structure (structure.py `Stats.as_dict()`): people counted once, ages 周岁 at the reference date."""

    members = serializers.IntegerField()
    average_age = serializers.FloatField(allow_null=True, help_text="平均年龄，保留一位小数；无成员时为 null")
    aged_60_plus = serializers.IntegerField()
    aged_35_or_under = serializers.IntegerField()
    junior_high_or_below = serializers.IntegerField()
    associate_or_above = serializers.IntegerField()
    women = serializers.IntegerField()


class EvaluationListSerializer(serializers.ListSerializer):
    """Lists (a page of villages or people): the child's bulk loader runs once for all rows, in constant queries.

    The child serializer class names `load_evaluations(instances, as_of=...) -> dict[pk, value]`; the result is
    kept in the context under `evaluations`, where `evaluation()` below looks first.
    """

    def to_representation(self, data: Any) -> list:
        rows = list(data.all() if hasattr(data, "all") else data)
        self.context["evaluations"] = self.child.load_evaluations(rows, as_of=self.context.get("as_of"))
        return super().to_representation(rows)


class EvaluatedSerializerMixin:
    """Per-row computed values (risk flags), loaded in bulk for lists and on demand for a single object.

    Subclasses set `Meta.list_serializer_class = EvaluationListSerializer` and define `load_evaluations`.

    Context `as_of` (a date or None): the reference date; None means each village's own (risk.reference_date).
    """

    @classmethod
    def load_evaluations(cls, instances: list, *, as_of: dt.date | None) -> dict[int, Any]:
        raise NotImplementedError

    def evaluation(self, instance: Any) -> Any:
        evaluations = self.context.setdefault("evaluations", {})
        if instance.pk not in evaluations:  # a single object (detail, or the answer to a write)
            evaluations.update(self.load_evaluations([instance], as_of=self.context.get("as_of")))
        return evaluations.get(instance.pk)


class VillageSerializer(EvaluatedSerializerMixin, VersionedSerializer):
    """A village (村/社区). `code` and `township` are set on creation only; `election_date` is the planned one.

    Computed by the risk engine (villages/risk/) on the reference date (`?as_of=`, else the village's planned
    election date, else its county's, else today), read-only:
    - `succession_gaps`: every village-level finding that fires (one per VillageFlag rule at most), in rule
      order, as `{kind, severity, post, detail}`; person flags are not gaps (they are on `people/`);
    - `flags`: the distinct `kind`s of `succession_gaps`, in the same order (the village-level rule keys
      that fire). Each rule yields one finding at most, so `flags` and `succession_gaps` have equal length;
    - `stats`: 两委 members' structure (structure.committee_stats gives the same numbers);
    - `reference_date`, `reference_source`: the date the ages of `stats` and the rules are counted on, and why
      (villages/reference.py: as_of, village, county or today).
    """

    township = serializers.SlugRelatedField(slug_field="code", queryset=Township.objects.none())
    county = serializers.CharField(source="township.county.code", read_only=True)
    groups = GroupSerializer(many=True, read_only=True)
    election_date = serializers.DateField(source="planned_election_on", required=False, allow_null=True)
    flags = serializers.SerializerMethodField(help_text="触发的村级规则（键）")
    succession_gaps = serializers.SerializerMethodField(help_text="村级风险（班子结构与接续缺口），按规则顺序")
    stats = serializers.SerializerMethodField(help_text="两委成员结构")
    reference_date = serializers.SerializerMethodField(help_text="年龄与规则的计算基准日")
    reference_source = serializers.SerializerMethodField(help_text="基准日来源：as_of/village/county/today")

    class Meta:
        model = Village
        fields = [
            "code", "name", "township", "county", "groups", "party_org_type", "party_member_count",
            "last_party_admission_on", "development_candidates", "election_date", "held_election_on",
            "flags", "succession_gaps", "stats", "reference_date", "reference_source", "version",
        ]  # fmt: skip
        list_serializer_class = EvaluationListSerializer

    @classmethod
    def load_evaluations(cls, instances: list[Village], *, as_of: dt.date | None) -> dict[int, risk.Evaluation]:
        villages = Village.objects.filter(pk__in=[v.pk for v in instances])
        return risk.evaluations_for_villages(villages=villages, as_of=as_of)

    def _gaps(self, village: Village) -> list[risk.Finding]:
        return [f for f in self.evaluation(village).findings if f.person_id is None and f.kind in VILLAGE_FLAGS]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=VillageFlag.choices)))
    def get_flags(self, village: Village) -> list[str]:
        return list(dict.fromkeys(f.kind for f in self._gaps(village)))

    @extend_schema_field(SuccessionGapSerializer(many=True))
    def get_succession_gaps(self, village: Village) -> list[dict]:
        return [
            {"kind": f.kind, "severity": f.severity, "post": f.post, "detail": f.detail} for f in self._gaps(village)
        ]

    @extend_schema_field(StatsSerializer)
    def get_stats(self, village: Village) -> dict[str, object]:
        return self.evaluation(village).stats.as_dict()

    @extend_schema_field(serializers.DateField())
    def get_reference_date(self, village: Village) -> str:
        return self.evaluation(village).reference.on.isoformat()

    @extend_schema_field(serializers.ChoiceField(choices=ReferenceSource.choices))
    def get_reference_source(self, village: Village) -> str:
        return str(self.evaluation(village).reference.source)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["township"].queryset = Township.objects.for_user(request.user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["code"].read_only = True  # a village keeps its code; a new code is a new village
            fields["township"].read_only = True
        return fields

    def validate(self, attrs: dict) -> dict:
        code, township = attrs.get("code"), attrs.get("township")
        if code and township and not code.startswith(township.code):
            raise serializers.ValidationError({"code": f"村代码应以所属乡镇代码 {township.code} 开头"})
        return attrs


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = ["year", "grade"]

    def validate_year(self, year: int) -> int:
        this_year = timezone.localdate().year
        if not 1980 <= year <= this_year:
            raise serializers.ValidationError(f"年度应在 1980–{this_year} 之间")
        return year


class PostBriefSerializer(serializers.ModelSerializer):
    """A person's current post, as listed inside the person."""

    village = serializers.CharField(source="village.code", read_only=True)
    group_number = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = PostAssignment
        fields = ["id", "village", "organ", "post", "group_number", "start_on", "how"]
        read_only_fields = fields


class PersonSerializer(EvaluatedSerializerMixin, VersionedSerializer):
    """A person. `id_number` is write-only (POST/PATCH, whole); GET returns `id_number_masked` only.

    The number is the source of truth for gender and birth date: left out, they are derived from it; typed
    values that disagree are errors. Region-code remarks are never errors.

    `flags` (read-only): the person rule keys that fire over the posts the person currently holds, in any
    village (risk.person_flags_for), in PersonFlag order; ages are 周岁 on `?as_of=`, else on each post's
    village reference date. Someone holding no 两委 post or 社长 post has none. `age` stays the age today.
    """

    village = serializers.SlugRelatedField(source="home_village", slug_field="code", queryset=Village.objects.none())
    id_number = serializers.CharField(write_only=True, max_length=40, help_text="公民身份号码（18位或15位），只写")
    id_number_masked = serializers.CharField(read_only=True)
    gender = serializers.ChoiceField(choices=Person._meta.get_field("gender").choices, required=False)
    birth_date = serializers.DateField(required=False)
    age = serializers.SerializerMethodField()
    source_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=SourceCategory.choices), required=False
    )
    assessments = AssessmentSerializer(many=True, required=False, help_text="写入时按年度新增或更新，不删除其他年度")
    flags = serializers.SerializerMethodField(help_text="触发的人员规则（键）")
    posts = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id", "name", "village", "id_number", "id_number_masked", "gender", "birth_date", "age", "ethnicity",
            "political_status", "party_joined_on", "education", "education_in_service", "education_in_progress",
            "health", "able_to_serve", "quality_rating", "phone", "source_categories", "assessments", "flags",
            "posts", "version",
        ]  # fmt: skip
        list_serializer_class = EvaluationListSerializer

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # Any village whose roster the user keeps; a visible but read-only village is refused by the viewset.
            fields["village"].queryset = Village.objects.for_user(request.user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["id_number"].required = False
        return fields

    def get_age(self, person: Person) -> int:
        return person.age_on(timezone.localdate())

    @classmethod
    def load_evaluations(cls, instances: list[Person], *, as_of: dt.date | None) -> dict[int, list[risk.Finding]]:
        flags = risk.person_flags_for(people=Person.objects.filter(pk__in=[p.pk for p in instances]), as_of=as_of)
        return {p.pk: flags.get(p.pk, []) for p in instances}  # every row a key: no flags is an answer too

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=PersonFlag.choices)))
    def get_flags(self, person: Person) -> list[str]:
        kinds = {f.kind for f in self.evaluation(person)}
        return sorted(kinds, key=PERSON_FLAG_ORDER.__getitem__)

    @extend_schema_field(PostBriefSerializer(many=True))
    def get_posts(self, person: Person) -> list[dict]:
        posts = getattr(person, "current_posts", None)
        if posts is None:  # not prefetched (a single object after a write)
            posts = person.posts.current().select_related("village", "group").order_by("pk")
        return PostBriefSerializer(posts, many=True).data

    def validate_id_number(self, raw: str) -> str:
        try:
            parsed = idcard.parse(raw, today=timezone.localdate())
        except idcard.InvalidIdNumber as error:
            raise serializers.ValidationError(str(error)) from None
        others = Person.objects.filter(id_number=parsed.number)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("该身份证号码已登记在其他人员名下（可能在其他乡镇），请核对")
        self._parsed = parsed
        return parsed.number

    def validate_assessments(self, rows: list[dict]) -> list[dict]:
        years = [row["year"] for row in rows]
        if len(years) != len(set(years)):
            raise serializers.ValidationError("同一年度只能有一条考核结果")
        return rows

    def validate(self, attrs: dict) -> dict:
        parsed = getattr(self, "_parsed", None)
        if parsed is None and self.instance is not None:
            parsed = idcard.parse(self.instance.id_number)
        if parsed is not None:
            errors = idcard.consistency_errors(parsed, gender=attrs.get("gender"), birth_date=attrs.get("birth_date"))
            if errors:
                raise serializers.ValidationError(errors)
            attrs["gender"], attrs["birth_date"] = parsed.gender, parsed.birth_date
        joined = attrs.get("party_joined_on")
        if joined and joined > timezone.localdate():
            raise serializers.ValidationError({"party_joined_on": "入党时间不能晚于今天"})
        return attrs

    @transaction.atomic
    def create(self, validated_data: dict) -> Person:
        assessments = validated_data.pop("assessments", [])
        validated_data.pop("version", None)
        try:
            with transaction.atomic():
                person = Person.objects.create(**validated_data)
        except IntegrityError:
            raise serializers.ValidationError({"id_number": ["该身份证号码已登记在其他人员名下，请核对"]}) from None
        _save_assessments(person, assessments)
        return person

    @transaction.atomic
    def update(self, instance: Person, validated_data: dict) -> Person:
        assessments = validated_data.pop("assessments", [])
        person = super().update(instance, validated_data)
        _save_assessments(person, assessments)
        return person


def _save_assessments(person: Person, rows: list[dict]) -> None:
    """Add or change the given years' grades (each through save(), so history records who changed them)."""
    for row in rows:
        assessment, created = Assessment.objects.get_or_create(
            person=person, year=row["year"], defaults={"grade": row["grade"]}
        )
        if not created and assessment.grade != row["grade"]:
            assessment.grade = row["grade"]
            assessment.save(update_fields=["grade"])


class PostSerializer(VersionedSerializer):
    """A post assignment. `group_number` names the 社 (社长 only); `organ` follows from `post`."""

    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    village = serializers.SlugRelatedField(slug_field="code", queryset=Village.objects.none())
    group_number = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    class Meta:
        model = PostAssignment
        fields = [
            "id", "person", "village", "organ", "post", "group_number", "start_on", "end_on", "how", "term",
            "end_reason", "version",
        ]  # fmt: skip
        read_only_fields = ["organ"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["person"].queryset = Person.objects.for_user(request.user)
            fields["village"].queryset = Village.objects.for_user(request.user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in ("person", "village", "post"):
                fields[name].read_only = True  # another person, village or post is a new assignment
        return fields

    def validate(self, attrs: dict) -> dict:
        instance: PostAssignment | None = self.instance
        village = attrs.get("village") or instance.village
        post = attrs.get("post") or instance.post
        start_on = attrs.get("start_on", instance.start_on if instance else None)
        end_on = attrs.get("end_on", instance.end_on if instance else None)
        if start_on and end_on and end_on < start_on:
            raise serializers.ValidationError({"end_on": f"离任时间不能早于任职时间（{start_on:%Y-%m-%d}）"})
        attrs.update(self._group(attrs, village=village, post=post, instance=instance))
        if instance is None:
            self._not_held_twice(attrs["person"], village=village, post=post, end_on=end_on)
            refusal = party_post_refusal(person=attrs["person"], post=post)
            if refusal:
                raise serializers.ValidationError({"person": refusal})
        return attrs

    def _group(self, attrs: dict, *, village: Village, post: str, instance: PostAssignment | None) -> dict:
        if "group_number" not in attrs:
            if instance is None and post == Post.GROUP_LEADER:
                raise serializers.ValidationError({"group_number": "社长须填写所在社（社号）"})
            return {}
        number = attrs.pop("group_number")
        if post != Post.GROUP_LEADER:
            if number is not None:
                raise serializers.ValidationError({"group_number": "只有社长才填写所在社"})
            return {}
        group = Group.objects.filter(village=village, number=number).first() if number else None
        if group is None:
            raise serializers.ValidationError({"group_number": f"{village.name}没有第{number}社"})
        return {"group": group}

    def _not_held_twice(self, person: Person, *, village: Village, post: str, end_on: dt.date | None) -> None:
        if (
            end_on is None
            and PostAssignment.objects.filter(person=person, village=village, post=post, end_on__isnull=True).exists()
        ):
            raise serializers.ValidationError({"post": f"{person.name}已担任本村{Post(post).label}，请先结束原任职"})

    def create(self, validated_data: dict) -> PostAssignment:
        validated_data.pop("version", None)
        return PostAssignment.objects.create(**validated_data)
