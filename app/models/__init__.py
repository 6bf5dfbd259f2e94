"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from app.models.accounts import ApiToken, Office, User
from app.models.audit import AuditEntry
from app.models.base import Base, Feature
from app.models.divisions import Division, DivisionArea
from app.models.jobs import Job
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
from app.models.platforms import Attestation, Change, Delivery, FeedCounter, Webhook
from app.models.points import PointAccount, PointEntry, Redemption, Reward
from app.models.reports import Report, ReportChange
from app.models.riders import (
    Device,
    EntryEvent,
    PassPolicy,
    PhoneVerification,
    Rider,
    RiderPass,
)
from app.models.sources import Source
from app.models.volunteering import VolunteerActivity, VolunteerSignup, Wish

__all__ = [
    "Job",
    "KIND_OF_MODEL",
    "MODEL_OF_KIND",
    "MODEL_OF_RESOURCE",
    "ApiToken",
    "Attestation",
    "AuditEntry",
    "Base",
    "Building",
    "Change",
    "Community",
    "Delivery",
    "Device",
    "Division",
    "DivisionArea",
    "EntryEvent",
    "Facility",
    "Feature",
    "FeedCounter",
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
    "Webhook",
    "PointAccount",
    "PointEntry",
    "Redemption",
    "ReportChange",
    "Reward",
    "VolunteerActivity",
    "VolunteerSignup",
    "Wish",
]
