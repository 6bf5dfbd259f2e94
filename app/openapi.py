"""The OpenAPI 3.1 document at ``/api/v1/openapi.json``.

Feature resources are described from their pydantic property models; other API
modules add their paths with ``document(path, operations)`` at import time.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from app.places.schemas import GEOMETRY_TYPES, PROPS

bp = Blueprint("docs", __name__)  # under /api/v1

EXTRA_PATHS: dict[str, dict[str, Any]] = {}
_RESOURCE_ZH = {"communities": "小区", "gates": "出入口", "buildings": "楼栋",
                "units": "单元门", "paths": "内部道路", "facilities": "服务设施"}


def document(path: str, operations: dict[str, Any]) -> None:
    """Add ``operations`` (an OpenAPI path item) for ``path`` to the document."""
    EXTRA_PATHS.setdefault(path, {}).update(operations)


def _error_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["error", "message", "message_en"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string", "description": "中文说明"},
        "message_en": {"type": "string"}, "details": {"type": "object"}}}


def _feature_schema(resource: str) -> dict[str, Any]:
    return {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"const": "Feature"},
        "geometry": {"type": "object", "description": "GeoJSON " + " or ".join(GEOMETRY_TYPES[resource])
                     + ", WGS-84 (lon, lat); send crs=gcj02 to convert GCJ-02 input"},
        "properties": {"$ref": f"#/components/schemas/{PROPS[resource].__name__}"}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "错误 / error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}


def _resource_paths(resource: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{resource}Feature"}
    ref = {"content": {"application/geo+json": {"schema": schema}}}
    tag = [f"{_RESOURCE_ZH[resource]} {resource}"]
    list_params = [{"name": n, "in": "query", "schema": {"type": t}, "description": d} for n, t, d in (
        ("bbox", "string", "W,S,E,N in WGS-84 degrees"), ("community", "integer", "compound id"),
        ("limit", "integer", "page size, 1–1000"), ("offset", "integer", "start of the page"))]
    return {
        f"/api/v1/{resource}": {
            "get": {"tags": tag, "summary": f"List {resource} (FeatureCollection)",
                    "parameters": list_params, "responses": {"200": {"description": "FeatureCollection"},
                                                             **_errors(400)}},
            "post": {"tags": tag, "summary": f"Create a {resource} feature",
                     "security": [{"bearer": []}, {"session": []}],
                     "parameters": [{"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02"]}}],
                     "requestBody": ref, "responses": {"201": ref, **_errors(400, 401, 403, 413)}}},
        f"/api/v1/{resource}/{{id}}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"tags": tag, "summary": "Read one feature", "responses": {"200": ref, **_errors(404)}},
            "put": {"tags": tag, "summary": "Update (properties.version or If-Match required)",
                    "security": [{"bearer": []}, {"session": []}], "requestBody": ref,
                    "responses": {"200": ref, **_errors(400, 401, 403, 404, 409)}},
            "patch": {"tags": tag, "summary": "Partial update (same rules as PUT)",
                      "security": [{"bearer": []}, {"session": []}], "requestBody": ref,
                      "responses": {"200": ref, **_errors(400, 401, 403, 404, 409)}},
            "delete": {"tags": tag, "summary": "Delete (?version= checked when given)",
                       "security": [{"bearer": []}, {"session": []}],
                       "responses": {"204": {"description": "deleted"}, **_errors(401, 403, 404, 409)}}},
    }


def build_document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": _error_schema()}
    for resource, model in PROPS.items():
        paths.update(_resource_paths(resource))
        schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas[f"{resource}Feature"] = _feature_schema(resource)
    paths.update(EXTRA_PATHS)
    return {
        "openapi": "3.1.0",
        "info": {"title": "友路 Youlu API", "version": "1",
                 "description": "骑手友好型社区数据接口。几何为 GeoJSON（WGS-84，经度在前）。"
                                "错误以 JSON 返回，含中文 message 与英文 message_en。"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document."""
    return jsonify(build_document())
