"""Webhook signatures and retries.

``X-Youlu-Signature: v1=HEX`` is the HMAC-SHA256, under the webhook's secret, of the
``X-Youlu-Timestamp`` (Unix seconds, as sent), a ``.``, and the raw body bytes. A
receiver recomputes it, compares in constant time and refuses old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from geo import settings


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The JSON body as sent: UTF-8, keys sorted, no spaces (the same on every retry)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Youlu-Signature`` value of ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(secret: str, timestamp: int, body: bytes, header: str, *, now: int,
           tolerance_s: int = settings.WEBHOOK_TOLERANCE_S) -> bool:
    """Whether ``header`` signs ``body`` at ``timestamp`` and that is recent (receivers)."""
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header.strip())


def next_try(created: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed tries: ``WEBHOOK_RETRY_BASE_S`` doubled
    each time, at most ``WEBHOOK_RETRY_MAX_S`` apart; None once ``WEBHOOK_RETRY_FOR_S``
    (a day) has passed since the change."""
    delay = min(settings.WEBHOOK_RETRY_BASE_S * 2 ** max(attempts - 1, 0),
                settings.WEBHOOK_RETRY_MAX_S)
    then = now + timedelta(seconds=delay)
    if then > created + timedelta(seconds=settings.WEBHOOK_RETRY_FOR_S):
        return None
    return then
