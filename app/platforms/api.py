"""``GET /api/v1/changes``, the change feed, and ``GET /api/v1/bundle``, the offline
bundle it continues, for delivery platforms."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.db import get_session
from app.openapi import document, error_responses
from app.params import int_arg
from app.platforms.access import require_reader
from app.platforms.aggregates import aggregates
from app.platforms.bundle import FORMATS, bundle
from app.platforms.feed import read_changes
from geo import settings
from geo.platforms.changes import KINDS, parse_kinds

bp = Blueprint("platforms", __name__)  # under /api/v1


@bp.get("/bundle")
def offline_bundle() -> Response:
    """A division's features, key set and feed cursor as GeoPackage or GeoJSON."""
    require_reader()
    division = (request.args.get("division") or "").strip()
    fmt = (request.args.get("format") or "gpkg").strip().lower()
    data = bundle(get_session(), division, fmt, issuer=current_app.config["PUBLIC_BASE_URL"])
    return Response(data, mimetype=FORMATS.get(fmt), headers={
        "Content-Disposition": f"attachment; filename=youlu-{division}.{fmt}"})


@bp.get("/aggregates")
def platform_aggregates() -> Response:
    """Counts per committee and compound of a division, small ones suppressed."""
    require_reader()
    return jsonify(aggregates(get_session(), (request.args.get("division") or "").strip()))


@bp.get("/changes")
def changes() -> Response:
    """Changes after ``since`` (a cursor; 0 for all), filtered by ``kinds`` and ``division``."""
    require_reader()
    limit = int_arg("limit", settings.FEED_PAGE_SIZE, low=1, high=settings.FEED_MAX_PAGE)
    page = read_changes(get_session(), since=request.args.get("since"),
                        kinds=parse_kinds(request.args.get("kinds")),
                        division=(request.args.get("division") or "").strip() or None,
                        limit=limit or settings.FEED_PAGE_SIZE)
    return jsonify(page)


document("/api/v1/changes", {"get": {
    "tags": ["平台 platforms"],
    "summary": "Change feed: every feature change, gate rule change, plate and key revocation",
    "description": (
        "Oldest first after the cursor `since` (`0`: from the start). Each entry has `cursor`, "
        "`event_id` (the same in webhooks), `kind`, `op` (created, updated, deleted: a tombstone "
        "with `feature: null`, revoked, rotated), `at` (Beijing time), `division`, and for "
        "features `resource`, `id`, `version` and the GeoJSON `feature`. Ask again with `next`; "
        "`more` says another page is ready. The cursor is opaque, stable and grows with the "
        "commit order of the changes."),
    "security": [{"bearer": []}],
    "parameters": [
        {"name": "since", "in": "query", "schema": {"type": "string"}, "example": "0"},
        {"name": "kinds", "in": "query", "schema": {"type": "string"},
         "description": "comma-separated: " + ", ".join(KINDS)},
        {"name": "division", "in": "query", "schema": {"type": "string"},
         "description": "division code prefix (street 9 digits, committee 12)"},
        {"name": "limit", "in": "query", "schema": {
            "type": "integer", "minimum": 1, "maximum": settings.FEED_MAX_PAGE,
            "default": settings.FEED_PAGE_SIZE}}],
    "responses": {"200": {"description": "a page of changes"}, **error_responses(400, 401)}}})
document("/api/v1/bundle", {"get": {
    "tags": ["平台 platforms"],
    "summary": "Offline bundle of a division: features, key set and the feed cursor",
    "description": (
        "The compounds whose division code starts with `division`, with their gates (rules "
        "and hours), buildings, units, paths and facilities; the plate key set; and the "
        "`cursor` of the change feed the bundle reflects (follow the feed from it). GeoPackage: "
        "one table per layer and a table `youlu_bundle` (key, JSON value: division, cursor, "
        "keys); GeoJSON: one FeatureCollection (`properties.layer`) with `youlu` holding them."),
    "security": [{"bearer": []}],
    "parameters": [
        {"name": "division", "in": "query", "required": True, "schema": {"type": "string"},
         "example": "110108010"},
        {"name": "format", "in": "query", "schema": {"enum": list(FORMATS), "default": "gpkg"}}],
    "responses": {"200": {"description": "the bundle file", "content": {
        FORMATS["gpkg"]: {"schema": {"type": "string", "format": "binary"}},
        FORMATS["geojson"]: {"schema": {"type": "object"}}}}, **error_responses(400, 401)}}})
document("/api/v1/aggregates", {"get": {
    "tags": ["平台 platforms"],
    "summary": "Aggregates per committee and compound; counts under 5 are null",
    "description": (
        "Per compound of `division` and per committee: `buildings`, `floors` (the sum of "
        "`building:levels`, a proxy for people), `units`, and `entries_per_hour_of_week` "
        "(168 values, Monday 00:00 Beijing time first), and `median_seconds_saved`: the "
        "median seconds a door-level route saves against riding to the road point nearest "
        "the compound's centroid and finding the door from there, over routes from "
        "AGGREGATE_SAVED_STARTS starts on a ring of AGGREGATE_SAVED_RING_M metres to up to "
        "AGGREGATE_SAVED_DOORS unit doors at AGGREGATE_SAVED_AT. Counts (and medians of "
        "fewer routes) under AGGREGATE_MIN_COUNT are null; no personal data."),
    "security": [{"bearer": []}],
    "parameters": [{"name": "division", "in": "query", "required": True,
                    "schema": {"type": "string"}, "example": "110108010"}],
    "responses": {"200": {"description": "aggregates"}, **error_responses(400, 401)}}})
