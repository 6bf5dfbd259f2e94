"""Several rate limits of one request counted in one storage round trip.

flask-limiter checks a request's limits one by one, a Redis call each, and reads the
window of the limit it reports in the headers twice more (``GET``, ``TTL``). For the
busiest request, the check-in tap, that was four round trips for two limits.
``count_together`` counts them in one: a Lua script increments every counter, starts
the window of a new one and returns each count with its time to live.

The counters are flask-limiter's own: the same fixed windows under the same keys
(``LIMITER/<prefix>/<key>/<endpoint>/<amount>/<multiples>/<granularity>``), in the
limiter's storage (Redis, or memory without ``REDIS_URL``). When Redis is unreachable
the counts go to this process's memory, as flask-limiter falls back, rather than
failing the request, and Redis is tried again after ``RATELIMIT_STORAGE_RETRY_S``.
"""

from __future__ import annotations

import hashlib
import logging
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from flask import Response, after_this_request, current_app, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter
from geo import settings

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

# KEYS: the counters; ARGV: each one's window in seconds. Returns count, ttl, count, ttl…
_COUNT_ALL = """
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  out[2 * i - 1] = count
  out[2 * i] = redis.call('TTL', key)
end
return out
"""
_COUNT_ALL_SHA = hashlib.sha1(_COUNT_ALL.encode()).hexdigest()  # as Redis names the script (EVALSHA)
_fallback = MemoryStorage()
# A Redis storage found unreachable → until when (time.monotonic()) to count in memory.
_down_until: weakref.WeakKeyDictionary[Storage, float] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Counted:
    """One limit after this request was counted: ``count`` requests in the window that
    ends at ``reset_at`` (Unix seconds)."""

    item: RateLimitItem
    count: int
    reset_at: float

    @property
    def breached(self) -> bool:
        return self.count > self.item.amount

    @property
    def remaining(self) -> int:
        return max(0, self.item.amount - self.count)


@lru_cache(maxsize=64)
def _parsed(text: str) -> RateLimitItem:
    """The limit written ``text`` (``"30 per minute"``), parsed once."""
    return parse(text)


def _count_in_redis(storage: RedisStorage, keys: list[str], windows: list[int]) -> list[int]:
    from redis.exceptions import NoScriptError  # loaded with the Redis storage, not before

    client = cast("Redis", storage.get_connection())
    prefixed = [storage.prefixed_key(k) for k in keys]
    try:
        out = client.evalsha(_COUNT_ALL_SHA, len(prefixed), *prefixed, *windows)
    except NoScriptError:  # a Redis that has not run it yet (new or restarted): EVAL keeps it
        out = client.eval(_COUNT_ALL, len(prefixed), *prefixed, *windows)
    return [int(v) for v in out]


def _count_one_by_one(storage: Storage, keys: list[str], windows: list[int]) -> list[int]:
    out: list[int] = []
    for key, window in zip(keys, windows, strict=True):
        out += [storage.incr(key, window), int(storage.get_expiry(key) - time.time())]
    return out


def count_together(limits: Sequence[tuple[str, str]], *, endpoint: str) -> list[Counted]:
    """Count this request against each ``(limit, key)`` of ``endpoint`` (a limit as
    flask-limiter writes it, ``"30 per minute"``; the key as its ``key_func`` gives it),
    in one round trip to the limiter's storage. Returns the counts in the same order."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    items = [_parsed(text) for text, _key in limits]
    keys = [item.key_for(*filter(None, (prefix, key, endpoint)))
            for item, (_text, key) in zip(items, limits, strict=True)]
    windows = [item.get_expiry() for item in items]
    storage = limiter.storage
    if isinstance(storage, RedisStorage):
        from redis.exceptions import RedisError  # loaded with the storage; not without Redis

        raw = None
        if time.monotonic() >= _down_until.get(storage, 0.0):
            try:
                raw = _count_in_redis(storage, keys, windows)
            except RedisError as error:
                log.warning("rate limit storage unreachable, counting in memory: %s", error)
                _down_until[storage] = time.monotonic() + settings.RATELIMIT_STORAGE_RETRY_S
        raw = raw if raw is not None else _count_one_by_one(_fallback, keys, windows)
    else:
        raw = _count_one_by_one(storage, keys, windows)
    now = time.time()
    return [Counted(item, raw[2 * i], now + max(raw[2 * i + 1], 0))
            for i, item in enumerate(items)]


def limit_request(limits: Sequence[tuple[str, str]]) -> None:
    """Apply ``limits`` (see ``count_together``) to the current request: the rate-limit
    headers flask-limiter would send, of the limit nearest to its end, and
    ``TooManyRequests`` (429) when one is exceeded. Nothing happens when rate limits
    are off (``RATELIMIT_ENABLED``)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    counted = count_together(limits, endpoint=request.endpoint or "")
    shown = min(counted, key=lambda c: (not c.breached, c.remaining))
    if current_app.config.get("RATELIMIT_HEADERS_ENABLED", False):

        @after_this_request
        def _headers(response: Response) -> Response:
            response.headers["X-RateLimit-Limit"] = str(shown.item.amount)
            response.headers["X-RateLimit-Remaining"] = str(shown.remaining)
            reset_at = int(shown.reset_at + 1)
            response.headers["X-RateLimit-Reset"] = str(reset_at)
            response.headers["Retry-After"] = str(max(0, int(reset_at - time.time())))
            return response

    if shown.breached:
        raise TooManyRequests(f"{shown.item} exceeded")
