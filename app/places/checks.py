"""The editor's checks for one compound, from the database (see ``geo.places.checks``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Building, Community, Gate, Unit
from app.places.editing import get_feature
from geo.places.checks import Finding, check_compound


def compound_findings(session: Session, community_id: int) -> list[Finding]:
    """Every finding for compound ``community_id`` as stored now (``NotFound`` if none)."""
    community = get_feature(session, "communities", community_id)
    assert isinstance(community, Community)
    gates = list(session.scalars(select(Gate).where(Gate.community_id == community_id)
                                 .order_by(Gate.id)))
    buildings = list(session.scalars(select(Building).where(Building.community_id == community_id)
                                     .order_by(Building.id)))
    units = list(session.scalars(select(Unit).where(
        Unit.building_id.in_([b.id for b in buildings])).order_by(Unit.id)))
    return check_compound(community, gates=gates, buildings=buildings, units=units)
