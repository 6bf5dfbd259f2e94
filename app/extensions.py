"""Extensions created once and bound in the factory: CSRF and rate limits."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    """Bind the rate limiter, then CSRF protection.

    Limits are checked first, before CSRF or any database work, so a flood of bad
    requests is limited too. They are counted in Redis when ``REDIS_URL`` is set (shared
    by every gunicorn worker; if Redis goes away each worker falls back to memory rather
    than failing requests), else in this process's memory. ``limiter`` is one object for
    every app in a process, so each app states whether limits are on instead of
    inheriting the previous app's choice (tests build many apps).
    """
    config = app.config
    config.setdefault("RATELIMIT_STORAGE_URI", config.get("REDIS_URL") or "memory://")
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", bool(config.get("REDIS_URL")))
    config.setdefault("RATELIMIT_KEY_PREFIX", "youlu")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("RATELIMIT_ENABLED", True)
    # flask-limiter keeps the first app's key prefix; app.rate_limits counts under this
    # app's, so both must name the same one
    limiter._key_prefix = config["RATELIMIT_KEY_PREFIX"]
    limiter.init_app(app)
    csrf.init_app(app)
