"""``GET /api/v1/resolve?q=…&limit=…``: a free-text address to ranked places."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.addresses.resolve import resolve_address
from app.db import get_session
from app.openapi import document
from app.params import int_arg
from geo import settings
from geo.address.resolver import KINDS, STATUSES
from geo.geometry.place_points import CENTROID, DOOR, INSIDE, NEAREST_TO_GATE

bp = Blueprint("addresses", __name__)  # under /api/v1


@bp.get("/resolve")
def resolve() -> Response:
    """Resolve ``q`` (as riders and platforms write it, or a standard code) to ranked
    candidates with code, confidence and the point to head for; see ``geo.address.resolver``."""
    limit = int_arg("limit", settings.RESOLVE_DEFAULT_LIMIT, low=1, high=settings.RESOLVE_MAX_LIMIT)
    return jsonify(resolve_address(get_session(), request.args.get("q", "")).as_dict(limit))


_PLACE_BRIEF = {"type": ["object", "null"], "properties": {
    "id": {"type": "integer"}, "code": {"type": ["string", "null"]},
    "name": {"type": ["string", "null"]}, "number": {"type": ["string", "null"]}}}

document("/api/v1/resolve", {"get": {
    "tags": ["地址解析 resolve"],
    "summary": "Free-text address → ranked compounds, buildings and unit doors",
    "description": (
        "Reads what riders and platforms write: 双泉嘉苑3号楼二单元, 双泉嘉苑 3-2, "
        "北京市海淀区清华东路27号院三栋, full-width digits, 栋/幢/号楼/座/单元/门洞, aliases "
        "set by offices, typos, or a standard code. `status` is `matched` only when the best "
        "candidate is sure and clearly ahead of any other place; `ambiguous` lists candidates "
        "(always so when no compound is named, e.g. 10号楼); `not_found` says what is missing "
        "(a compound without that building is offered with `missing: [\"building\"]`). "
        "A building whose doors are not mapped answers a unit query with "
        "`unmapped: [\"unit\"]`. Points are WGS-84 (lon, lat); `point_source` says what the "
        "point is: `door` (unit door), `nearest_to_gate` (the building's side nearest the "
        "closest gate riders may use), `centroid` (building, compound without gates), "
        "`inside` (a point inside the compound)."),
    "parameters": [
        {"name": "q", "in": "query", "required": True, "schema": {
            "type": "string", "maxLength": settings.RESOLVE_MAX_QUERY_CHARS},
         "example": "双泉嘉苑3号楼二单元"},
        {"name": "limit", "in": "query", "schema": {
            "type": "integer", "minimum": 1, "maximum": settings.RESOLVE_MAX_LIMIT,
            "default": settings.RESOLVE_DEFAULT_LIMIT}, "description": "candidates returned"}],
    "responses": {
        "200": {"description": "status and ranked candidates", "content": {"application/json": {
            "schema": {"type": "object", "required": ["query", "status", "candidates"],
                       "properties": {
                "query": {"type": "string"},
                "status": {"enum": list(STATUSES)},
                "message": {"type": "string", "description": "中文说明"},
                "message_en": {"type": "string"},
                "parsed": {"type": "object", "description": "place text, building, unit, "
                           "room (and code) as read from q"},
                "count": {"type": "integer", "description": "candidates before the limit"},
                "candidates": {"type": "array", "items": {"type": "object", "properties": {
                    "kind": {"enum": list(KINDS)},
                    "id": {"type": "integer"},
                    "code": {"type": ["string", "null"],
                             "description": "standard address code, null until allocated"},
                    "osm": {"type": ["string", "null"], "example": "way/123"},
                    "label": {"type": "string", "example": "双泉嘉苑 3号楼 2单元"},
                    "address": {"type": "string"},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "point": {"type": ["object", "null"], "description": "GeoJSON Point"},
                    "point_source": {"enum": [DOOR, NEAREST_TO_GATE, CENTROID, INSIDE]},
                    "community": _PLACE_BRIEF, "building": _PLACE_BRIEF,
                    "missing": {"type": "array", "items": {"enum": ["building", "unit"]}},
                    "unmapped": {"type": "array", "items": {"enum": ["unit"]}},
                    "match": {"type": "object", "description": "how: exact, contains, "
                              "abbreviation, typo, code, number_only; key; field"}}}}}},
            "example": {"query": "双泉嘉苑 3-2", "status": "matched"}}}},
        "400": {"description": "q missing or too long, bad limit", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}})
