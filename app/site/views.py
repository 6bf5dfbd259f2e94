"""The landing page (what Youlu is, links to each user's view) and ``GET /healthz``: the
process answers (for load balancers, and the trivial baseline of ``bench/checkin_load.py``)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, send_from_directory
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from app.db import get_session
from app.models import Community, Facility, Gate, Unit

bp = Blueprint("site", __name__)


@bp.get("/")
def landing() -> str:
    """Chinese landing page with live counts and links to the views."""
    db = get_session()
    counts = {model.__tablename__: db.scalar(select(func.count()).select_from(model))
              for model in (Community, Gate, Unit, Facility)}
    communities = db.scalars(select(Community).order_by(Community.name).limit(50)).all()
    return render_template("landing.html", counts=counts, communities=communities)


@bp.get("/favicon.ico")
def favicon() -> BaseResponse:
    """The icon browsers ask for at the root, served from ``static/`` (no outside request)."""
    return send_from_directory(current_app.static_folder or "static", "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


@bp.get("/healthz")
def healthz() -> Response:
    """``ok`` as plain text; touches neither the database nor Redis beyond the rate limiter."""
    return Response("ok", mimetype="text/plain")
