"""Who may use the platform API: any valid API token (a platform's read token, or an
office's), or a logged-in office user."""

from __future__ import annotations

from app.accounts.auth import Actor, current_actor
from app.models import ApiToken
from geo.errors import Unauthorized


def require_reader() -> Actor:
    """The current actor; 401 when anonymous."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("请提供 API 令牌（Authorization: Bearer …）",
                           "send an API token (Authorization: Bearer …)")
    return actor


def require_platform_token() -> ApiToken:
    """The API token of the current request (a platform's); 401 without one."""
    actor = require_reader()
    if actor.token is None:
        raise Unauthorized("此操作需要平台的 API 令牌", "this needs a platform's API token")
    return actor.token
