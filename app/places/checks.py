"""The editor's checks for one compound, from the database (see ``geo.places.checks``),
and the gates routing cannot use whatever the time, in routing's own words
(``geo.routing.route.gate_report``): the checks and the routes never disagree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Building, Community, Gate, Unit
from app.places.editing import get_feature
from app.routing.service import networks
from geo.hours.opening_hours import local_time
from geo.places.checks import Finding, check_compound
from geo.routing.route import gate_report

ALWAYS = ("not_connected",)  # routing's reasons that hold at every hour


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
    return [*check_compound(community, gates=gates, buildings=buildings, units=units),
            *routing_findings(session, community_id)]


def routing_findings(session: Session, community_id: int) -> list[Finding]:
    """Gates of the compound that routing leaves out at every hour (no road reaches them),
    with routing's reason; the hours-dependent reasons are the night check's."""
    found = []
    for network in networks(session):
        snap = network.snapshot
        compound = snap.compound_index.get(community_id)
        if compound is None:
            continue
        for gate in gate_report(snap, compound, local_time(), has_pass=True, used=set()):
            for reason in gate["reasons"]:
                if reason["code"] in ALWAYS:
                    found.append(Finding(f"gate_{reason['code']}", "gates", gate["id"],
                                         f"{gate['label']}：{reason['message']}",
                                         f"{gate['label']}: {reason['message_en']}"))
    return found
