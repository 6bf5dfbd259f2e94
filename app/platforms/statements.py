"""Signed "not reachable" statements for route answers: when the door is closed to
riders at that time, or there is no way in, the answer carries the door, the time and
the reason, signed with the active plate key (``geo.platforms.statements``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SigningKey
from app.plates.keys import active_signer, keys_dir
from geo.hours.opening_hours import local_time
from geo.platforms.statements import sign, unreachable

# The reasons of a ``no_route`` answer that a statement is given for.
STATED_REASONS = ("no_usable_gate", "no_gates", "no_way_from_start")


class Signer:
    """The active plate key, loaded once per batch (None when there is none yet)."""

    def __init__(self, session: Session) -> None:
        self.signer = None
        if session.scalar(select(SigningKey.kid).where(SigningKey.status == "active")):
            self.signer = active_signer(session, keys_dir())

    def statement(self, answer: dict[str, Any], door: tuple[str, int],
                  at: datetime | str | None) -> dict[str, Any] | None:
        """The signed statement for a ``no_route`` answer with a stated reason."""
        reason = (answer.get("details") or {}).get("reason")
        if self.signer is None or reason not in STATED_REASONS:
            return None
        kid, private = self.signer
        to = answer["details"].get("to") or {}
        compound = to.get("compound") or {}
        return sign(private, unreachable(
            kid=kid, issuer=current_app.config["PUBLIC_BASE_URL"],
            door={"kind": door[0], "id": door[1], "location": [to.get("lon"), to.get("lat")],
                  "compound": compound.get("name"), "compound_code": compound.get("code")},
            at=local_time(at).isoformat(), reason=reason, reason_text=answer["message"],
            issued_at=local_time().isoformat(timespec="seconds")))
