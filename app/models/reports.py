"""随手拍 reports from riders and residents: a problem at a compound, a door or a plate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.riders import UtcDateTime


class Report(Base):
    """One report: ``kind`` (see ``geo.reports.KIND_ZH``), optional text, WGS-84
    ``lon``/``lat`` and photo (a re-encoded JPEG without metadata), and the office's
    ``status`` (new | in_progress | resolved) and note.

    ``code`` is the address code the report came from (as given, may be a forged plate's
    code); ``community_id`` is the compound it resolved to, which decides the office.
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
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    office_note: Mapped[str | None] = mapped_column(Text)
