"""The landing page (what Youlu is, links to each user's view) and ``GET /healthz``: the
process answers (for load balancers, and the trivial baseline of ``bench/checkin_load.py``)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from sqlalchemy import func, select

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


@bp.get("/healthz")
def healthz() -> Response:
    """``ok`` as plain text; touches neither the database nor Redis beyond the rate limiter."""
    return Response("ok", mimetype="text/plain")
