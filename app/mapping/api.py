"""GeoJSON for the web maps: compounds with their rider-friendliness score, facilities
with hours, streets; each for a bounding box and a zoom."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.addresses.codes import lookup_by_code_or_id
from app.db import get_session
from app.geojson import GEOJSON, geojson_response
from app.mapping.city_data import (
    community_collection,
    community_details,
    facility_collection,
    street_collection,
)
from app.models import Community
from app.models.places import FACILITY_KINDS
from app.openapi import document, error_responses, json_answer
from app.params import bbox_arg, int_arg
from geo import settings
from geo.errors import InvalidInput
from geo.hours.opening_hours import local_time

bp = Blueprint("maps", __name__)  # under /api/v1


def _zoom() -> int:
    return int_arg("zoom", settings.PLANNER_POLYGON_MIN_ZOOM, low=0, high=settings.MAP_MAX_ZOOM)


def _kinds() -> list[str] | None:
    raw = request.args.get("kind", "")
    kinds = [k for k in raw.split(",") if k]
    unknown = [k for k in kinds if k not in FACILITY_KINDS]
    if unknown:
        raise InvalidInput(f"设施类型“{unknown[0]}”无效：可用 {', '.join(FACILITY_KINDS)}",
                           f"unknown facility kind {unknown[0]!r}: use {', '.join(FACILITY_KINDS)}")
    return kinds or None


@bp.get("/map/communities")
def map_communities() -> Response:
    """Compounds in ``bbox`` with their score: outlines from the outline zoom, else points."""
    return geojson_response(community_collection(get_session(), bbox=bbox_arg(), zoom=_zoom()))


@bp.get("/map/communities/<ref>")
def map_community(ref: str) -> Response:
    """One compound's score, its parts and counts (id or standard code)."""
    db = get_session()
    return jsonify(community_details(db, lookup_by_code_or_id(db, Community, ref)))


@bp.get("/map/facilities")
def map_facilities() -> Response:
    """Facilities in ``bbox`` (``kind=a,b`` to filter) with hours and open now (``at``)."""
    return geojson_response(facility_collection(get_session(), bbox=bbox_arg(), kinds=_kinds(),
                                              at=local_time(request.args.get("at"))))


@bp.get("/map/streets")
def map_streets() -> Response:
    """Streets in ``bbox`` from the recorded sources' OSM files, for maps without a tile server."""
    bbox = bbox_arg()
    if bbox is None:
        raise InvalidInput("需要 bbox=西,南,东,北", "bbox=W,S,E,N is required")
    return geojson_response(street_collection(get_session(), bbox, _zoom()))


_COLLECTION = {"type": "object", "required": ["type", "features"], "properties": {
    "type": {"const": "FeatureCollection"}, "features": {"type": "array"}}}
_BBOX = {"name": "bbox", "in": "query", "schema": {"type": "string"}, "example": "116.35,39.99,116.37,40.01",
         "description": "W,S,E,N in WGS-84 degrees"}
_ZOOM = {"name": "zoom", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                   "maximum": settings.MAP_MAX_ZOOM},
         "description": "web-map zoom: geometry is simplified to about a pixel; below the outline "
                        "zoom (PLANNER_POLYGON_MIN_ZOOM) compounds come as points"}
document("/api/v1/map/communities", {"get": {
    "summary": "Compounds with their rider-friendliness score (0-100), grade and colour",
    "parameters": [_BBOX, _ZOOM],
    "responses": {"200": json_answer("GeoJSON FeatureCollection; as_points says which form",
                                     _COLLECTION, media_type=GEOJSON)}}})
document("/api/v1/map/communities/{id_or_code}", {"get": {
    "summary": "One compound's score: parts (share 0-1, points), labels, counts",
    "parameters": [{"name": "id_or_code", "in": "path", "required": True,
                    "schema": {"type": "string", "minLength": 1}, "example": "110108010000-008",
                    "description": "the compound's id or standard address code"}],
    "responses": {"200": json_answer("score details", {
        "type": "object", "required": ["id", "name", "code", "part_labels", "part_max", "counts"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                       "code": {"type": ["string", "null"]}, "part_labels": {"type": "object"},
                       "part_max": {"type": "object"}, "counts": {
                           "type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                           "required": ["gates", "gates_open", "buildings", "units", "facilities"]}}}),
                  **error_responses(400, 404)}}})
document("/api/v1/map/facilities", {"get": {
    "summary": "Facilities with opening hours and whether they are open at a time",
    "parameters": [_BBOX, {"name": "kind", "in": "query", "schema": {"type": "string"},
                           "example": "charger,toilet"},
                   {"name": "at", "in": "query", "schema": {"type": "string"},
                    "description": "ISO time, local (Asia/Shanghai) if no offset; default now"}],
    "responses": {"200": json_answer("GeoJSON FeatureCollection", _COLLECTION, media_type=GEOJSON)}}})
document("/api/v1/map/streets", {"get": {
    "summary": "Streets from the OSM extracts, for maps with no tile server",
    "parameters": [{**_BBOX, "required": True}, _ZOOM],
    "responses": {"200": json_answer("GeoJSON FeatureCollection of LineStrings", _COLLECTION,
                                     media_type=GEOJSON)}}})
