"""The way round a closed gate: the compound's gates riders may use now, each with the
rider map routing from the closed gate to it (for the scan and check-in pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.mapping.compound_data import gate_status
from app.models import Community, Gate
from geo.address.codes import gate_label


def compound_gates(session: Session, community: Community) -> list[Gate]:
    """The gates of ``community``, in id order."""
    return list(session.scalars(select(Gate).where(Gate.community_id == community.id)
                                .order_by(Gate.id)))


def ways_round(session: Session, gate: Gate, community: Community, at: datetime
               ) -> list[dict[str, Any]] | None:
    """None when riders may use ``gate`` at ``at`` (Beijing time); else the open gates
    of ``community`` as ``{label, url}``, ``url`` the rider map from ``gate`` to it."""
    if gate_status(gate, community, at) != "closed":
        return None
    return [{"label": gate_label(g.number, g.name),
             "url": url_for("maps.rider_map", ref=community.code or community.id,
                            gate=gate.code or gate.id, to_gate=g.code or g.id)}
            for g in compound_gates(session, community)
            if g.id != gate.id and gate_status(g, community, at) != "closed"]
