"""Which compounds have had their door plates and posters printed: each download by an
office is an audit entry (action ``print``), read back for the office home's checklist."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.auth import Actor
from app.audit import record
from app.models import AuditEntry

PRINT_ACTION = "print"
PRINT_KINDS = ("plates", "posters")


def record_print(session: Session, actor: Actor, community_id: int, kind: str, note: str) -> None:
    """Note that ``actor`` downloaded ``kind`` (plates or posters) of a compound."""
    record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
           action=PRINT_ACTION, table="communities", feature_id=community_id,
           after={"printed": kind}, note=f"{kind}: {note}")


def last_printed(session: Session, community_ids: Iterable[int],
                 kind: str) -> dict[int, datetime]:
    """When each of ``community_ids`` last had ``kind`` printed (UTC); absent if never."""
    ids = list(community_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(AuditEntry.feature_id, func.max(AuditEntry.at))
        .where(AuditEntry.action == PRINT_ACTION, AuditEntry.table_name == "communities",
               AuditEntry.feature_id.in_(ids), AuditEntry.note.like(f"{kind}:%"))
        .group_by(AuditEntry.feature_id))
    return {feature_id: at for feature_id, at in rows if feature_id is not None}
