"""``GET /api/v1/changes``: the change feed for delivery platforms."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.db import get_session
from app.openapi import document, error_responses
from app.params import int_arg
from app.platforms.access import require_reader
from app.platforms.feed import read_changes
from geo import settings
from geo.platforms.changes import KINDS, parse_kinds

bp = Blueprint("platforms", __name__)  # under /api/v1


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
