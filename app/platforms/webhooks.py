"""Webhook subscriptions of platform tokens: register (URL, secret, kinds, divisions),
list, read the delivery log and replay a delivery. Every write is audited."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.models import ApiToken, Delivery, Webhook
from app.models.base import utcnow
from app.platforms.entries import beijing
from app.platforms.outbox import ADDED
from geo.errors import InvalidInput, NotFound
from geo.platforms.changes import parse_kinds

_SECRET_MIN = 16


def _url(raw: Any) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(text) > 500:
        raise InvalidInput(f"回调地址“{text}”无效：只接受 http:// 或 https:// 开头的网址",
                           f"webhook URL {text!r} is invalid: only http(s) URLs are accepted")
    return text


def _divisions(raw: Any) -> list[str]:
    items = raw or []
    if not isinstance(items, list) or not all(
            isinstance(d, str) and d.isdigit() and len(d) in (6, 9, 12) for d in items):
        raise InvalidInput("divisions 应为区划代码数组（6、9 或 12 位数字）",
                           "divisions must be a list of division codes (6, 9 or 12 digits)")
    return items


def register(session: Session, token: ApiToken, body: Any) -> tuple[Webhook, str]:
    """A new webhook of ``token`` from ``body`` (url, secret, kinds, divisions); returns it
    and its secret (generated when none is given). Flushes and audits."""
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为对象 {url, secret, kinds, divisions}",
                           "the body must be an object {url, secret, kinds, divisions}")
    url = _url(body.get("url"))
    secret = body.get("secret") or secrets.token_urlsafe(32)
    if not isinstance(secret, str) or len(secret) < _SECRET_MIN:
        raise InvalidInput(f"secret 至少 {_SECRET_MIN} 个字符", f"secret needs {_SECRET_MIN}+ characters")
    kinds_raw = body.get("kinds") or []
    if not isinstance(kinds_raw, list):
        raise InvalidInput("kinds 应为数组", "kinds must be a list")
    kinds = list(parse_kinds(",".join(str(k) for k in kinds_raw)))
    hook = Webhook(token_id=token.id, url=url, secret=secret, kinds=kinds,
                   divisions=_divisions(body.get("divisions")), active=True)
    session.add(hook)
    session.flush()
    audit.record(session, actor=f"token:{token.prefix}", action="create", table="webhooks",
                 feature_id=hook.id, after=describe(hook))
    return hook, secret


def describe(hook: Webhook) -> dict[str, Any]:
    """A webhook as JSON, without its secret."""
    return {"id": hook.id, "url": hook.url, "kinds": hook.kinds, "divisions": hook.divisions,
            "active": hook.active}


def owned(session: Session, token: ApiToken, hook_id: int) -> Webhook:
    """Webhook ``hook_id`` if ``token`` registered it; ``NotFound`` otherwise."""
    hook = session.get(Webhook, hook_id)
    if hook is None or hook.token_id != token.id:
        raise NotFound(f"没有编号为 {hook_id} 的回调", f"no webhook {hook_id} of this token")
    return hook


def hooks_of(session: Session, token: ApiToken) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.token_id == token.id)
                                .order_by(Webhook.id)))


def delivery_log(session: Session, hook: Webhook, *, limit: int = 200) -> list[dict[str, Any]]:
    """The newest deliveries of ``hook`` (Beijing time)."""
    rows = session.scalars(select(Delivery).where(Delivery.webhook_id == hook.id)
                           .order_by(Delivery.seq.desc()).limit(limit))
    return [{"id": d.id, "event_id": d.event_id, "status": d.status, "attempts": d.attempts,
             "last_status": d.last_status, "last_error": d.last_error,
             "next_try_at": beijing(d.next_try_at),
             "delivered_at": beijing(d.delivered_at) if d.delivered_at else None}
            for d in rows]


def replay(session: Session, token: ApiToken, hook: Webhook, delivery_id: int) -> Delivery:
    """Send delivery ``delivery_id`` again (same event id), now. Flushes and audits."""
    row = session.get(Delivery, delivery_id)
    if row is None or row.webhook_id != hook.id:
        raise NotFound(f"没有编号为 {delivery_id} 的投递", f"no delivery {delivery_id} of this webhook")
    row.status, row.next_try_at, row.attempts = "pending", utcnow(), 0
    session.flush()
    audit.record(session, actor=f"token:{token.prefix}", action="replay",
                 table="webhook_deliveries", feature_id=row.id, after={"event_id": row.event_id})
    session.info[ADDED] = True
    return row
