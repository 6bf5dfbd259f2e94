"""Printable posters for offices: a download page per compound and the poster of one
gate (PDF or PNG, A3 or A4) with "你在这里" at that gate; a download by an office user
is recorded as printed (``app.plates.printing``)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, current_app, render_template, request, send_file
from sqlalchemy import select

from app.accounts.auth import current_actor
from app.addresses.codes import lookup_by_code_or_id
from app.db import get_session
from app.extensions import limiter
from app.models import Community, Gate
from app.plates.posters import poster_for_gate, poster_name
from app.plates.printing import record_print
from geo import settings
from geo.address.codes import gate_label
from maps.poster_spec import FORMATS, PAGE_SIZES_MM

bp = Blueprint("posters", __name__)


@bp.get("/r/<ref>/posters")
def posters(ref: str) -> str:
    """Download page for offices: a poster per gate, A3 or A4, PDF or PNG; an office
    user may also start all of them as one job (后台生成海报)."""
    db = get_session()
    community = lookup_by_code_or_id(db, Community, ref)
    gates = list(db.scalars(select(Gate).where(Gate.community_id == community.id).order_by(Gate.id)))
    gates = [(g, gate_label(g.number, g.name)) for g in gates]
    actor = current_actor()
    return render_template("maps/posters.html", community=community, gates=gates,
                           sizes=list(PAGE_SIZES_MM), formats=FORMATS,
                           can_queue=actor is not None and actor.can_write and bool(gates))


@bp.get("/posters/<gate_ref>.<fmt>")
@limiter.limit(settings.RATELIMIT_RIDER_PAGES)
def poster_file(gate_ref: str, fmt: str) -> Any:
    """The poster of one gate (id or code) as PDF or PNG; ``?size=A3|A4``."""
    db = get_session()
    gate = lookup_by_code_or_id(db, Gate, gate_ref)
    size = request.args.get("size", "A4").upper()
    data = poster_for_gate(db, gate, size=size, fmt=fmt,
                           base_url=current_app.config["PUBLIC_BASE_URL"])
    actor = current_actor()
    if actor is not None and actor.can_write and gate.community_id is not None:
        record_print(db, actor, gate.community_id, "posters", f"{gate.id} {size} {fmt}")
    return send_file(BytesIO(data), mimetype=FORMATS[fmt], as_attachment=True,
                     download_name=poster_name(gate, size, fmt))
