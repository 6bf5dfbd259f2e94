"""GeoJSON CRUD for communities, gates, buildings, units, paths and facilities (answers
are ``application/geo+json``, RFC 7946)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from sqlalchemy import func, select

from app.accounts.auth import require_writer
from app.db import get_session
from app.geojson import geojson_response
from app.models.places import MODEL_OF_RESOURCE
from app.params import bbox_arg, crs_arg, if_match_version, int_arg
from app.places.editing import (
    create_feature,
    delete_feature,
    get_feature,
    resource_model,
    update_feature,
)
from app.places.serialize import to_feature
from app.spatial import bbox_candidates, exact_in_bbox
from geo.errors import InvalidInput
from geo.json_input import parse_json

bp = Blueprint("places", __name__)  # under /api/v1

# ``<resource>`` in a URL: one of the feature resources, so that other paths under /api/v1
# (``/route``, ``/aggregates``) never match these rules and answer 405 with a true Allow.
RESOURCE = f"<any({', '.join(MODEL_OF_RESOURCE)}):resource>"

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def json_body() -> Any:
    """The request body as JSON, or a clear error."""
    if not request.is_json:
        raise InvalidInput("请求体应为 JSON（Content-Type: application/json）",
                           "the body must be JSON (Content-Type: application/json)")
    return parse_json(request.get_data())


def feature_response(resource: str, row: Any, status: int = 200) -> Response:
    """A feature as GeoJSON with its version as ETag."""
    response = geojson_response(to_feature(resource, row), status)
    response.headers["ETag"] = f'"{row.version}"'
    return response


@bp.get(f"/{RESOURCE}")
def list_features(resource: str) -> Response:
    """A page of features as a FeatureCollection; filters bbox, community, kind."""
    model = resource_model(resource)
    db = get_session()
    limit = int_arg("limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    offset = int_arg("offset", 0)
    query = select(model)
    community = int_arg("community")
    if community is not None:
        column = model.id if resource == "communities" else model.community_id
        query = query.where(column == community)
    if (kind := request.args.get("kind")) and hasattr(model, "kind"):
        query = query.where(model.kind == kind)
    bbox = bbox_arg()
    if bbox is not None:
        query = bbox_candidates(db, model, query, bbox)
        rows = exact_in_bbox(db, list(db.scalars(query.order_by(model.id))), bbox)
        matched, page = len(rows), rows[offset:offset + limit]
    else:
        matched = db.scalar(select(func.count()).select_from(query.subquery()))
        page = list(db.scalars(query.order_by(model.id).offset(offset).limit(limit)))
    body: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [to_feature(resource, row) for row in page],
        "numberMatched": matched,
        "numberReturned": len(page),
        "links": [],
    }
    if offset + len(page) < matched:
        args = {**request.args.to_dict(), "offset": offset + len(page), "limit": limit}
        body["links"].append({"rel": "next", "href": url_for(
            "api.places.list_features", resource=resource, _external=False, **args)})
    return geojson_response(body)


@bp.get(f"/{RESOURCE}/<int:feature_id>")
def read_feature(resource: str, feature_id: int) -> Response:
    """One feature as GeoJSON, with its version as ETag."""
    return feature_response(resource, get_feature(get_session(), resource, feature_id))


@bp.post(f"/{RESOURCE}")
def create(resource: str) -> Response:
    """Create a feature from a GeoJSON Feature body (``crs=gcj02`` converts input)."""
    resource_model(resource)
    actor = require_writer()
    row = create_feature(get_session(), actor, resource, json_body(), crs=crs_arg())
    response = feature_response(resource, row, 201)
    response.headers["Location"] = url_for("api.places.read_feature", resource=resource, feature_id=row.id)
    return response


@bp.route(f"/{RESOURCE}/<int:feature_id>", methods=["PUT", "PATCH"])
def update(resource: str, feature_id: int) -> Response:
    """Change a feature; needs the current version (properties.version or If-Match)."""
    resource_model(resource)
    actor = require_writer()
    row = update_feature(get_session(), actor, resource, feature_id, json_body(),
                         crs=crs_arg(), if_match=if_match_version())
    return feature_response(resource, row)


@bp.delete(f"/{RESOURCE}/<int:feature_id>")
def delete(resource: str, feature_id: int) -> tuple[str, int]:
    """Delete a feature; a given version (``?version=`` or If-Match) must be current."""
    resource_model(resource)
    actor = require_writer()
    version = int_arg("version") or if_match_version()
    delete_feature(get_session(), actor, resource, feature_id, version=version)
    return "", 204
