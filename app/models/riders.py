"""Riders, their passes and phones, and the gate entry log.

Personal fields (name, phone, platform rider id, e-bike plate) are stored encrypted
(``*_enc``, see ``app.riders.privacy``); the phone is found again through a keyed hash
(``phone_digest``), so a database dump shows none of them in clear.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from app.models.base import Base, utcnow

DIRECTIONS = ("in", "out")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back as an aware UTC datetime, on both backends
    (SQLite keeps no zone; PostgreSQL answers in the session's zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given for a UTC column"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class PassPolicy(Base):
    """An office's rules for rider passes (通行证政策): ``approval`` (auto | approval),
    ``validity_days`` and ``scope`` (community | committee | street).

    Compounds of an office without a policy row use their own ``pass_policy`` and
    ``pass_validity_days`` with compound scope.
    """

    __tablename__ = "pass_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), unique=True)
    approval: Mapped[str] = mapped_column(String(16), default="auto")
    validity_days: Mapped[int] = mapped_column(Integer, default=90)
    scope: Mapped[str] = mapped_column(String(16), default="community")
    # Platform keys whose vouched riders (平台担保) get an active pass at their first tap.
    vouched_platforms: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class Rider(Base):
    """A delivery rider (骑手) registered once with a verified phone.

    ``tap_seq``, ``last_tap_at`` and ``inside_community_id`` are the check-in state:
    they change only through a compare-and-set on ``tap_seq`` (see ``app.riders.checkin``),
    and ``entry_events`` holds one row per accepted ``tap_seq``.
    """

    __tablename__ = "riders"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_digest: Mapped[str] = mapped_column(String(64), unique=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    name_enc: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(16), index=True)
    platform_rider_id_enc: Mapped[str] = mapped_column(Text)
    plate_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    tap_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_tap_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    inside_community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"))
    # A rider enrolled through their platform's attestation (no phone of their own here).
    attestation_id: Mapped[int | None] = mapped_column(
        ForeignKey("rider_attestations.id", ondelete="SET NULL"), unique=True)

    devices: Mapped[list[Device]] = relationship(
        back_populates="rider", cascade="all, delete-orphan", passive_deletes=True)
    passes: Mapped[list[RiderPass]] = relationship(
        back_populates="rider", cascade="all, delete-orphan", passive_deletes=True)


class Device(Base):
    """A phone holding a rider's pass: the credential is a random secret in an HttpOnly
    cookie; only its SHA-256 is stored, so neither the database nor a copied link can
    stand in for the phone."""

    __tablename__ = "rider_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="CASCADE"),
                                          index=True)
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    rider: Mapped[Rider] = relationship(back_populates="devices")


class RiderPass(Base):
    """A rider's pass (骑手通行证) for a scope: one compound, a committee or a street.

    ``community_id`` is the compound it was asked for at; ``office_id`` the office that
    decides on it. See ``geo.riders.passes`` for states and transitions.
    """

    __tablename__ = "rider_passes"
    __table_args__ = (
        UniqueConstraint("rider_id", "scope", "scope_value", name="uq_rider_passes_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="CASCADE"),
                                          index=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id", ondelete="SET NULL"), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    scope_value: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), index=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    renewal_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)

    rider: Mapped[Rider] = relationship(back_populates="passes")


class PhoneVerification(Base):
    """A code texted to a phone to prove the rider holds it; only keyed hashes of the
    phone and the code are stored."""

    __tablename__ = "phone_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_digest: Mapped[str] = mapped_column(String(64), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class EntryEvent(Base):
    """One entry (``in``, 进) or exit (``out``, 出) of a rider at a gate.

    ``(rider_id, seq)`` is unique: a tap is stored at most once whatever the retries.
    """

    __tablename__ = "entry_events"
    __table_args__ = (
        UniqueConstraint("rider_id", "seq", name="uq_entry_events_rider_seq"),
        Index("ix_entry_events_community_at", "community_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    pass_id: Mapped[int | None] = mapped_column(
        ForeignKey("rider_passes.id", ondelete="SET NULL"))
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id", ondelete="SET NULL"),
                                                index=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(3))
    platform: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
