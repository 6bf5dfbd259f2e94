"""Points (积分): the append-only ledger, each rider's balance row, rewards offered by
offices and allied merchants, and redemptions with their short codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.riders import UtcDateTime


class PointAccount(Base):
    """A rider's balance (积分余额): the sum of their ledger entries, never negative.

    A spend locks this row (``SELECT … FOR UPDATE`` on PostgreSQL) before it checks the
    balance, so two redemptions at once cannot spend the same points.
    """

    __tablename__ = "point_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="ck_point_accounts_balance"),)

    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="CASCADE"),
                                          primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class PointEntry(Base):
    """One ledger entry (积分流水): ``amount`` points (negative for a spend) to a rider,
    why (``reason``), by whom, and from which report, activity or redemption.

    Entries are never changed or deleted; ``reverses_id`` points at the entry a reversing
    entry cancels (each entry is reversed at most once).
    """

    __tablename__ = "point_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="CASCADE"),
                                          index=True)
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(120))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id", ondelete="SET NULL"),
                                                  index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_activities.id", ondelete="SET NULL"))
    redemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("redemptions.id", ondelete="SET NULL"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("point_entries.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class Reward(Base):
    """A reward (奖品/服务) an office or an allied merchant (友好商家, ``merchant``) offers
    for ``cost`` points: a meal, goods or a service, with ``stock`` left and a validity
    (``valid_from``..``valid_until``, UTC)."""

    __tablename__ = "rewards"
    __table_args__ = (CheckConstraint("stock >= 0", name="ck_rewards_stock"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"),
                                           index=True)
    merchant: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Redemption(Base):
    """A rider's redemption (兑换) of a reward: the short ``code`` shown to the merchant
    or office, ``issued`` until they confirm it (``confirmed``)."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"),
                                           index=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="CASCADE"),
                                          index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    cost: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="issued")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(120))
