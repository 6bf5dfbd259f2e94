"""Offices, their users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.riders import UtcDateTime

ROLES = ("admin", "editor")
TOKEN_SCOPES = ("read", "write")


class Office(Base):
    """A community office (社区居委会 / 物业) that keeps some compounds.

    Its scope is the division codes it serves (12-digit committees or 9-digit streets)
    plus the compounds assigned to it directly (``Community.office_id``).
    """

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    division_codes: Mapped[list[Any]] = mapped_column(default=list)
    # The number riders call about a pass or a gate (shown on rider pages), or None.
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="office")


class User(Base):
    """An office user; ``admin`` may write everywhere, ``editor`` within its office's scope."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="editor")
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # raised at every log-out: a session cookie holding an older number no longer logs in
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    office: Mapped[Office | None] = relationship(back_populates="users")


class ApiToken(Base):
    """A bearer token: read-only for platforms, or write on behalf of a user.

    Only a SHA-256 of the token is stored; ``prefix`` identifies it in lists and logs. A
    token with ``expires_at`` (UTC) is refused from then on; one without never expires.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10), default="read")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User | None] = relationship()
