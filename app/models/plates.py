"""Door plates: signing keys, revoked plates, and codes retired when a place was recoded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class SigningKey(Base):
    """An Ed25519 plate-signing key (门牌签名密钥); only the public half is stored here.

    ``status``: ``active`` signs new plates (one at a time), ``retired`` still verifies
    the plates it signed, ``revoked`` verifies nothing. The private half is a mode-600
    file in ``KEYS_DIR``, outside the repository and the database.
    """

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(200))


class RevokedPlate(Base):
    """One issue of a plate that no longer counts as genuine (lost, stolen, misplaced).

    The next plate printed for the code gets the next issue number.
    """

    __tablename__ = "revoked_plates"
    __table_args__ = (UniqueConstraint("code", "issue", name="uq_revoked_plates_code_issue"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    issue: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str | None] = mapped_column(String(200))
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RetiredCode(Base):
    """A code a place had before it was recoded (its compound got its committee, or it
    moved to another compound). Old plates keep resolving; the code is never reused."""

    __tablename__ = "retired_codes"

    old_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40))
    feature_id: Mapped[int] = mapped_column(Integer, index=True)
    new_code: Mapped[str | None] = mapped_column(String(40))
    retired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
