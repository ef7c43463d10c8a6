from villages.models.monitoring import ElectionCycleSnapshot, IdNumberView, RosterConfirmation
from villages.models.people import Assessment, Person, PostAssignment, age_on, held_education
from villages.models.risks import Risk, RuleValue
from villages.models.units import County, Group, PredecessorVillage, Township, Village
from villages.models.users import User

__all__ = [
    "Assessment",
    "County",
    "ElectionCycleSnapshot",
    "Group",
    "IdNumberView",
    "Person",
    "PostAssignment",
    "PredecessorVillage",
    "Risk",
    "RosterConfirmation",
    "RuleValue",
    "Township",
    "User",
    "Village",
    "age_on",
    "held_education",
]
