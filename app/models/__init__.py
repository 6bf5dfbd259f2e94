"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from app.models.accounts import ApiToken, Office, User
from app.models.audit import AuditEntry
from app.models.base import Base, Feature
from app.models.divisions import Division, DivisionArea
from app.models.places import (
    KIND_OF_MODEL,
    MODEL_OF_KIND,
    MODEL_OF_RESOURCE,
    Building,
    Community,
    Facility,
    Gate,
    Path,
    PlaceFeature,
    Unit,
)
from app.models.planning import PilotSnapshot, PilotTick
from app.models.plates import RetiredCode, RevokedPlate, SigningKey
from app.models.reports import Report
from app.models.riders import (
    Device,
    EntryEvent,
    PassPolicy,
    PhoneVerification,
    Rider,
    RiderPass,
)
from app.models.sources import Source

__all__ = [
    "KIND_OF_MODEL",
    "MODEL_OF_KIND",
    "MODEL_OF_RESOURCE",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Building",
    "Community",
    "Device",
    "Division",
    "DivisionArea",
    "EntryEvent",
    "Facility",
    "Feature",
    "Gate",
    "Office",
    "PassPolicy",
    "PilotSnapshot",
    "PilotTick",
    "Path",
    "PhoneVerification",
    "PlaceFeature",
    "Report",
    "RetiredCode",
    "RevokedPlate",
    "Rider",
    "RiderPass",
    "SigningKey",
    "Source",
    "Unit",
    "User",
]
