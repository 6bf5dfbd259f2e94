"""``GET /api/v1/route``, ``/nearest`` and ``/isochrone``: access routing for riders.

Thin views over ``app.routing.service``; bad input raises domain errors that the API error
handler turns into JSON with a Chinese and an English message.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.db import get_session
from app.geojson import GEOJSON, geojson_response
from app.openapi import document, error_responses, json_answer
from app.params import crs_arg, int_arg, lon_lat_arg
from app.routing import service as routing
from geo import settings
from geo.errors import InvalidInput
from geo.geometry.coords import gcj02_to_wgs84
from geo.routing.nearest import FACILITY_KINDS

bp = Blueprint("routing", __name__)  # under /api/v1


def _from() -> tuple[tuple[float, float], int | None]:
    """The start: (lon, lat), and the gate's id when ``from`` is ``gate:ID_OR_CODE`` (the
    rider stands outside that gate, having scanned its plate)."""
    raw = (request.args.get("from") or "").strip()
    if raw.startswith("gate:"):
        return routing.gate_start(get_session(), raw.removeprefix("gate:"))
    point = lon_lat_arg("from")
    if point is None:
        raise InvalidInput("缺少参数 from（起点“经度,纬度”或 gate:出入口）",
                           "parameter from (LON,LAT or gate:ID) is required")
    return (gcj02_to_wgs84(*point) if crs_arg() == "gcj02" else point), None


def _flag(name: str) -> bool:
    raw = (request.args.get(name) or "0").lower()
    if raw not in ("0", "1", "true", "false", "yes", "no"):
        raise InvalidInput(f"参数 {name} 只能是 0 或 1", f"parameter {name} must be 0 or 1")
    return raw in ("1", "true", "yes")


@bp.get("/route")
def route() -> Response:
    """The access route from ``from`` to the unit or building ``to`` at time ``at``."""
    start, at_gate = _from()
    return jsonify(routing.route(get_session(), start, request.args.get("to", ""),
                                 at=request.args.get("at") or None, has_pass=_flag("pass"),
                                 at_gate=at_gate))


@bp.get("/nearest")
def nearest() -> Response:
    """The ``k`` facilities of ``kind`` nearest to ``from`` by network time."""
    kind = request.args.get("kind", "")
    k = int_arg("k", 3, low=1, high=settings.NEAREST_MAX_K)
    start, at_gate = _from()
    found = routing.nearest(get_session(), start, kind, at=request.args.get("at") or None,
                            open_now=_flag("open_now"), k=k or 3, at_gate=at_gate)
    return jsonify({"kind": kind, "count": len(found), "facilities": found})


@bp.get("/isochrone")
def isochrone() -> Response:
    """Areas reachable from ``from`` within each of ``minutes`` (GeoJSON polygons)."""
    raw = request.args.get("minutes", "5,10,15")
    try:
        minutes = [float(m) for m in raw.split(",") if m.strip()]
    except ValueError:
        raise InvalidInput(f"minutes 应为逗号分隔的分钟数，收到“{raw}”",
                           f"minutes must be comma-separated numbers, got {raw!r}") from None
    start, _gate = _from()  # reach from a gate: from the gate's own point
    return geojson_response(routing.isochrone(get_session(), start, minutes,
                                              at=request.args.get("at") or None))


_ERRORS = error_responses(400, 404, 422, 503)
_FROM = {"name": "from", "in": "query", "required": True, "schema": {"type": "string"},
         "example": "116.3500,40.0010",
         "description": ("起点 经度,纬度 (WGS-84; crs=gcj02 to convert), or gate:ID_OR_CODE: the street "
                         "side of that gate, where a rider who scanned its plate stands")}
_CRS = {"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02"]}}
_AT = {"name": "at", "in": "query", "schema": {"type": "string", "format": "date-time"},
       "description": "ISO 8601; without an offset it is Asia/Shanghai local time; default now"}

document("/api/v1/route", {"get": {
    "tags": ["路线 routing"],
    "summary": "Door-level access route: street → gate open to riders → unit door",
    "description": (
        "Legs `ride`, `park`, `walk`, each with distance_m, duration_s, GeoJSON geometry and "
        "Chinese turn-by-turn `instructions`; `gate` is the gate used to enter the destination "
        "compound; every gate has `origin` (mapped, or inferred/proposed: guessed by the "
        "importer, not yet confirmed, with `note_zh` 此入口为推测，待社区核实, also said in its "
        "step); `gates_skipped` lists its other gates with reasons (closed_at_time with "
        "next_open, closed_to_riders, pass_required, ebike_not_allowed, "
        "ebikes_not_allowed_inside, foot_not_allowed, not_connected); `saved` compares with "
        "riding to the road nearest the compound's centroid and finding the way from there. "
        "`handoff`: `amap` and `baidu` URIs (GCJ-02, BD-09) riding to the gate it enters by. "
        "No route: 422 `no_route` with `details`: `reason`, `from` (the start's lon, lat, "
        "compound and its gate ids), `to`, and `next_open` when gates are closed at that hour. "
        "A start with no road near: 400 `invalid_coordinates`, `details` with reason, lon, lat, "
        "compound and gate ids. A destination outside every ready source: 404 `not_found` "
        "(`details.failed_sources` when only a source whose street graph failed covers it); a "
        "ready source whose graph is not in the cache: 503 `service_unavailable` naming it "
        "(run import-osm again)."),
    "parameters": [_FROM, {"name": "to", "in": "query", "required": True,
                           "schema": {"type": "string"}, "example": "unit:12",
                           "description": "unit:ID, building:ID, gate:ID (its street side), "
                                          "a bare unit id, a standard "
                                          "code of a unit or building, or an address"},
                   _AT, {"name": "pass", "in": "query", "schema": {"enum": ["0", "1"]},
                         "description": "the rider holds a pass for gates that need one"}, _CRS],
    "responses": {"200": json_answer("the route", {"type": "object", "required": ["legs"]}),
                  **_ERRORS}}})
document("/api/v1/nearest", {"get": {
    "tags": ["路线 routing"], "summary": "Nearest facilities of a kind by network time",
    "description": "Each with distance_m, duration_s, ride_m and walk_m (metres ridden, walked).",
    "parameters": [_FROM, {"name": "kind", "in": "query", "required": True,
                           "schema": {"enum": list(FACILITY_KINDS)}},
                   {"name": "open_now", "in": "query", "schema": {"enum": ["0", "1"]}},
                   {"name": "k", "in": "query", "schema": {
                       "type": "integer", "minimum": 1, "maximum": settings.NEAREST_MAX_K,
                       "default": 3}}, _AT, _CRS],
    "responses": {"200": json_answer("facilities, nearest first", {
        "type": "object", "required": ["kind", "count", "facilities"],
        "properties": {"kind": {"type": "string"}, "count": {"type": "integer", "minimum": 0},
                       "facilities": {"type": "array"}}}), **_ERRORS}}})
document("/api/v1/isochrone", {"get": {
    "tags": ["路线 routing"], "summary": "Areas reachable within N minutes (service circle)",
    "parameters": [_FROM, {"name": "minutes", "in": "query", "schema": {"type": "string"},
                           "example": "5,10,15"}, _AT, _CRS],
    "responses": {"200": json_answer("GeoJSON FeatureCollection of polygons", {
        "type": "object", "required": ["type", "features"],
        "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array"}}},
        media_type=GEOJSON), **_ERRORS}}})
