"""JSON API under ``/api/v1``: GeoJSON features, routing, codes. Errors are JSON."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import features  # noqa: E402,F401  (registers the views)
