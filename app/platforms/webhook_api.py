"""``/api/v1/webhooks``: a platform token registers webhooks, reads their delivery log
and replays deliveries."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.db import get_session
from app.openapi import document, error_responses, id_parameter
from app.platforms import webhooks
from app.platforms.access import require_platform_token
from geo.platforms.changes import KINDS

bp = Blueprint("webhooks", __name__)  # under /api/v1


@bp.post("/webhooks")
def register() -> tuple[Response, int]:
    """Register a webhook of the calling token."""
    token = require_platform_token()
    hook, secret = webhooks.register(get_session(), token, request.get_json(silent=True))
    return jsonify({**webhooks.describe(hook), "secret": secret}), 201


@bp.get("/webhooks")
def list_hooks() -> Response:
    """The calling token's webhooks."""
    token = require_platform_token()
    return jsonify({"webhooks": [webhooks.describe(h)
                                 for h in webhooks.hooks_of(get_session(), token)]})


@bp.get("/webhooks/<int:hook_id>/deliveries")
def deliveries(hook_id: int) -> Response:
    """The delivery log of one webhook, newest first."""
    session = get_session()
    hook = webhooks.owned(session, require_platform_token(), hook_id)
    return jsonify({"webhook": webhooks.describe(hook),
                    "deliveries": webhooks.delivery_log(session, hook)})


@bp.post("/webhooks/<int:hook_id>/deliveries/<int:delivery_id>/replay")
def replay(hook_id: int, delivery_id: int) -> Response:
    """Send one delivery again, with the same event id."""
    session = get_session()
    token = require_platform_token()
    row = webhooks.replay(session, token, webhooks.owned(session, token, hook_id), delivery_id)
    return jsonify({"id": row.id, "event_id": row.event_id, "status": row.status})


_HOOK = {"type": "object", "required": ["url"], "properties": {
    "url": {"type": "string", "format": "uri", "description": "http:// or https:// only"},
    "secret": {"type": "string", "minLength": 16,
               "description": "HMAC key; generated and shown once when left out"},
    "kinds": {"type": "array", "items": {"enum": list(KINDS)}},
    "divisions": {"type": "array", "items": {"type": "string"},
                  "description": "division code prefixes"}}}
_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
document("/api/v1/webhooks", {
    "post": {"tags": ["平台 platforms"], "summary": "Register a webhook for feed changes",
             "description": (
                 "Each change is POSTed as its feed entry (JSON, keys sorted), with headers "
                 "`X-Youlu-Event-Id` (the same on every retry), `X-Youlu-Timestamp` (Unix s) "
                 "and `X-Youlu-Signature: v1=HEX`, the HMAC-SHA256 under the secret of the "
                 "timestamp, `.`, and the raw body. A non-2xx answer is retried with backoff "
                 "for a day; a webhook's changes arrive in order."),
             "security": _SECURITY,
             "requestBody": {"required": True, "content": {"application/json": {"schema": _HOOK}}},
             "responses": {"201": {"description": "the webhook and its secret"},
                           **error_responses(400, 401)}},
    "get": {"tags": ["平台 platforms"], "summary": "This token's webhooks", "security": _SECURITY,
            "responses": {"200": {"description": "webhooks"}, **error_responses(401)}}})
document("/api/v1/webhooks/{hook_id}/deliveries", {"get": {
    "tags": ["平台 platforms"], "summary": "Delivery log of a webhook, newest first",
    "security": _SECURITY,
    "parameters": [id_parameter("hook_id")],
    "responses": {"200": {"description": "deliveries"}, **error_responses(401, 404)}}})
document("/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/replay", {"post": {
    "tags": ["平台 platforms"], "summary": "Send a delivery again (same event id)",
    "security": _SECURITY,
    "parameters": [id_parameter(n) for n in ("hook_id", "delivery_id")],
    "responses": {"200": {"description": "queued"}, **error_responses(401, 404)}}})
