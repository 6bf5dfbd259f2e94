"""Writing the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEntry


def record(session: Session, *, actor: str, action: str, table: str, feature_id: int | None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           user_id: int | None = None, note: str | None = None) -> AuditEntry:
    """Add one audit entry to ``session`` (committed with the write it describes)."""
    entry = AuditEntry(actor=actor, user_id=user_id, action=action, table_name=table,
                       feature_id=feature_id, before=before, after=after, note=note)
    session.add(entry)
    return entry
