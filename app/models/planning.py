"""Pilot progress: what offices tick on a compound's checklist, and the weekly snapshots
of the counts per division."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.riders import UtcDateTime


class PilotTick(Base):
    """An office's answer to a checklist item the data cannot know (``item`` is the
    plan's number, e.g. ``"4"`` plates installed) for one compound."""

    __tablename__ = "pilot_ticks"
    __table_args__ = (UniqueConstraint("community_id", "item", name="uq_pilot_ticks_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(8))
    done: Mapped[bool] = mapped_column(default=False)
    actor: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class PilotSnapshot(Base):
    """The compounds done and in all for one checklist item in one division, the week
    starting ``week`` (a Monday, Beijing time)."""

    __tablename__ = "pilot_snapshots"
    __table_args__ = (UniqueConstraint("week", "code", "item", name="uq_pilot_snapshots_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date, index=True)
    code: Mapped[str] = mapped_column(String(12), index=True)
    item: Mapped[str] = mapped_column(String(8))
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
