"""Volunteer service (志愿服务) and small wishes (微心愿)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.riders import UtcDateTime


class VolunteerActivity(Base):
    """An activity an office posts (志愿活动): when (UTC), where, how many places, and the
    hours and points attendance books."""

    __tablename__ = "volunteer_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"),
                                           index=True)
    title: Mapped[str] = mapped_column(String(120))
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    hours: Mapped[float] = mapped_column(Float)
    points: Mapped[int] = mapped_column(Integer)
    places: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class VolunteerSignup(Base):
    """A rider signed up for an activity; ``attended_at`` once the office confirms."""

    __tablename__ = "volunteer_signups"
    __table_args__ = (UniqueConstraint("activity_id", "rider_id", name="uq_volunteer_signups"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_activities.id", ondelete="CASCADE"), index=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="CASCADE"),
                                          index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(120))


class Wish(Base):
    """A rider's small wish (微心愿): ``open``, ``taken`` by an office or resident, ``done``."""

    __tablename__ = "wishes"

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="CASCADE"),
                                          index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id", ondelete="SET NULL"),
                                                  index=True)
    text: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    taken_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
