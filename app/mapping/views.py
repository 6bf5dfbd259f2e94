"""Map pages: the rider map of a compound, the station finder and the planner's city map."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from app.accounts.offices import office_phone
from app.addresses.codes import community_of, full_address, lookup_by_code_or_id
from app.config import configured_tiles
from app.db import get_session
from app.extensions import limiter
from app.mapping import errors as map_errors
from app.mapping.compound_data import compound_map_data
from app.models import Building, Community, Gate, Unit
from app.models.places import FACILITY_KINDS
from app.params import lon_lat_arg
from app.planner.coverage import planner_streets
from app.routing.service import gate_street_point
from app.spatial import communities_box
from geo import settings
from geo.errors import InvalidInput
from geo.hours.opening_hours import local_time
from geo.planning.coverage import coverage_kinds
from geo.planning.friendliness import rules
from maps.symbols import symbols
from maps.tiles import TileSource

bp = Blueprint("maps", __name__)


def _tiles() -> TileSource:
    return configured_tiles(current_app.config)


def _static_url() -> str:
    return url_for("static", filename="")


def _api_path(path: str) -> str | None:
    """``path`` if an API endpoint serves it (routing may not be installed yet)."""
    return path if any(rule.rule == path for rule in current_app.url_map.iter_rules()) else None


def _own(model: Any, ref: str | None, community: Community, what_zh: str) -> Any:
    """A gate, unit or building of ``community`` named by id or code, or None."""
    if not ref:
        return None
    db = get_session()
    row = lookup_by_code_or_id(db, model, ref)
    owner = community_of(db, row)
    if owner is None or owner.id != community.id:
        raise InvalidInput(f"这个{what_zh}不属于小区“{community.name}”",
                           f"that {model.__tablename__[:-1]} is not in {community.name!r}")
    return row


@bp.get("/r/<ref>")
@limiter.limit(settings.RATELIMIT_RIDER_PAGES)
def rider_map(ref: str) -> str:
    """The rider map of one compound (id or code): ``?gate=`` the scanned gate ("你在这里",
    routes start on its street side), ``?unit=``/``?building=``/``?to_gate=`` the
    destination, ``?from=LON,LAT`` a start, ``?at=`` a time."""
    db = get_session()
    community = lookup_by_code_or_id(db, Community, ref)
    tiles = _tiles()
    at = local_time(request.args.get("at"))
    gate = _own(Gate, request.args.get("gate"), community, "出入口")
    unit = _own(Unit, request.args.get("unit"), community, "单元")
    building = _own(Building, request.args.get("building"), community, "楼栋")
    to_gate = _own(Gate, request.args.get("to_gate"), community, "出入口")
    target = ({"kind": "unit", "id": unit.id} if unit else
              {"kind": "building", "id": building.id} if building else
              {"kind": "gate", "id": to_gate.id} if to_gate else None)
    data = compound_map_data(db, community, at=at, streets=tiles.name == "none")
    route_url = _api_path("/api/v1/route")
    start = lon_lat_arg("from")
    from_gate = gate is not None and start is None and bool(route_url)
    origin = start or (gate_street_point(db, gate) if from_gate and gate is not None else None)
    page = {"here": gate.id if gate else None, "target": target,
            "origin": list(origin) if origin else None,
            "from_gate": (gate.code or str(gate.id)) if from_gate and gate is not None else None,
            "at": data["at"] if request.args.get("at") else None,
            "route_url": route_url, "office_phone": office_phone(db, community)}
    from maps.assets import render_parts  # folium: imported by the pages that draw a map
    from maps.rider_map import build_rider_map

    parts = render_parts(build_rider_map(data, tiles=tiles, static_url=_static_url(), page=page))
    counts = {status: sum(1 for g in data["gates"] if g["status"] == status)
              for status in ("open", "pass", "closed")}
    destinations = sorted((b for b in data["buildings"] if b["short"]), key=lambda b: (
        not b["short"].isdigit(), int(b["short"]) if b["short"].isdigit() else 0, b["short"]))
    return render_template("maps/rider.html", parts=parts, data=data, community=community,
                           here=gate, counts=counts, symbols=symbols(), tiles=tiles,
                           destinations=destinations, address=full_address(db, community),
                           gates_named=[g for g in data["gates"] if not g["unconfirmed"]],
                           gates_inferred=[g for g in data["gates"] if g["unconfirmed"]])


@bp.get("/nearest")
@limiter.limit(settings.RATELIMIT_RIDER_PAGES)
def station_finder() -> str:
    """Nearest stations, chargers, toilets or parking by network distance from the rider."""
    origin = lon_lat_arg("from")
    kind = request.args.get("kind") or "station"
    if kind not in FACILITY_KINDS:
        raise InvalidInput(f"设施类型“{kind}”无效", f"unknown facility kind {kind!r}")
    tiles = _tiles()
    page = {"origin": list(origin) if origin else None, "kind": kind,
            "kinds": [k for k in FACILITY_KINDS], "open_now": request.args.get("open_now") == "1",
            "nearest_url": _api_path("/api/v1/nearest"),
            "facilities_url": url_for("api.maps.map_facilities"),
            "streets_url": url_for("api.maps.map_streets") if tiles.name == "none" else None,
            "outline_zoom": settings.PLANNER_POLYGON_MIN_ZOOM}
    from maps.assets import render_parts
    from maps.rider_map import build_station_map

    parts = render_parts(build_station_map(bounds=communities_box(get_session()), tiles=tiles,
                                           static_url=_static_url(), page=page))
    return render_template("maps/nearest.html", parts=parts, page=page, symbols=symbols())


@bp.get("/planner")
@limiter.limit(settings.RATELIMIT_RIDER_PAGES)
def planner_map() -> str:
    """The planner's city map: compounds by rider-friendliness, facilities, reach."""
    tiles = _tiles()
    score_rules = rules()
    page = {"communities_url": url_for("api.maps.map_communities"),
            "community_url": url_for("api.maps.map_communities") + "/",
            "facilities_url": url_for("api.maps.map_facilities"),
            "streets_url": url_for("api.maps.map_streets") if tiles.name == "none" else None,
            "isochrone_url": _api_path("/api/v1/isochrone"),
            "rider_url": url_for("site.landing") + "r/",
            "outline_zoom": settings.PLANNER_POLYGON_MIN_ZOOM,
            "reach_minutes": settings.PLANNER_REACH_MINUTES,
            "grades": score_rules["grades"], "kinds": list(FACILITY_KINDS),
            "coverage_kinds": {k: spec["zh"] for k, spec in coverage_kinds().items()},
            "coverage_url": url_for("api.planner.coverage"),
            "siting_url": url_for("api.planner.siting"),
            "csv_url": url_for("planner_pages.table_csv"),
            "xlsx_url": url_for("planner_pages.table_xlsx"),
            "pilot_pdf_url": url_for("planner_pages.pilot_pdf"),
            "pilot_xlsx_url": url_for("planner_pages.pilot_xlsx"),
            "streets": planner_streets(get_session()),
            "at": local_time(request.args["at"]).isoformat() if request.args.get("at") else None}
    from maps.assets import render_parts
    from maps.planner_map import build_planner_map

    parts = render_parts(build_planner_map(bounds=communities_box(get_session()), tiles=tiles,
                                           static_url=_static_url(), page=page))
    return render_template("maps/planner.html", parts=parts, score_rules=score_rules, page=page,
                           symbols=symbols(),
                           reach="、".join(map(str, settings.PLANNER_REACH_MINUTES)),
                           reach_m=round(settings.FRIENDLINESS_REACH_M))


map_errors.register(bp)
