"""The landing page: what Youlu is and links to each user's view."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from app.db import get_session
from app.models import Community, Facility, Gate, Unit
from app.web import bp


@bp.get("/")
def landing() -> str:
    """Chinese landing page with live counts and links to the views."""
    db = get_session()
    counts = {model.__tablename__: db.scalar(select(func.count()).select_from(model))
              for model in (Community, Gate, Unit, Facility)}
    communities = db.scalars(select(Community).order_by(Community.name).limit(50)).all()
    return render_template("landing.html", counts=counts, communities=communities)
