"""Administrative divisions (统计用区划代码), levels 1 to 5."""

from __future__ import annotations

from sqlalchemy import SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Division(Base):
    """A division: province (2-digit code), city (4), county (6), street (9), committee (12).

    Levels 1–4 come from the national list; committees (社区居委会) are added by offices.
    """

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
