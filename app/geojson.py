"""GeoJSON answers of the API: every Feature and FeatureCollection is served as
``application/geo+json`` (RFC 7946, section 12), which JSON clients read as JSON."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

GEOJSON = "application/geo+json"


def geojson_response(body: dict[str, Any], status: int = 200) -> Response:
    """``body`` (a GeoJSON Feature or FeatureCollection) as ``application/geo+json``."""
    response = jsonify(body)
    response.status_code = status
    response.mimetype = GEOJSON
    return response
