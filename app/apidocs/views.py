"""The OpenAPI 3.1 document at ``/api/v1/openapi.json``.

Feature resources are described from their pydantic property models
(``app.apidocs.features``); other API modules add their paths with
``app.openapi.document(path, operations)``; ``app.openapi.complete`` adds to every
operation the error answers the app can send for it.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, Response, jsonify

from app.apidocs.features import feature_paths, feature_schemas
from app.openapi import EXTRA_PATHS, complete, error_schema, json_answer
from app.places.schemas import PROPS

bp = Blueprint("docs", __name__)  # under /api/v1


def build_document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": error_schema()}
    for resource in PROPS:
        paths.update(feature_paths(resource))
        schemas.update(feature_schemas(resource))
    paths.update(copy.deepcopy(EXTRA_PATHS))
    paths["/api/v1/openapi.json"] = {"get": {"summary": "This document (OpenAPI 3.1)",
                                             "responses": {"200": json_answer("OpenAPI 3.1", {
                                                 "type": "object", "required": ["openapi", "info", "paths"],
                                                 "properties": {"openapi": {"const": "3.1.0"}}})}}}
    for path, item in paths.items():
        complete(path, item)
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
