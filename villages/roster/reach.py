"""Which counties' figures a person's data reaches: the counties a write to the person is charged to
(villages/data_version.py `charged_to`), so an edit in one county leaves the other counties' cached figures standing.

A person is read wherever a row links them to a village, a class or a county: their home village, posts, reserve
and mentor places, talent entries, reviews, negative records, enrollments, election results and slate seats. Each
relation to Person is listed in REACH with its path to a county, or with None when it places the person nowhere of
its own (an assessment is read where the person's posts are; a read log is read by no figure). A relation not
listed (a model added later) makes `counties_reached` answer None: the write is then not charged and reaches every
cached figure, the safe default.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from villages.models import Person, Village

VILLAGE_COUNTY = "village__township__county_id"

REACH: dict[tuple[str, str], str | None] = {
    ("villages.PostAssignment", "person"): VILLAGE_COUNTY,
    ("villages.Risk", "person"): VILLAGE_COUNTY,
    ("villages.Assessment", "person"): None,  # read with the person, where their posts are
    ("villages.Relative", "person"): "relative__home_village__township__county_id",
    ("villages.Relative", "relative"): "person__home_village__township__county_id",
    ("villages.IdNumberView", "person"): None,  # a read log: no figure reads it
    ("villages.IdNumberExport", "people"): None,  # an export log: no figure reads it
    ("reserves.Reserve", "person"): VILLAGE_COUNTY,
    ("reserves.Reserve", "mentor"): VILLAGE_COUNTY,
    ("reserves.Talent", "person"): VILLAGE_COUNTY,
    ("reserves.Review", "person"): VILLAGE_COUNTY,
    ("reserves.NegativeRecord", "person"): "county_id",
    ("reserves.Enrollment", "person"): "training_class__county_id",
    ("reserves.EducationProgramme", "person"): "enrollment__training_class__county_id",
    ("reserves.ElectionResult", "person"): "election__village__township__county_id",
    ("reserves.SlateCandidate", "person"): "slate__village__township__county_id",
}


def counties_reached(person_ids: Iterable[int], *, home_village_ids: Iterable[int | None] = ()) -> set[int] | None:
    """The counties whose figures read these people (and the counties of `home_village_ids`, homes about to be
    written); None when a relation of Person has no entry in REACH. One query."""
    ids = [pk for pk in person_ids if pk]
    homes = [pk for pk in home_village_ids if pk]
    parts: list[QuerySet] = [
        Person._base_manager.filter(pk__in=ids).order_by().values_list("home_village__township__county_id"),
        Village.objects.filter(pk__in=homes).order_by().values_list("township__county_id"),
    ]
    for relation in Person._meta.related_objects:
        key = (relation.related_model._meta.label, relation.field.name)
        if key not in REACH:
            return None
        path = REACH[key]
        if path is not None and ids:
            rows = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": ids})
            parts.append(rows.order_by().values_list(path))
    return {pk for (pk,) in parts[0].union(*parts[1:]) if pk is not None}
