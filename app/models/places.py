"""The mapped features of a compound: the compound itself, gates, buildings, units,
internal paths and facilities."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.geometry import Geometry
from app.models.base import Base, Feature

RIDER_ACCESS = ("open", "pass", "closed")
PATH_MODES = ("foot", "ebike", "both")
FACILITY_KINDS = ("station", "charger", "parking", "toilet", "water", "locker", "first_aid")
CHARGER_TYPES = ("pile", "swap")
PASS_POLICIES = ("auto", "approval")


def new_uid() -> str:
    """A fresh feature uid: a random UUID as text (36 characters)."""
    return str(uuid4())


class PlaceFeature(Feature):
    """Feature columns plus the per-table constraints every place table has.

    ``uid`` is the feature's stable identity across databases (exports carry it, imports
    match on it); the integer ``id`` is only this database's.
    """

    uid: Mapped[str] = mapped_column(String(36), nullable=False, default=new_uid)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            UniqueConstraint("osm_type", "osm_id", name=f"uq_{name}_osm"),
            Index(f"ix_{name}_uid", "uid", unique=True),
            Index(f"ix_{name}_bbox", "min_lon", "max_lon", "min_lat", "max_lat"),
            # Routing's stamp (app.routing.places) counts, takes the newest and sums from it.
            Index(f"ix_{name}_stamp", "updated_at", "version"),
        )


class Community(PlaceFeature, Base):
    """A residential compound (小区): a polygon entered through its gates."""

    __tablename__ = "communities"

    name: Mapped[str] = mapped_column(String(200))
    name_is_placeholder: Mapped[bool] = mapped_column(default=False)
    division_code: Mapped[str | None] = mapped_column(String(12), index=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    ebikes_allowed: Mapped[bool] = mapped_column(default=True)
    pass_policy: Mapped[str] = mapped_column(String(16), default="auto")
    pass_validity_days: Mapped[int] = mapped_column(default=90)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY"), nullable=False)

    gates: Mapped[list[Gate]] = relationship(back_populates="community")
    buildings: Mapped[list[Building]] = relationship(back_populates="community")


class Gate(PlaceFeature, Base):
    """A gate (出入口) on a compound's boundary, with its rules for riders."""

    __tablename__ = "gates"

    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="gate")
    inferred: Mapped[bool] = mapped_column(default=False)
    foot: Mapped[bool] = mapped_column(default=True)
    ebike: Mapped[bool] = mapped_column(default=True)
    rider_access: Mapped[str] = mapped_column(String(10), default="open")
    opening_hours: Mapped[str | None] = mapped_column(String(255))
    geom: Mapped[Any] = mapped_column(Geometry("POINT"), nullable=False)

    community: Mapped[Community | None] = relationship(back_populates="gates")


class Building(PlaceFeature, Base):
    """A building (楼栋), numbered within its compound."""

    __tablename__ = "buildings"

    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    floors: Mapped[int | None] = mapped_column()
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY"), nullable=False)

    community: Mapped[Community | None] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building")


class Unit(PlaceFeature, Base):
    """A unit (单元): one entrance door of a building."""

    __tablename__ = "units"

    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    floors: Mapped[int | None] = mapped_column()
    elevator: Mapped[bool | None] = mapped_column()
    rider_elevator: Mapped[bool | None] = mapped_column()
    geom: Mapped[Any] = mapped_column(Geometry("POINT"), nullable=False)

    building: Mapped[Building | None] = relationship(back_populates="units")


class Path(PlaceFeature, Base):
    """An internal path of a compound, from OSM or drawn by its office."""

    __tablename__ = "paths"

    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(10), default="both")
    geom: Mapped[Any] = mapped_column(Geometry("LINESTRING"), nullable=False)


class Facility(PlaceFeature, Base):
    """A point riders need: station (驿站), charger, parking, toilet, water, locker, first aid."""

    __tablename__ = "facilities"

    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    charger_type: Mapped[str | None] = mapped_column(String(10))
    capacity: Mapped[int | None] = mapped_column()
    rider_priority_slots: Mapped[int | None] = mapped_column()
    shaded: Mapped[bool | None] = mapped_column()
    charging: Mapped[bool | None] = mapped_column()
    opening_hours: Mapped[str | None] = mapped_column(String(255))
    operator: Mapped[str | None] = mapped_column(String(200))
    geom: Mapped[Any] = mapped_column(Geometry("POINT"), nullable=False)


# The place models by API resource name (``/api/v1/communities``, also the table name)
# and by kind (``community``, as OSM imports and standard codes name one feature).
MODEL_OF_RESOURCE: dict[str, type[PlaceFeature]] = {
    "communities": Community,
    "gates": Gate,
    "buildings": Building,
    "units": Unit,
    "paths": Path,
    "facilities": Facility,
}
MODEL_OF_KIND: dict[str, type[PlaceFeature]] = {
    "community": Community,
    "gate": Gate,
    "building": Building,
    "unit": Unit,
    "path": Path,
    "facility": Facility,
}
KIND_OF_MODEL: dict[type[PlaceFeature], str] = {model: kind for kind, model in MODEL_OF_KIND.items()}
