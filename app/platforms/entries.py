"""Feed entries from the stored changes: the one shape of a change in the feed, in
webhooks and in the bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Change
from geo.hours.opening_hours import timezone
from geo.platforms.changes import entry


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite gives back naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def beijing(moment: datetime) -> str:
    """A stored time in Beijing time, ISO 8601 with its offset."""
    return as_utc(moment).astimezone(timezone()).isoformat()


def as_entry(change: Change, audit: AuditEntry) -> dict[str, Any]:
    """The feed entry of a numbered audit entry (time in Beijing time)."""
    return entry(change.seq, change.kind, table=audit.table_name, action=audit.action,
                 feature_id=audit.feature_id, at=beijing(audit.at),
                 division=change.division_code, before=audit.before, after=audit.after,
                 note=audit.note)


def entry_of(session: Session, seq: int) -> dict[str, Any]:
    """The feed entry of change ``seq``."""
    change, audit = session.execute(select(Change, AuditEntry).join(
        AuditEntry, AuditEntry.id == Change.audit_id).where(Change.seq == seq)).one()
    return as_entry(change, audit)
