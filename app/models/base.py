"""Declarative base and the columns every mapped feature shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, BigInteger, DateTime, Float, Integer, String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Feature:
    """Columns shared by every mapped feature (community, gate, building, unit, path, facility).

    ``version`` starts at 1 and grows by one on every change; SQLAlchemy checks it on
    update, so a write based on an old version fails instead of overwriting. ``source``
    says where the feature came from: ``osm``, ``inferred`` (derived from OSM geometry),
    ``proposed`` (an entrance guessed for a compound with none), ``office`` (drawn, or an
    inferred/proposed gate confirmed, by an office) or ``demo`` (demo annotation).
    ``edited`` is set when an office changes a feature that came from OSM: re-imports then
    leave it alone.
    The bounding-box columns are kept from ``geom`` and feed the SQLite R*Tree index.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="office")
    osm_type: Mapped[str | None] = mapped_column(String(8))
    osm_id: Mapped[int | None] = mapped_column(BigInteger)
    osm_hash: Mapped[str | None] = mapped_column(String(64))
    edited: Mapped[bool] = mapped_column(default=False, nullable=False)
    demo: Mapped[bool] = mapped_column(default=False, nullable=False)
    tags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    min_lon: Mapped[float] = mapped_column(Float, nullable=False)
    min_lat: Mapped[float] = mapped_column(Float, nullable=False)
    max_lon: Mapped[float] = mapped_column(Float, nullable=False)
    max_lat: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    geom: Any  # declared by each model with its geometry type

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    @property
    def osm_ref(self) -> str | None:
        """``way/123``-style reference to the OSM element, or None."""
        return f"{self.osm_type}/{self.osm_id}" if self.osm_type else None


@event.listens_for(Feature, "before_insert", propagate=True)
@event.listens_for(Feature, "before_update", propagate=True)
def _sync_bbox(_mapper: Any, _connection: Any, target: Feature) -> None:
    """Keep the bounding-box columns in step with ``geom`` on every flush."""
    geom: BaseGeometry | None = target.geom
    if geom is not None:
        target.min_lon, target.min_lat, target.max_lon, target.max_lat = geom.bounds
