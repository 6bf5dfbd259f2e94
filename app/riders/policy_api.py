"""``/api/v1/pass-policy``: an office reads and sets its pass policy, including the
platforms whose vouched riders it approves at once (the same rules as the office page)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from app.accounts.auth import Actor, current_actor, require_writer
from app.db import get_session
from app.models import Office, PassPolicy
from app.openapi import document, error_responses
from app.riders.service import policy_view, set_policy
from geo.errors import Forbidden, InvalidInput, NotFound, Unauthorized

bp = Blueprint("pass_policy", __name__)  # under /api/v1


def _office(actor: Actor | None) -> Office:
    if actor is None:
        raise Unauthorized("请先登录或提供 API 令牌", "log in or send an API token")
    office = actor.user.office if actor.user else None
    if office is None:
        raise Forbidden("只有社区账号可以设置本社区的通行证规则",
                        "only an office's users set its pass policy")
    return office


@bp.get("/pass-policy")
def read() -> Response:
    """The calling office's pass policy."""
    office = _office(current_actor())
    row = get_session().scalar(select(PassPolicy).where(PassPolicy.office_id == office.id))
    if row is None:
        raise NotFound("本社区尚未设置通行证规则", "this office has set no pass policy")
    return jsonify(policy_view(row))


@bp.put("/pass-policy")
def write() -> Response:
    """Set the calling office's pass policy (audited)."""
    actor = require_writer()
    office = _office(actor)
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("validity_days"), int) or not (
            isinstance(body.get("vouched_platforms", []), list)):
        raise InvalidInput("请求体应为 {approval, validity_days（整数）, scope, vouched_platforms（列表）}",
                           "body: {approval, validity_days (integer), scope, vouched_platforms (list)}")
    row = set_policy(get_session(), office, approval=str(body.get("approval", "")),
                     validity_days=body["validity_days"], scope=str(body.get("scope", "")),
                     vouched_platforms=[str(k) for k in body.get("vouched_platforms", [])],
                     actor=actor.name, user_id=actor.user.id if actor.user else None)
    return jsonify(policy_view(row))


_POLICY = {"type": "object", "required": ["approval", "validity_days", "scope"], "properties": {
    "approval": {"type": "string", "enum": ["auto", "approval"]},
    "validity_days": {"type": "integer", "minimum": 1},
    "scope": {"type": "string", "enum": ["community", "committee", "street"]},
    "vouched_platforms": {"type": "array", "items": {"type": "string"},
                          "description": "platform keys (meituan, eleme …) whose vouched riders "
                                         "get an active pass at their first tap"}}}
document("/api/v1/pass-policy", {
    "get": {"tags": ["骑手 riders"], "summary": "The calling office's pass policy",
            "security": [{"bearer": []}],
            "responses": {"200": {"description": "the policy",
                                  "content": {"application/json": {"schema": _POLICY}}},
                          **error_responses(401, 403, 404)}},
    "put": {"tags": ["骑手 riders"], "summary": "Set the office's pass policy (audited)",
            "description": ("An office user's write token (or log-in with CSRF). "
                            "`vouched_platforms`: auto-approve riders vouched for by these "
                            "platforms (一次授权、定期有效): their first scan is one tap, the pass "
                            "lasts at most as long as the attestation and ends when it is revoked."),
            "security": [{"bearer": []}],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _POLICY}}},
            "responses": {"200": {"description": "the policy as stored"},
                          **error_responses(400, 401, 403)}}})
