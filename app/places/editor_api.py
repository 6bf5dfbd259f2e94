"""What the office editor asks besides feature CRUD: opening hours in words, the
checks of a compound, a feature's history, deleted features, and revert."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.accounts.auth import current_actor, require_writer
from app.db import get_session
from app.geojson import GEOJSON
from app.openapi import (
    RESOURCE_ZH,
    document,
    error_responses,
    id_parameter,
    json_answer,
    resource_parameter,
)
from app.places.api import RESOURCE, feature_response, json_body
from app.places.checks import compound_findings
from app.places.history import deleted_features, entry_dict, feature_history, revert_to
from geo.errors import InvalidInput, Unauthorized
from geo.hours.spoken import spoken_to_osm
from geo.hours.text import describe_hours

bp = Blueprint("editor", __name__)  # under /api/v1


def _require_office_user() -> None:
    actor = current_actor()
    if actor is None or actor.user is None:
        raise Unauthorized("请先登录办公室账号", "log in with an office account")


@bp.get("/opening-hours")
def opening_hours_text() -> Response:
    """``?value=每天6点到22点`` → ``{"osm": "Mo-Su 06:00-22:00", "text": "每天 06:00–22:00"}``:
    what would be saved and how riders read it (400 if unreadable)."""
    value = request.args.get("value", "")
    osm = spoken_to_osm(value)
    return jsonify({"value": value, "osm": osm, "text": describe_hours(osm)})


@bp.get("/communities/<int:community_id>/checks")
def community_checks(community_id: int) -> Response:
    """Plain-language findings for one compound (gate off boundary, door outside…)."""
    findings = compound_findings(get_session(), community_id)
    return jsonify({"community": community_id, "findings": [f.as_dict() for f in findings]})


@bp.get("/communities/<int:community_id>/deleted")
def community_deleted(community_id: int) -> Response:
    """Deleted features of a compound (office users), newest first, to restore."""
    _require_office_user()
    entries = deleted_features(get_session(), community_id)
    return jsonify({"community": community_id, "entries": [entry_dict(e) for e in entries]})


@bp.get(f"/{RESOURCE}/<int:feature_id>/history")
def history(resource: str, feature_id: int) -> Response:
    """The audit entries of one feature, newest first (office users)."""
    _require_office_user()
    entries = feature_history(get_session(), resource, feature_id)
    return jsonify({"resource": resource, "id": feature_id,
                    "entries": [entry_dict(e) for e in entries]})


@bp.post(f"/{RESOURCE}/<int:feature_id>/revert")
def revert(resource: str, feature_id: int) -> Response:
    """Body ``{"entry": AUDIT_ID, "version": CURRENT}``: put that version back."""
    actor = require_writer()
    body = json_body()
    entry = body.get("entry") if isinstance(body, dict) else None
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(entry, int) or (version is not None and not isinstance(version, int)):
        raise InvalidInput("请求体应为 {\"entry\": 记录编号, \"version\": 当前版本号}",
                           'the body must be {"entry": AUDIT_ID, "version": CURRENT_VERSION}')
    row, created = revert_to(get_session(), actor, resource, feature_id, entry, version=version)
    return feature_response(resource, row, 201 if created else 200)


document("/api/v1/opening-hours", {"get": {
    "summary": "Opening hours as people write them (or OSM syntax) → OSM syntax and plain Chinese",
    "parameters": [{"name": "value", "in": "query", "required": True,
                    "schema": {"type": "string"}, "example": "每天6点到22点"}],
    "responses": {"200": json_answer("what would be saved and how riders read it", {
        "type": "object", "required": ["value", "osm", "text"], "properties": {
            "value": {"type": "string"}, "osm": {"type": "string", "example": "Mo-Su 06:00-22:00"},
            "text": {"type": "string", "example": "每天 06:00–22:00"}}})}}})
_WRITER: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
_COMMUNITY = [id_parameter("id", description="compound id")]
_FEATURE = [resource_parameter(), id_parameter("id", description="feature id")]
_ANY_FEATURE = {"anyOf": [{"$ref": f"#/components/schemas/{name}FeatureRead"} for name in RESOURCE_ZH]}
_ENTRIES = {"type": "array", "items": {"type": "object", "required": ["id", "action", "at"]}}
document("/api/v1/communities/{id}/checks", {"get": {
    "summary": "Editor checks of one compound in plain words", "parameters": _COMMUNITY,
    "responses": {"200": json_answer("findings: kind, resource, feature_id, message", {
        "type": "object", "required": ["community", "findings"],
        "properties": {"community": {"type": "integer"}, "findings": {"type": "array"}}})}}})
document("/api/v1/communities/{id}/deleted", {"get": {
    "summary": "Deleted features of a compound (office login)", "parameters": _COMMUNITY,
    "security": _WRITER,
    "responses": {"200": json_answer("audit entries of deletions", {
        "type": "object", "required": ["community", "entries"],
        "properties": {"community": {"type": "integer"}, "entries": _ENTRIES}})}}})
document("/api/v1/{resource}/{id}/history", {"get": {
    "summary": "Audit history of one feature, newest first (office login)", "parameters": _FEATURE,
    "security": _WRITER,
    "responses": {"200": json_answer("entries with before/after GeoJSON", {
        "type": "object", "required": ["resource", "id", "entries"],
        "properties": {"resource": {"type": "string"}, "id": {"type": "integer"},
                       "entries": _ENTRIES}})}}})
document("/api/v1/{resource}/{id}/revert", {"post": {
    "summary": "Restore the version after an audit entry (or a deleted feature)",
    "parameters": _FEATURE, "security": _WRITER,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["entry"], "properties": {
            "entry": {"type": "integer", "description": "audit entry id"},
            "version": {"type": "integer", "description": "the feature's current version"}}},
        "example": {"entry": 12, "version": 3}}}},
    "responses": {"200": json_answer("the feature, reverted", _ANY_FEATURE, media_type=GEOJSON),
                  "201": json_answer("a deleted feature, restored under a new id", _ANY_FEATURE,
                                     media_type=GEOJSON),
                  **error_responses(409)}}})
