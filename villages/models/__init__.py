from villages.models.meta import concrete_field
from villages.models.monitoring import ElectionCycleSnapshot, IdNumberExport, IdNumberView, RosterConfirmation
from villages.models.people import (
    Assessment,
    Person,
    PersonQuerySet,
    PostAssignment,
    PostAssignmentQuerySet,
    age_on,
    held_education,
)
from villages.models.relatives import Relative
from villages.models.risks import Risk, RiskQuerySet, RuleValue
from villages.models.units import (
    City,
    CityQuerySet,
    County,
    CountyQuerySet,
    Group,
    PredecessorVillage,
    Township,
    TownshipQuerySet,
    Village,
    VillageQuerySet,
)
from villages.models.users import AccountEvent, User
from villages.models.versions import CountyDataVersion, DataVersion, VillageDataVersion

__all__ = [
    "AccountEvent",
    "Assessment",
    "City",
    "CityQuerySet",
    "County",
    "CountyDataVersion",
    "CountyQuerySet",
    "DataVersion",
    "ElectionCycleSnapshot",
    "Group",
    "IdNumberExport",
    "IdNumberView",
    "Person",
    "PersonQuerySet",
    "PostAssignment",
    "PostAssignmentQuerySet",
    "PredecessorVillage",
    "Relative",
    "Risk",
    "RiskQuerySet",
    "RosterConfirmation",
    "RuleValue",
    "Township",
    "TownshipQuerySet",
    "User",
    "Village",
    "VillageDataVersion",
    "VillageQuerySet",
    "age_on",
    "concrete_field",
    "held_education",
]
