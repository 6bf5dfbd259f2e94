"""``POST /api/v1/routes`` (up to 500 orders) and ``POST /api/v1/matrix`` (origins ×
doors, like OSRM's table service)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.db import get_session
from app.openapi import document, error_responses
from app.platforms import batch
from app.platforms.access import require_reader
from geo import settings
from geo.errors import InvalidInput

bp = Blueprint("platform_batches", __name__)  # under /api/v1


def _body() -> object:
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("请求体应为 JSON（Content-Type: application/json）",
                           "the body must be JSON (Content-Type: application/json)")
    return body


@bp.post("/routes")
def routes() -> Response:
    """Door-level routes for a batch of orders."""
    require_reader()
    return jsonify(batch.routes(get_session(), _body()))


@bp.post("/matrix")
def matrix() -> Response:
    """Durations and distances from every origin to every destination's door."""
    require_reader()
    return jsonify(batch.matrix(get_session(), _body()))


_TO = ("a unit or building: `unit:ID`, `building:ID`, a bare unit id, a standard code, or "
       "address text such as 双泉嘉苑3号楼2单元")
document("/api/v1/routes", {"post": {
    "tags": ["平台 platforms"],
    "summary": f"Door-level routes for up to {settings.ROUTES_MAX_ORDERS} orders",
    "description": (
        "Each answer (in order) has `status` `ok` with `door` (the resolved door), `gate`, "
        "`duration_s`, `distance_m`, `modes` (ride/walk/park seconds and metres) and `legs` "
        "(mode, metres, seconds, place), or `no_route` with `error`, `message`, `message_en` "
        "and `details.reason` (no_usable_gate, no_gates, no_way_from_start …) and, for a "
        "door closed to riders, a signed `statement`. An order that cannot be read (start "
        "off the map, unknown destination, bad time) fails the batch with 400 and "
        "`details.errors` listing every bad order; more orders than the limit: 413."),
    "security": [{"bearer": []}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["orders"], "properties": {
            "orders": {"type": "array", "maxItems": settings.ROUTES_MAX_ORDERS, "items": {
                "type": "object", "required": ["from", "to"], "properties": {
                    "from": {"type": "string", "example": "116.3512,39.9600",
                             "description": "LON,LAT (WGS-84)"},
                    "to": {"type": "string", "description": _TO},
                    "at": {"type": "string", "format": "date-time",
                           "description": "ISO 8601; without offset Asia/Shanghai"}}}},
            "pass": {"type": "boolean", "description": "riders hold a pass"}}}}}},
    "responses": {"200": {"description": "one answer per order"},
                  **error_responses(400, 401, 413)}}})
document("/api/v1/matrix", {"post": {
    "tags": ["平台 platforms"],
    "summary": "Origins × doors: durations (s) and distances (m), like OSRM's table service",
    "description": (
        "`durations[i][j]` and `distances[i][j]` from origin i to destination j's quickest "
        "door (a building's unit doors are all tried; `doors[i][j]` says which), null when "
        "there is no way (e.g. every gate closed at `at`); `sources` are the snapped origins "
        "(null when off the map). One search per origin, stopped once every door is settled."),
    "security": [{"bearer": []}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["origins", "destinations"], "properties": {
            "origins": {"type": "array", "items": {"type": "string"},
                        "maxItems": settings.ROUTES_MAX_ORDERS},
            "destinations": {"type": "array", "items": {"type": "string", "description": _TO},
                             "maxItems": settings.ROUTES_MAX_ORDERS},
            "at": {"type": "string", "format": "date-time"}, "pass": {"type": "boolean"}}}}}},
    "responses": {"200": {"description": "the matrix"}, **error_responses(400, 401, 404, 413)}}})
