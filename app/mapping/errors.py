"""Errors on the rider's map pages (``/r/…``, ``/nearest``): a Chinese page with a way
forward (the compound's open gates, the office's phone, back), or the API's JSON for a
client that asks for it: one choice per request, not per view."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from app import page_errors
from app.accounts.offices import office_phone
from app.addresses.codes import lookup_by_code_or_id
from app.db import get_session, roll_back
from app.mapping.compound_data import gate_status
from app.mapping.gate_ways import compound_gates
from app.models import Community
from geo.address.codes import gate_label
from geo.errors import YouluError
from geo.hours.opening_hours import local_time

TEMPLATE = "maps/error.html"


def _community() -> Community | None:
    """The compound the failed page was about (``/r/<ref>``), if it exists."""
    ref = (request.view_args or {}).get("ref")
    if not ref:
        return None
    try:
        found = lookup_by_code_or_id(get_session(), Community, str(ref))
    except YouluError:
        return None
    return found if isinstance(found, Community) else None


def render_error(error: YouluError) -> tuple[Response | str, int]:
    """``error`` as the page (or JSON) a rider sees."""
    roll_back()
    if page_errors.wants_json():
        return jsonify(error.to_dict()), error.status
    community = _community()
    gates, phone = [], None
    if community is not None:
        now = local_time(None)
        gates = [gate_label(g.number, g.name) for g in compound_gates(get_session(), community)
                 if gate_status(g, community, now) != "closed"]
        phone = office_phone(get_session(), community)
    return render_template(TEMPLATE, error=error, community=community, open_gates=gates,
                           office_phone=phone), error.status


def register(bp: Blueprint) -> None:
    """Render domain errors raised by ``bp``'s views with ``render_error``."""
    bp.register_error_handler(YouluError, render_error)
