"""Which counties' and villages' figures a person's data reaches: what a write to the person is charged to
(villages/data_version.py `charged_to`), so an edit in one village leaves the other villages' cached figures, and
the other counties' figures, standing.

A person is read wherever a row links them to a village, a class or a county: their home village, posts, reserve
and mentor places, talent entries, reviews, negative records, enrollments, election results and slate seats. Each
relation to Person is listed in REACH with its paths to a county and a village (`Place`), or with None when it
places the person nowhere of its own (an assessment is read where the person's posts are; a read log is read by no
figure). A place with no village path (a negative record, a class enrollment: kept by the county) reaches every
village figure of its county. A relation not listed (a model added later) makes `reached` answer None: the write is
then not charged and reaches every cached figure, the safe default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import IntegerField, QuerySet, Value

from villages.data_version import Charge
from villages.models import Person, Village


@dataclass(frozen=True)
class Place:
    """The paths from a related row to the county and the village it places the person in (village None: the row
    places them in the county at no village)."""

    county: str
    village: str | None


IN_VILLAGE = Place("village__township__county_id", "village_id")

REACH: dict[tuple[str, str], Place | None] = {
    ("villages.PostAssignment", "person"): IN_VILLAGE,
    ("villages.Risk", "person"): IN_VILLAGE,
    ("villages.Assessment", "person"): None,  # read with the person, where their posts are
    ("villages.Relative", "person"): Place("relative__home_village__township__county_id", "relative__home_village_id"),
    ("villages.Relative", "relative"): Place("person__home_village__township__county_id", "person__home_village_id"),
    ("villages.IdNumberView", "person"): None,  # a read log: no figure reads it
    ("villages.IdNumberExport", "people"): None,  # an export log: no figure reads it
    ("reserves.Reserve", "person"): IN_VILLAGE,
    ("reserves.Reserve", "mentor"): IN_VILLAGE,
    ("reserves.Talent", "person"): IN_VILLAGE,
    ("reserves.Review", "person"): IN_VILLAGE,
    ("reserves.NegativeRecord", "person"): Place("county_id", None),
    ("reserves.Enrollment", "person"): Place("training_class__county_id", None),
    ("reserves.EducationProgramme", "person"): Place("enrollment__training_class__county_id", None),
    ("reserves.ElectionResult", "person"): Place("election__village__township__county_id", "election__village_id"),
    ("reserves.SlateCandidate", "person"): Place("slate__village__township__county_id", "slate__village_id"),
}

# In the rows of `reached`'s query: a place in a county at no village (no village has id 0).
_NO_VILLAGE = 0


def reached(person_ids: Iterable[int], *, home_village_ids: Iterable[int | None] = ()) -> Charge | None:
    """What a write to these people reaches (and to the villages of `home_village_ids`, homes about to be
    written): the counties and villages whose figures read them, and the counties where a place at no village
    reaches every village; None when a relation of Person has no entry in REACH. One query."""
    ids = [pk for pk in person_ids if pk]
    homes = [pk for pk in home_village_ids if pk]
    parts: list[QuerySet] = [
        Person._base_manager.filter(pk__in=ids)
        .order_by()
        .values_list("home_village__township__county_id", "home_village_id"),
        Village.objects.filter(pk__in=homes).order_by().values_list("township__county_id", "pk"),
    ]
    for relation in Person._meta.related_objects:
        key = (relation.related_model._meta.label, relation.field.name)
        if key not in REACH:
            return None
        place = REACH[key]
        if place is not None and ids:
            rows = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": ids}).order_by()
            if place.village is None:
                rows = rows.annotate(no_village=Value(_NO_VILLAGE, output_field=IntegerField()))
            parts.append(rows.values_list(place.county, place.village or "no_village"))
    places = {
        (county, _NO_VILLAGE if village is None else village)
        for county, village in parts[0].union(*parts[1:])
        if county is not None
    }
    return Charge(
        counties=frozenset(county for county, _ in places),
        villages=frozenset(village for _, village in places if village != _NO_VILLAGE),
        wide=frozenset(county for county, village in places if village == _NO_VILLAGE),
    )
