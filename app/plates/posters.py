"""Posters of a gate: the compound's map data, the QR address and the routes from the
gate, handed to ``maps.poster``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.addresses.codes import full_address
from app.mapping.compound_data import compound_map_data
from app.models import Building, Community, Gate
from app.routing.service import route
from geo.errors import InvalidInput, NoRoute, NotFound
from geo.hours.opening_hours import local_time
from maps.poster_spec import PosterSpec, check_options


def poster_url(base_url: str, community: Community, gate: Gate) -> str:
    """The online rider map of ``community`` with "你在这里" at ``gate`` (for the QR)."""
    return f"{base_url.rstrip('/')}/r/{community.code or community.id}?gate={gate.code or gate.id}"


def poster_name(gate: Gate, size: str, fmt: str) -> str:
    """The file name of ``gate``'s poster: ``poster-<code or id>-<size>.<fmt>``."""
    return f"poster-{gate.code or gate.id}-{size}.{fmt}"


def routes_from_gate(session: Session, gate: Gate, community: Community) -> list[dict[str, Any]]:
    """The ride and walk legs of the rider routes from ``gate`` (its street side, where the
    poster hangs) to each building of ``community`` (its nearest unit door, or the building
    itself), as routing finds them now. Buildings the network cannot reach from this gate
    are left out: the poster shows what works."""
    legs: list[dict[str, Any]] = []
    start = (gate.geom.x, gate.geom.y)
    for building_id in session.scalars(select(Building.id).where(
            Building.community_id == community.id).order_by(Building.id)):
        try:
            found = route(session, start, f"building:{building_id}", at_gate=gate.id)
        except (NoRoute, NotFound):
            continue
        kept = [leg for leg in found["legs"]
                if leg["mode"] in ("ride", "walk") and len(leg["geometry"]["coordinates"]) > 1]
        if kept and kept[0]["geometry"]["coordinates"][0] != list(start):
            first = kept[0]  # drawn from "你在这里" itself, not from where the gate was snapped
            kept[0] = {**first, "geometry": {**first["geometry"], "coordinates": [
                list(start), *first["geometry"]["coordinates"]]}}
        legs += kept
    return legs


def standing_gates(gates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gates as a poster on the wall shows them: by their rules (open, pass, closed),
    not by whether they happen to be open at the moment of printing; hours are written."""
    return [{**gate, "status": gate["rider_access"] if gate["rider_access"] in ("pass", "closed")
             else "open"} for gate in gates]


def poster_for_gate(session: Session, gate: Gate, *, size: str, fmt: str, base_url: str) -> bytes:
    """The poster hung at ``gate`` as PDF or PNG bytes."""
    check_options(size, fmt)
    if gate.community_id is None:
        raise InvalidInput("这个出入口不属于任何小区，无法生成海报",
                           "the gate belongs to no compound, so it has no poster")
    community = session.get(Community, gate.community_id)
    now = local_time()
    data = compound_map_data(session, community, at=now)
    data = {**data, "gates": standing_gates(data["gates"])}
    spec = PosterSpec(
        data=data, gate_id=gate.id, qr_url=poster_url(base_url, community, gate),
        address=full_address(session, community),
        routes=routes_from_gate(session, gate, community),
        footer=f"地图数据 © OpenStreetMap contributors · 友路 Youlu · {gate.code or ''} · "
               f"{now.date().isoformat()}")  # the Beijing date
    from maps.poster import render_poster  # matplotlib: only when a poster is drawn

    return render_poster(spec, size=size, fmt=fmt)
