"""``GET /api/v1/planner/coverage`` and ``POST /api/v1/planner/siting``: coverage of every
compound by facility kind, and the best new sites for a kind (thin views)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from app.accounts.auth import require_writer
from app.db import get_session
from app.openapi import document, error_responses
from app.planner.coverage import LEVELS, planner_table
from app.planner.pilot import history, parse_since, progress, tick
from app.planner.siting import parse_candidates, propose
from geo import settings
from geo.errors import InvalidInput
from geo.planning.coverage import coverage_kinds

bp = Blueprint("planner", __name__)  # under /api/v1


def level_code(source: Any) -> tuple[str | None, str | None]:
    """(level, code) of the division asked for, from query args or a JSON body."""
    level = source.get("level") or None
    code = source.get("code") or None
    if code is not None and (isinstance(code, bool) or not isinstance(code, str | int)):
        raise InvalidInput("区划代码应为数字串", "the division code must be a string of digits")
    if level is not None and (not isinstance(level, str) or level not in LEVELS):
        raise InvalidInput(f"level 应为 {'、'.join(LEVELS)} 之一",
                           f"level must be one of {', '.join(LEVELS)}")
    if code is not None and level is None:
        level = next((name for name, n in LEVELS.items() if len(str(code)) == n), None)
        if level is None:
            raise InvalidInput(f"区划代码“{code}”应为 6、9 或 12 位",
                               f"division code {code!r} must have 6, 9 or 12 digits")
    return level, str(code) if code is not None else None


@bp.get("/planner/coverage")
def coverage() -> Response:
    """Every compound of a division with its times per kind, and the shares per division."""
    db = get_session()
    level, code = level_code(request.args)
    table = planner_table(db, at=request.args.get("at") or None)
    rows = table.select(level=level, code=code)
    return jsonify({"at": table.at.isoformat(), "count": len(rows), "compounds": rows,
                    "groups": {name: table.shares(rows, name) for name in LEVELS}})


def _number(body: dict[str, Any], name: str, default: float, cast: type = float) -> Any:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"参数 {name} 应为数字", f"{name} must be a number")
    return cast(value)


@bp.post("/planner/siting")
def siting() -> Response:
    """The gaps of a kind beyond a time in a division, and the k best new sites."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为 JSON 对象", "the body must be a JSON object")
    level, code = level_code(body)
    return jsonify(propose(get_session(), kind=str(body.get("kind", "")),
                           minutes=_number(body, "minutes", 10.0), k=_number(body, "k", 3, int),
                           level=level, code=code, candidates=parse_candidates(body.get("candidates")),
                           at=body.get("at") or None))


@bp.get("/planner/pilot")
def pilot() -> Response:
    """The pilot checklist of every compound of a division, the counts per division, its
    weekly snapshots and the minutes saved per delivery."""
    level, code = level_code(request.args)
    db = get_session()
    body = progress(db, level=level, code=code, at=request.args.get("at") or None,
                    since=parse_since(request.args.get("since")))
    weeks = history(db, code) if code else {}
    body["history"] = {week.isoformat(): {item: {"done": d, "total": t} for item, (d, t) in items.items()}
                       for week, items in weeks.items()}
    return jsonify(body)


@bp.post("/planner/pilot/ticks")
def pilot_tick() -> Response:
    """An office ticks (or unticks) an item the data cannot know, for one compound."""
    actor = require_writer()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("done"), bool):
        raise InvalidInput("请求体应为 {community_id, item, done(true/false)}",
                           "the body must be {community_id, item, done (boolean)}")
    return jsonify(tick(get_session(), actor, community_id=_number(body, "community_id", 0, int),
                        item=str(body.get("item", "")), done=body["done"]))


_DIVISION = [{"name": "level", "in": "query", "schema": {"type": "string", "enum": list(LEVELS)}},
             {"name": "code", "in": "query", "schema": {"type": "string"}, "example": "110108010",
              "description": "division code: 6 digits district, 9 street, 12 committee"}]
document("/api/v1/planner/coverage", {"get": {
    "summary": "Per compound: seconds from its gates to the nearest open facility of each kind; "
               "per committee, street and district the share of units within 5, 10, 15 min",
    "parameters": [*_DIVISION, {"name": "at", "in": "query", "schema": {"type": "string"},
                                "description": "ISO time (Asia/Shanghai if no offset), to the hour"}],
    "responses": {"200": {"description": "compounds (times null when beyond "
                                         f"{settings.COVERAGE_MAX_S:g} s) and groups"}}}})
document("/api/v1/planner/pilot", {"get": {
    "summary": "Pilot checklist (plan items 4, 5, 6, 8-11, 17, 20) per compound, compounds "
               "done per item per committee, street and district, and minutes saved per delivery "
               "(check-ins) before and from the pilot's start",
    "parameters": [*_DIVISION, {"name": "since", "in": "query", "example": "2025-05-01",
                                "schema": {"type": "string", "format": "date"},
                                "description": "the pilot's start (default: the week of the "
                                               "division's first snapshot)"}],
    "responses": {"200": {"description": "items, compounds, groups, savings, division_savings, "
                                         "history (the division's weekly snapshots: week → item → "
                                         "done, total)"},
                  "400": {"description": "bad level, code or since"}}}})
document("/api/v1/planner/pilot/ticks", {"post": {
    "summary": "An office ticks an item the data cannot know (4 plates installed, 5 map posted); "
               "audited; the compound must be the office's",
    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "community_id": {"type": "integer"}, "item": {"type": "string", "example": "4"},
        "done": {"type": "boolean"}}}}}},
    "security": [{"bearer": []}, {"session": []}],
    "responses": {"200": {"description": "the tick"},
                  **error_responses(401, 403, 404)}}})  # 403: not this office's; 404: no such compound
document("/api/v1/planner/siting", {"post": {
    "summary": "Compounds beyond `minutes` of a kind, and the k best new sites (maximal "
               "covering location problem, CBC) among the candidates",
    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "kind": {"type": "string", "example": "charger",
                 "enum": list(coverage_kinds())}, "minutes": {"type": "number"},
        "k": {"type": "integer"}, "level": {"type": "string"}, "code": {"type": "string"},
        "at": {"type": "string"},
        "candidates": {"description": "GeoJSON FeatureCollection of Points, or [[lon, lat], …]; "
                                      "default: street points near the gaps"}}}}}},
    "responses": {"200": {"description": "uncovered, sites, before/after seconds and shares"},
                  "400": {"description": "bad input"}}}})
