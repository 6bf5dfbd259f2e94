"""Browser pages: the landing page and, as they come, rider, office and planner views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

from app.web import landing  # noqa: E402,F401  (registers the views)
from app.web import keys, plates_download, scan  # noqa: E402,F401
from app.web import office_auth, office_log, rider_pass  # noqa: E402,F401  (nested blueprints)
from app.web import maps  # noqa: E402,F401  (rider, station finder, planner, posters)
from app.web import editor  # noqa: E402,F401  (office map editor, on the office blueprint)
from app.web import health  # noqa: E402,F401  (GET /healthz)
from app.web import reports  # noqa: E402,F401  (随手拍 /report and /office/reports)
