"""随手拍 reports from riders and residents: a problem at a compound, a door or a plate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.riders import UtcDateTime


class Report(Base):
    """One report (随手拍): ``kind`` (the category, see ``geo.reports.CATEGORIES``),
    optional text, WGS-84 ``lon``/``lat`` and photo (a re-encoded JPEG without metadata),
    and its ``status`` (one of ``geo.reports.STATUS_ZH``) with the office's public note.

    ``code`` is the address code the report came from (as given, may be a forged plate's
    code); ``community_id`` the compound it resolved to; ``office_id`` the office it is
    routed to. The reporter follows it with a secret link (only ``follow_digest``, its
    SHA-256, is kept) or, as a rider (``rider_id``), from the rider page; ``seen_status``
    is the state they last saw. ``supporters`` counts "同一个问题? +1".
    """

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    code: Mapped[str | None] = mapped_column(String(40))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(String(500))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    office_note: Mapped[str | None] = mapped_column(Text)
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id", ondelete="SET NULL"), index=True)
    rider_id: Mapped[int | None] = mapped_column(
        ForeignKey("riders.id", ondelete="SET NULL"), index=True)
    follow_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    seen_status: Mapped[str | None] = mapped_column(String(16))
    sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    photo_public: Mapped[bool] = mapped_column(Boolean, default=False)
    supporters: Mapped[int] = mapped_column(Integer, default=0)


class ReportChange(Base):
    """One state a report entered (状态变更): when, by whom, with its public note."""

    __tablename__ = "report_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
