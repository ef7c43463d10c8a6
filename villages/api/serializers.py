"""Serializers for counties, townships, villages, people and posts: field names exactly as docs/api.md.

Extending: add a serializer field and append its name to `Meta.fields` (the risk engine adds `flags`,
`succession_gaps` and `stats`). Data needed per row should be loaded in bulk by the viewset's `get_queryset()`
(annotations or prefetches) so list endpoints keep a constant number of queries.

Writes: the serializers validate input and say what is wrong in Chinese; who may write is decided by the viewsets
(villages/api/roster.py) through villages/permissions.py. Versioned rows are saved with `roster.save_versioned`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from villages import data_version, risk
from villages.api.strict import StrictFieldsMixin, WriteFieldsMixin
from villages.choices import Gender, PersonFlag, Post, Severity, SourceCategory, VillageFlag
from villages.models import Assessment, City, County, Group, Person, PostAssignment, Township, User, Village
from villages.reference import ReferenceSource
from villages.roster import (
    RosterRefused,
    StaleEditError,
    change_post,
    record_assessment,
    save_person,
    save_versioned,
    start_post,
)
from villages.roster.groups import GroupsRefused, replace_groups
from villages.roster.invariants import valid_id_number

VILLAGE_FLAGS: frozenset[str] = frozenset(VillageFlag.values)
PERSON_FLAG_ORDER: dict[str, int] = {kind: n for n, kind in enumerate(PersonFlag.values)}
VERSION_HELP = "行版本：PATCH 时附带则只在记录未被他人修改时保存（否则 409）"


# The API's names for the roster write functions' fields (villages.roster.invariants), where they differ.
PERSON_FIELDS: dict[str, str] = {"home_village": "village"}
POST_FIELDS: dict[str, str] = {"group": "group_number"}
ASSESSMENT_FIELDS: dict[str, str] = {"year": "assessments", "grade": "assessments"}
T = TypeVar("T")


def scope_related_field(fields: dict[str, serializers.Field], name: str, queryset: QuerySet[Any]) -> None:
    """Limit the related field `name` to the user's scoped `queryset` (anything else "does not exist")."""
    field = fields[name]
    if not isinstance(field, serializers.RelatedField):
        raise TypeError(f"{name} is a {type(field).__name__}, not a related field")
    # djangorestframework-stubs declare `queryset` as `QuerySet | Manager`; mypy then reads the assignment through
    # Manager's descriptor `__get__` and refuses a QuerySet, which DRF itself accepts.
    field.queryset = queryset  # type: ignore[arg-type]


class StaleVersion(Exception):
    """Raised by `save()` when the row changed since the client read it; the viewset answers 409.

    Carries the StaleEditError (who changed the row, when, and which fields) for the answer's body.
    """

    def __init__(self, error: StaleEditError) -> None:
        super().__init__(str(error))
        self.error = error


class CitySerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["code", "name"]


class CountySerializer(serializers.ModelSerializer):
    election_date = serializers.DateField(source="planned_election_on", read_only=True, allow_null=True)
    city = serializers.CharField(source="city.code", read_only=True)

    class Meta:
        model = County
        fields = ["code", "name", "city", "election_date"]


class TownshipSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="county.code", read_only=True)
    city = serializers.CharField(source="county.city.code", read_only=True)

    class Meta:
        model = Township
        fields = ["code", "name", "county", "city"]


class GroupSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, help_text="名称；留空显示为“N社”")

    class Meta:
        model = Group
        fields = ["number", "name"]
        extra_kwargs = {"number": {"min_value": 1, "help_text": "社号（村内唯一）"}}
        validators: list = []  # (village, number) is unique: checked over the whole list by the village


class VersionedSerializer(WriteFieldsMixin, serializers.ModelSerializer):
    """Accepts an optional `version` on update and refuses a stale one (StaleVersion); returns the new one.

    One class reads and PATCHes; its subclass with `creating = True` POSTs (WriteFieldsMixin): `version` is
    writable on PATCH only (a new row starts at 1).
    """

    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.creating:
            fields["version"].read_only = True
        return fields

    def update(self, instance: Any, validated_data: dict) -> Any:
        expected = validated_data.pop("version", instance.version)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            save_versioned(instance, expected_version=expected)
        except StaleEditError as error:
            raise StaleVersion(error) from error
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
        child = self.child
        if not isinstance(child, EvaluatedSerializerMixin):
            raise TypeError(f"{type(child).__name__} has no load_evaluations (see EvaluatedSerializerMixin)")
        _writable_context(self)["evaluations"] = child.load_evaluations(rows, as_of=self.context.get("as_of"))
        return super().to_representation(rows)


class VillageListSerializer(EvaluationListSerializer):
    """A page of villages, each village's whole representation kept under its village's data version
    (villages/data_version.py): a village's fields, groups and computed figures read only its own data (the
    people holding its posts, reserve places… are charged to it when saved). A village is serialized once until
    the next write that reaches it; only the missing villages get their groups loaded and are serialized."""

    def to_representation(self, data: Any) -> list:
        rows = list(data.all() if hasattr(data, "all") else data)
        parts = (self.context.get("as_of"), timezone.localdate())  # judged on today without a planned date

        def represent(pks: list[int]) -> dict[int, Any]:
            wanted = set(pks)
            missing = [v for v in rows if v.pk in wanted]
            prefetch_related_objects(missing, "groups")
            represented = super(VillageListSerializer, self).to_representation(missing)
            return {v.pk: r for v, r in zip(missing, represented, strict=True)}

        places = data_version.village_places(rows)
        found = data_version.cached_many("village-json", list(places), parts, represent, village_of=places)
        return [found[v.pk] for v in rows]


def _writable_context(serializer: serializers.BaseSerializer) -> dict[str, Any]:
    """The serializer's context, where evaluations are kept for the request.

    DRF keeps the context as the dict it was given (`{}` by default), shared by a list and its children; the stubs
    declare it a read-only `Mapping`.
    """
    context = serializer.context
    if not isinstance(context, dict):
        raise TypeError(f"{type(serializer).__name__}'s context is a {type(context).__name__}, not a dict")
    return context


class EvaluatedSerializerMixin(serializers.BaseSerializer):
    """Per-row computed values (risk flags), loaded in bulk for lists and on demand for a single object.

    Subclasses set `Meta.list_serializer_class = EvaluationListSerializer` and define `load_evaluations`.

    Context `as_of` (a date or None): the reference date; None means each village's own (risk.reference_date).
    """

    @classmethod
    def load_evaluations(cls, instances: list, *, as_of: dt.date | None) -> dict[int, Any]:
        raise NotImplementedError

    def evaluation(self, instance: Any) -> Any:
        evaluations = _writable_context(self).setdefault("evaluations", {})
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
    city = serializers.CharField(source="township.county.city.code", read_only=True)
    groups = GroupSerializer(
        many=True,
        required=False,
        help_text="村民小组（社）；PATCH 时整体替换：未列出的社被删除（有在任社长的社不能删除）",
    )
    election_date = serializers.DateField(source="planned_election_on", required=False, allow_null=True)
    flags = serializers.SerializerMethodField(help_text="触发的村级规则（键）")
    succession_gaps = serializers.SerializerMethodField(help_text="村级风险（班子结构与接续缺口），按规则顺序")
    stats = serializers.SerializerMethodField(help_text="两委成员结构")
    reference_date = serializers.SerializerMethodField(help_text="年龄与规则的计算基准日")
    reference_source = serializers.SerializerMethodField(help_text="基准日来源：as_of/village/county/today")

    class Meta:
        model = Village
        fields = [
            "code", "name", "township", "county", "city", "groups", "party_org_type", "party_member_count",
            "last_party_admission_on", "development_candidates", "election_date", "held_election_on",
            "villager_representatives", "flags", "succession_gaps", "stats", "reference_date", "reference_source",
            "version",
        ]  # fmt: skip
        list_serializer_class = VillageListSerializer

    create_only_fields = ("code", "township")  # a village keeps its code; a new code is a new village

    @classmethod
    def load_evaluations(cls, instances: list[Village], *, as_of: dt.date | None) -> dict[int, dict[str, Any]]:
        """Each village's computed fields, kept under its village's data version (villages/data_version.py) and
        reference: a village is judged once until the next write that reaches it. Kept as the plain values the
        fields print (not the engine's Evaluation, whose rule book costs more to unpickle than to recompute)."""

        def evaluate(pks: list[int]) -> dict[int, dict[str, Any]]:
            evaluations = risk.evaluations_for_villages(villages=Village.objects.filter(pk__in=pks), as_of=as_of)
            return {pk: cls.computed_fields(e) for pk, e in evaluations.items()}

        # Without ?as_of= a village may be judged on today (no planned election date): today is part of the key.
        parts = (as_of, timezone.localdate())
        places = data_version.village_places(instances)  # a village's figures read its data only
        return data_version.cached_many("village-fields", list(places), parts, evaluate, village_of=places)

    @staticmethod
    def computed_fields(evaluation: risk.Evaluation) -> dict[str, Any]:
        """The read-only fields the risk engine gives a village (see the class docstring)."""
        gaps = [f for f in evaluation.findings if f.person_id is None and f.kind in VILLAGE_FLAGS]
        reference = evaluation.reference
        if reference is None:  # evaluations_for_villages always dates its evaluations
            raise ValueError("an evaluation without its reference date")
        return {
            "flags": list(dict.fromkeys(f.kind for f in gaps)),
            "succession_gaps": [
                {"kind": f.kind, "severity": f.severity, "post": f.post, "detail": f.detail} for f in gaps
            ],
            "stats": evaluation.stats.as_dict(),
            "reference_date": reference.on.isoformat(),
            "reference_source": str(reference.source),
        }

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=VillageFlag.choices)))
    def get_flags(self, village: Village) -> list[str]:
        return self.evaluation(village)["flags"]

    @extend_schema_field(SuccessionGapSerializer(many=True))
    def get_succession_gaps(self, village: Village) -> list[dict]:
        return self.evaluation(village)["succession_gaps"]

    @extend_schema_field(StatsSerializer)
    def get_stats(self, village: Village) -> dict[str, object]:
        return self.evaluation(village)["stats"]

    @extend_schema_field(serializers.DateField())
    def get_reference_date(self, village: Village) -> str:
        return self.evaluation(village)["reference_date"]

    @extend_schema_field(serializers.ChoiceField(choices=ReferenceSource.choices))
    def get_reference_source(self, village: Village) -> str:
        return self.evaluation(village)["reference_source"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            scope_related_field(fields, "township", Township.objects.for_user(request.user))
        return fields

    def validate_groups(self, rows: list[dict]) -> list[dict]:
        numbers = [row["number"] for row in rows]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise serializers.ValidationError(f"社号重复：{'、'.join(f'第{n}社' for n in repeated)}")
        return rows

    def validate(self, attrs: dict) -> dict:
        code, township = attrs.get("code"), attrs.get("township")
        if code and township and not code.startswith(township.code):
            raise serializers.ValidationError({"code": f"村代码应以所属乡镇代码 {township.code} 开头"})
        return attrs

    @transaction.atomic
    def create(self, validated_data: dict) -> Village:
        groups = validated_data.pop("groups", [])
        village = super().create(validated_data)
        _replace_groups(village, groups)
        return village

    @transaction.atomic
    def update(self, instance: Village, validated_data: dict) -> Village:
        groups = validated_data.pop("groups", None)
        village = super().update(instance, validated_data)
        if groups is not None:
            _replace_groups(village, groups)
        return village


class VillageCreateSerializer(VillageSerializer):
    creating = True


def _replace_groups(village: Village, rows: list[dict]) -> None:
    try:
        replace_groups(village=village, groups=[(row["number"], row.get("name", "")) for row in rows])
    except GroupsRefused as refused:
        raise serializers.ValidationError({"groups": [str(refused)]}) from refused
    if hasattr(village, "_prefetched_objects_cache"):
        village._prefetched_objects_cache.pop("groups", None)  # the answer shows the new list


class AssessmentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
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
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
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
            scope_related_field(fields, "village", Village.objects.for_user(request.user))
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["id_number"].required = False
        return fields

    def get_age(self, person: Person) -> int:
        return person.age_on(timezone.localdate())

    @classmethod
    def load_evaluations(cls, instances: list[Person], *, as_of: dt.date | None) -> dict[int, list[risk.Finding]]:
        flags = risk.person_flags_for(people=[p.pk for p in instances], as_of=as_of)
        return {p.pk: flags.get(p.pk, []) for p in instances}  # every row a key: no flags is an answer too

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=PersonFlag.choices)))
    def get_flags(self, person: Person) -> list[str]:
        kinds = {f.kind for f in self.evaluation(person)}
        return sorted(kinds, key=PERSON_FLAG_ORDER.__getitem__)

    @extend_schema_field(PostBriefSerializer(many=True))
    def get_posts(self, person: Person) -> list[dict[str, Any]]:
        posts = getattr(person, "current_posts", None)
        if posts is None:  # not prefetched (a single object after a write)
            posts = person.posts.current().select_related("village", "group").order_by("pk")
        # `many=True` gives a list (a ReturnList); the stubs type `.data` as a ReturnDict.
        return PostBriefSerializer(posts, many=True).data  # type: ignore[return-value]

    def validate_id_number(self, raw: str) -> str:
        """The number's own rule already here (save_person applies it again), so its error shows together with
        the other fields' errors."""
        try:
            return valid_id_number(id_number=raw, today=timezone.localdate()).number
        except RosterRefused as refused:
            raise serializers.ValidationError([r.message for r in refused.refusals]) from None

    def validate_assessments(self, rows: list[dict]) -> list[dict]:
        years = [row["year"] for row in rows]
        if len(years) != len(set(years)):
            raise serializers.ValidationError("同一年度只能有一条考核结果")
        return rows

    @transaction.atomic
    def create(self, validated_data: dict) -> Person:
        assessments = validated_data.pop("assessments", [])
        validated_data.pop("version", None)
        person = roster_write(save_person, PERSON_FIELDS, person=None, values=validated_data, by=_user(self))
        _save_assessments(person, assessments, by=_user(self))
        return person

    @transaction.atomic
    def update(self, instance: Person, validated_data: dict) -> Person:
        assessments = validated_data.pop("assessments", [])
        expected = validated_data.pop("version", None)
        person = roster_write(
            save_person,
            PERSON_FIELDS,
            person=instance,
            values=validated_data,
            by=_user(self),
            expected_version=expected,
        )
        _save_assessments(person, assessments, by=_user(self))
        return person


def _user(serializer: serializers.Serializer) -> User | None:
    request = serializer.context.get("request")
    return request.user if request is not None and request.user.is_authenticated else None


def roster_write(write: Callable[..., T], names: Mapping[str, str], /, **arguments: Any) -> T:
    """`write(**arguments)` (a villages.roster write function); its refusal becomes a 400 `{field: [message]}`
    with the fields renamed through `names`, a stale version StaleVersion (409)."""
    try:
        return write(**arguments)
    except StaleEditError as error:
        raise StaleVersion(error) from error
    except RosterRefused as refused:
        raise serializers.ValidationError(refused.by_field(names)) from None


def _save_assessments(person: Person, rows: list[dict], *, by: User | None) -> None:
    """Add or correct the given years' grades (roster.record_assessment: history records who changed them)."""
    for row in rows:
        roster_write(
            record_assessment,
            ASSESSMENT_FIELDS,
            person=person,
            year=row["year"],
            grade=row["grade"],
            by=by,
            correct=True,
        )


class PostSerializer(VersionedSerializer):
    """A post assignment. `group_number` names the 社 (社长 only); `organ` follows from `post`."""

    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    village = serializers.SlugRelatedField(slug_field="code", queryset=Village.objects.none())
    group_number = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    class Meta:
        model = PostAssignment
        fields = [
            "id", "person", "village", "organ", "post", "group_number", "start_on", "end_on", "how", "term",
            "end_reason", "source", "version",
        ]  # fmt: skip
        read_only_fields = ["organ"]

    create_only_fields = ("person", "village", "post")  # another person, village or post is a new assignment

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            scope_related_field(fields, "person", Person.objects.for_user(request.user))
            scope_related_field(fields, "village", Village.objects.for_user(request.user))
        return fields

    def create(self, validated_data: dict) -> PostAssignment:
        validated_data.pop("version", None)
        validated_data.setdefault("start_on", None)
        return roster_write(start_post, POST_FIELDS, **validated_data, by=_user(self))

    def update(self, instance: PostAssignment, validated_data: dict) -> PostAssignment:
        expected = validated_data.pop("version", None)
        return roster_write(
            change_post,
            POST_FIELDS,
            assignment=instance,
            changes=validated_data,
            by=_user(self),
            expected_version=expected,
        )


class PersonCreateSerializer(PersonSerializer):
    creating = True


class PostCreateSerializer(PostSerializer):
    creating = True
