"""The webhook outbox: every numbered change a webhook asked for becomes a delivery row
in the same transaction as the change (nothing is lost between the write and the
queue); the worker POSTs them, signed, oldest first per webhook, and stops at a
webhook's first failure so that its changes arrive in order. A failed try is retried
with backoff for a day; a delivery is marked done only after a 2xx answer, so a worker
killed mid-delivery leaves it pending and it is sent again with the same event id."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.models import Delivery, Webhook
from app.models.base import utcnow
from app.platforms.entries import as_utc, entry_of
from geo import settings
from geo.platforms.changes import event_id, stored_kinds
from geo.platforms.signatures import body_bytes, next_try, signature

ADDED = "youlu_deliveries_added"


def enqueue(session: Session, changes: list[tuple[int, str, str | None]]) -> int:
    """Outbox rows for the (seq, kind, division) ``changes`` each active webhook wants;
    marks the session so that its commit starts the delivery job. Returns the count."""
    hooks = list(session.scalars(select(Webhook).where(Webhook.active.is_(True))))
    rows = [{"webhook_id": hook.id, "seq": seq, "event_id": event_id(seq), "status": "pending",
             "attempts": 0, "next_try_at": utcnow(), "created_at": utcnow()}
            for seq, kind, division in changes for hook in hooks
            if wants(hook, kind, division)]
    if rows:
        session.execute(insert(Delivery), rows)
        session.info[ADDED] = True
    return len(rows)


def wants(hook: Webhook, kind: str, division: str | None) -> bool:
    """Whether ``hook`` subscribed to a change of ``kind`` in ``division``."""
    kinds = stored_kinds(tuple(hook.kinds)) if hook.kinds else ()
    if kinds and kind not in kinds:
        return False
    return not hook.divisions or any((division or "").startswith(d) for d in hook.divisions)


def post(url: str, secret: str, event: str, body: bytes) -> tuple[int | None, str | None]:
    """POST ``body`` signed now; (HTTP status, error text) — status None when unreachable."""
    timestamp = int(time.time())
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "Youlu-Webhooks/1",
        "X-Youlu-Event-Id": event, "X-Youlu-Timestamp": str(timestamp),
        "X-Youlu-Signature": signature(secret, timestamp, body)})
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_S) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return None, str(getattr(error, "reason", error))[:500]


def deliver_due(sessions: Callable[[], Session], *, now: datetime | None = None) -> int:
    """Send every due delivery, oldest first per webhook, each in its own transaction
    (the webhook's head row locked on PostgreSQL, so two workers never send one change
    at once). Returns the number delivered."""
    with sessions() as session:
        hooks = list(session.scalars(select(Webhook.id).where(Webhook.active.is_(True))
                                     .order_by(Webhook.id)))
    delivered = 0
    for hook_id in hooks:
        while _deliver_head(sessions, hook_id, now or utcnow()):
            delivered += 1
    return delivered


def _deliver_head(sessions: Callable[[], Session], hook_id: int, now: datetime) -> bool:
    """Try the oldest pending delivery of webhook ``hook_id`` if due; True if delivered."""
    with sessions() as session:
        head = session.scalar(
            select(Delivery).where(Delivery.webhook_id == hook_id, Delivery.status == "pending")
            .order_by(Delivery.seq).limit(1).with_for_update(skip_locked=True))
        if head is None or as_utc(head.next_try_at) > as_utc(now):
            return False
        hook = session.get(Webhook, hook_id)
        assert hook is not None
        status, error = post(hook.url, hook.secret, head.event_id,
                             body_bytes(entry_of(session, head.seq)))
        head.attempts += 1
        head.last_status, head.last_error = status, error
        if status is not None and 200 <= status < 300:
            head.status, head.delivered_at = "delivered", utcnow()
        else:
            retry = next_try(as_utc(head.created_at), head.attempts, as_utc(now))
            if retry is None:
                head.status = "failed"
            else:
                head.next_try_at = retry
        session.commit()
        return head.status == "delivered"
