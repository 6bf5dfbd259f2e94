"""``GET /healthz``: the process answers (for load balancers, and the trivial baseline of
``bench/checkin_load.py``). It touches neither the database nor Redis beyond the rate
limiter every request passes."""

from __future__ import annotations

from flask import Response

from app.web import bp


@bp.get("/healthz")
def healthz() -> Response:
    """``ok`` as plain text."""
    return Response("ok", mimetype="text/plain")
