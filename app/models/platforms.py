"""Delivery platforms: the change feed over the audit log, webhook subscriptions, their
outbox and delivery log, and riders vouched for by a platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class FeedCounter(Base):
    """The one row holding the last change number handed out. A committing transaction
    takes its row lock to number its changes, so numbers commit in order."""

    __tablename__ = "feed_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Change(Base):
    """One entry of the change feed (变更流): an audit entry numbered in commit order."""

    __tablename__ = "feed_changes"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id", ondelete="CASCADE"),
                                          unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    division_code: Mapped[str | None] = mapped_column(String(12), index=True)


class Webhook(Base):
    """A platform's subscription: where to POST which changes, signed with ``secret``."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    divisions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Delivery(Base):
    """One change to deliver to one webhook (the outbox), and how its tries went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("webhook_id", "seq", name="uq_webhook_deliveries_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"),
                                            index=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    event_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attestation(Base):
    """A rider vouched for by a platform (平台担保骑手): its rider id and phone hash."""

    __tablename__ = "rider_attestations"
    __table_args__ = (UniqueConstraint("platform", "rider_ref",
                                       name="uq_rider_attestations_rider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    platform: Mapped[str] = mapped_column(String(40))
    rider_ref: Mapped[str] = mapped_column(String(80))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When a sign-in link last enrolled a phone: links issued before it no longer work.
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
