"""Administrative divisions (统计用区划代码), levels 1 to 5, and the boundaries of streets
and committees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.geometry import Geometry
from app.models.base import Base


class Division(Base):
    """A division: province (2-digit code), city (4), county (6), street (9), committee (12).

    Levels 1–4 come from the national list; committees (社区居委会) are added by offices.
    """

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)


class DivisionArea(Base):
    """The boundary (WGS-84 polygon) of a street (9-digit code) or committee (12 digits),
    from a GIS file (``import-divisions``) or an OSM extract's administrative relations;
    compounds are assigned to divisions by it."""

    __tablename__ = "division_areas"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(200))
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY"), nullable=False)
