"""The incidents app's models, one module per kind of trouble."""

from kagami.incidents.models.cases import (
    Case,
    CaseEntry,
    DeletionRequest,
    Evidence,
    LookalikeCandidate,
    LookalikeRound,
)
from kagami.incidents.models.corrections import Correction, Removal
from kagami.incidents.models.flaming import Incident, IncidentAccount, IncidentEntry
from kagami.incidents.models.wording import Wording

__all__ = [
    "Case",
    "CaseEntry",
    "Correction",
    "DeletionRequest",
    "Evidence",
    "Incident",
    "IncidentAccount",
    "IncidentEntry",
    "LookalikeCandidate",
    "LookalikeRound",
    "Removal",
    "Wording",
]
