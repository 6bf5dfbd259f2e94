"""JSON API under ``/api/v1``: GeoJSON features, routing, codes. Errors are JSON."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# View modules register on ``bp`` when imported. openapi comes before features so
# that /api/v1/openapi.json is not taken for a resource name.
from app.api import openapi  # noqa: E402,F401
from app.api import verify  # noqa: E402,F401
from app.api import resolve  # noqa: E402,F401
from app.api import routing  # noqa: E402,F401
from app.api import features  # noqa: E402,F401
from app.api import editor  # noqa: E402,F401
from app.api import maps  # noqa: E402,F401
