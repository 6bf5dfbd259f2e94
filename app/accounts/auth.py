"""Who is asking: office users (session cookie) and API tokens (bearer), and what they
may write. An editor writes only inside its office's scope; admins write everywhere;
platform tokens only read."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import g
from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from app.extensions import csrf
from app.models import ApiToken, Community, Office, User
from app.models.base import utcnow
from geo.errors import Forbidden, Unauthorized

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(name: str, *, scope: str = "read", user: User | None = None,
                expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token row (not yet added to a session) and the secret shown once to its owner;
    refused from ``expires_at`` (aware, UTC) on, or never with None."""
    secret = "yl_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name, prefix=secret[:10], token_hash=token_digest(secret),
                   scope=scope, user=user, expires_at=expires_at)
    return row, secret


@dataclass
class Actor:
    """The authenticated caller of this request."""

    user: User | None
    token: ApiToken | None
    via_session: bool

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.username
        return f"token:{self.token.prefix}" if self.token else "anonymous"

    @property
    def can_write(self) -> bool:
        if self.user is None or not self.user.active:
            return False
        return self.token is None or self.token.scope == "write"

    @property
    def is_admin(self) -> bool:
        return self.can_write and self.user is not None and self.user.role == "admin"


def actor_for(session: Session, authorization: str, user_id: int | None,
              session_version: int | None = None) -> Actor | None:
    """Who sends the ``Authorization`` header ``authorization`` (a bearer token) or,
    without a token, holds the office log-in of ``user_id`` at ``session_version`` (a
    log-in from before the user's last log-out is none); None when anonymous."""
    if authorization.startswith("Bearer "):
        token = session.scalar(select(ApiToken).where(
            ApiToken.token_hash == token_digest(authorization.removeprefix("Bearer ").strip())))
        if token is None:
            raise Unauthorized("API 令牌无效", "invalid API token")
        if token.revoked_at is not None:
            raise Unauthorized("API 令牌已吊销", "revoked API token")
        if token.expires_at is not None and token.expires_at <= utcnow():
            raise Unauthorized("API 令牌已过期", "expired API token")
        return Actor(user=token.user, token=token, via_session=False)
    if user_id is not None:
        user = session.get(User, user_id)
        if user is not None and user.active and user.session_version == session_version:
            return Actor(user=user, token=None, via_session=True)
    return None


def current_actor() -> Actor | None:
    """The caller of the current request (loaded before it by
    ``app.accounts.views.load_actor``), or None when anonymous."""
    return g.get("actor")


def signed_in_actor() -> Actor:
    """The current actor on a page behind ``login_required``; raises 401 if there is none
    (a view reached without the decorator), never returns None."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("请先登录", "log in first")
    return actor


def require_writer() -> Actor:
    """The current actor if it may write at all; raises 401/403 otherwise."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("请先登录或提供 API 令牌", "log in or send an API token")
    if not actor.can_write:
        raise Forbidden("此令牌只能读取，不能修改", "this token is read-only")
    if actor.via_session:
        csrf.protect()
    return actor


def in_scope(actor: Actor, community: Community | None, *, division_code: str | None = None) -> bool:
    """Whether ``actor`` may write ``community`` (or a new one in ``division_code``)."""
    if actor.is_admin:
        return True
    user = actor.user
    office: Office | None = user.office if user else None
    if office is None:
        return False
    if community is not None:
        if community.office_id == office.id:
            return True
        division_code = community.division_code
    return bool(division_code) and any(
        division_code.startswith(code) for code in office.division_codes  # type: ignore[union-attr]
    )


def scope_clause(actor: Actor) -> ColumnElement[bool]:
    """``in_scope`` as SQL: the compounds ``actor`` may see and edit, all for an admin,
    else its office's own compounds and those in the divisions it serves."""
    if actor.is_admin:
        return true()
    office = actor.user.office if actor.user else None
    if office is None:
        return false()
    return or_(Community.office_id == office.id,
               *[Community.division_code.like(f"{code}%") for code in office.division_codes])


def check_scope(actor: Actor, community: Community | None, *,
                division_code: str | None = None) -> None:
    """Raise ``Forbidden`` unless ``actor`` may write ``community``."""
    if not in_scope(actor, community, division_code=division_code):
        what = community.name if community is not None else (division_code or "未分配区划的要素")
        raise Forbidden(f"您的账号无权修改“{what}”", f"your account may not edit {what!r}")
