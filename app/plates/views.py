"""The scan page ``/a/<code>/<kid>/<signature>``: what a rider's phone opens from a plate;
and ``/.well-known/youlu-keys.json``, the public keys and revocations (docs/plates.md).

Chinese, phone-sized: a clear genuine mark or a red warning, the place in big type, the
full standard address, a small map of the compound, and the next steps (the way to this
door, check-in at a gate, report a problem).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from sqlalchemy import select

from app.addresses.codes import community_of
from app.db import get_session
from app.mapping.compound_data import gate_status
from app.mapping.gate_ways import compound_gates, ways_round
from app.models import Building, Community, Gate, PlaceFeature, Unit
from app.plates.keys import keyset
from app.plates.verification import PlateCheck, check_plate_path
from geo.address.codes import building_label
from geo.hours.opening_hours import local_time
from maps.mini_map import MapGate, compound_svg

# Where the next steps live (check-in and reports are their own features).
REPORT_PATH = "/report"
STATUS = {"unknown_code": 404, "malformed": 400}
KEYS_MAX_AGE_S = 300

bp = Blueprint("plates", __name__)


def _mini_map(place: PlaceFeature, community: Community) -> str:
    db = get_session()
    buildings = db.scalars(select(Building).where(Building.community_id == community.id))
    now = local_time(None)
    return compound_svg(
        community.geom,
        buildings=[(b.geom, building_label(b.number, None) if b.number else "")
                   for b in buildings],
        gates=[MapGate(g.geom, gate_status(g, community, now) != "closed")
               for g in compound_gates(get_session(), community)],
        target=None if place is community else place.geom)


def _closed_gate(place: PlaceFeature | None, community: Community | None
                 ) -> list[dict[str, Any]] | None:
    """For a gate riders may not use now: the ways to the open ones; else None."""
    if not isinstance(place, Gate) or community is None:
        return None
    return ways_round(get_session(), place, community, local_time(None))


def _links(check: PlateCheck) -> dict[str, str | None]:
    code = check.body.get("code") or check.body.get("claimed_code") or ""
    links: dict[str, str | None] = {
        "report": f"{REPORT_PATH}?{urlencode({'code': code})}" if code else REPORT_PATH,
        "route": None, "checkin": None, "map": None}
    if check.place is not None:
        community = community_of(get_session(), check.place)
        if community is not None and community.code:
            place = {Gate: "gate", Unit: "unit", Building: "building"}.get(type(check.place))
            links["map"] = url_for("maps.rider_map", ref=community.code,
                                   **({place: code} if place else {}))
            # the route opens the rider map: to this gate, or to this unit or building
            links["route"] = url_for("maps.rider_map", ref=community.code, **(
                {"to_gate": code} if place == "gate" else {place: code} if place else {}))
        if check.verdict.genuine and isinstance(check.place, Gate):
            # the rider pass page re-verifies the same signed path before any check-in
            links["checkin"] = url_for("passes.gate_page", plate=request.path.strip("/"))
    return links


@bp.get("/a/<path:rest>")
@bp.get("/A/<path:rest>")
def scan(rest: str) -> tuple[str, int]:
    """The page a plate's QR or NFC tag opens."""
    db = get_session()
    check = check_plate_path(db, request.path, issuer=current_app.config["PUBLIC_BASE_URL"])
    community = community_of(db, check.place) if check.place is not None else None
    page = render_template(
        "scan.html", check=check, body=check.body, place=check.place, community=community,
        state="genuine" if check.verdict.genuine else (
            "unsigned" if check.verdict.reason == "unsigned" else "warning"),
        map_svg=_mini_map(check.place, community) if community is not None else "",
        closed=_closed_gate(check.place, community), links=_links(check))
    return page, STATUS.get(check.verdict.reason, 200)


@bp.get("/.well-known/youlu-keys.json")
def published_keys() -> Response:
    """Keys (JWK, Ed25519) with their status, and revoked plates; cacheable for 5 minutes."""
    response = jsonify(keyset(get_session(), current_app.config["PUBLIC_BASE_URL"]))
    response.headers["Cache-Control"] = f"public, max-age={KEYS_MAX_AGE_S}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
