"""The OSM extracts a city's map was imported from: one row per file, routed on when ready."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.riders import UtcDateTime


class Source(Base):
    """One imported OSM file, keyed by its absolute ``path``.

    ``sha256`` and ``size`` (bytes) are of the file as last imported; ``west``, ``south``,
    ``east``, ``north`` its bounds in WGS-84 degrees (None when neither the file nor its
    streets give any). ``status`` is ``ready`` when its street graph is built and cached,
    ``failed`` (with the reason in ``error``) when it cannot be built: requests skip it
    until it is imported again. ``counts`` is what the last import did (created, updated,
    unchanged per kind; entrances found, inferred, proposed). ``imported_at`` is UTC.
    """

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    west: Mapped[float | None] = mapped_column(Float)
    south: Mapped[float | None] = mapped_column(Float)
    east: Mapped[float | None] = mapped_column(Float)
    north: Mapped[float | None] = mapped_column(Float)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) in degrees, or None."""
        if self.west is None or self.south is None or self.east is None or self.north is None:
            return None
        return (self.west, self.south, self.east, self.north)

    def covers(self, lon: float, lat: float) -> bool:
        """Whether (lon, lat) lies within the bounds."""
        b = self.bounds
        return b is not None and b[0] <= lon <= b[2] and b[1] <= lat <= b[3]

    def meets(self, other: Source) -> bool:
        """Whether the bounds of the two sources overlap or touch."""
        a, b = self.bounds, other.bounds
        return (a is not None and b is not None and a[0] <= b[2] and b[0] <= a[2]
                and a[1] <= b[3] and b[1] <= a[3])
