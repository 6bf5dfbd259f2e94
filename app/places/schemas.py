"""What may be written to each feature resource: pydantic models of the GeoJSON
``properties``, shared by the API, the office editor and the file importers.

Property names are the public ones (``community``, ``building``); ``COLUMN_OF`` maps
them to model columns.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.models.places import FACILITY_KINDS
from geo.errors import InvalidInput
from geo.hours.spoken import spoken_to_osm

COLUMN_OF = {"community": "community_id", "building": "building_id", "office": "office_id"}
# Properties the server owns: accepted back from clients (round trips) but never written.
READ_ONLY = ("id", "code", "version", "source", "osm", "edited", "demo", "updated_at",
             "name_is_placeholder", "address")


def _check_hours(value: str | None) -> str | None:
    """Hours as people write them ("每天6点到22点") stored in OSM syntax."""
    if value is None or not value.strip():
        return None
    try:
        return spoken_to_osm(value)
    except InvalidInput as error:
        raise ValueError(f"opening_hours: {error.en}") from None


OpeningHours = Annotated[str | None, Field(max_length=255), AfterValidator(_check_hours)]
Name = Annotated[str | None, Field(max_length=200)]
Number = Annotated[str | None, Field(max_length=20)]
Count = Annotated[int | None, Field(ge=0, le=100000)]
Floors = Annotated[int | None, Field(ge=1, le=200)]


class _Props(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class CommunityProps(_Props):
    name: str = Field(min_length=1, max_length=200)
    division_code: str | None = Field(None, pattern=r"^\d{9}(\d{3})?$")
    ebikes_allowed: bool = True
    pass_policy: Literal["auto", "approval"] = "auto"
    pass_validity_days: int = Field(90, ge=1, le=3650)
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50)


class GateProps(_Props):
    community: int
    name: Name = None
    number: Number = None
    kind: str = Field("gate", max_length=20)
    inferred: bool = False
    foot: bool = True
    ebike: bool = True
    rider_access: Literal["open", "pass", "closed"] = "open"
    opening_hours: OpeningHours = None


class BuildingProps(_Props):
    community: int | None = None
    name: Name = None
    number: Number = None
    floors: Floors = None


class UnitProps(_Props):
    building: int
    name: Name = None
    number: Number = None
    floors: Floors = None
    elevator: bool | None = None
    rider_elevator: bool | None = None


class PathProps(_Props):
    community: int | None = None
    name: Name = None
    mode: Literal["foot", "ebike", "both"] = "both"


class FacilityProps(_Props):
    community: int | None = None
    kind: Literal[FACILITY_KINDS]  # type: ignore[valid-type]
    name: Name = None
    charger_type: Literal["pile", "swap"] | None = None
    capacity: Count = None
    rider_priority_slots: Count = None
    shaded: bool | None = None
    charging: bool | None = None
    opening_hours: OpeningHours = None
    operator: Name = None


PROPS: dict[str, type[_Props]] = {
    "communities": CommunityProps, "gates": GateProps, "buildings": BuildingProps,
    "units": UnitProps, "paths": PathProps, "facilities": FacilityProps,
}
# Which geometry types each resource takes.
GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "communities": ("Polygon", "MultiPolygon"), "gates": ("Point",),
    "buildings": ("Polygon", "MultiPolygon"), "units": ("Point",),
    "paths": ("LineString",), "facilities": ("Point",),
}
