"""Writing the audit log."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.models import AuditEntry

# ``session.info`` key: the entries ``record_many`` inserted, for the change feed to number.
WRITTEN = "youlu_audit_written"


class Written(NamedTuple):
    """An audit entry ``record_many`` inserted: what the change feed reads of it."""

    id: int
    table_name: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def record(session: Session, *, actor: str, action: str, table: str, feature_id: int | None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           user_id: int | None = None, note: str | None = None) -> AuditEntry:
    """Add one audit entry to ``session`` (committed with the write it describes)."""
    entry = AuditEntry(actor=actor, user_id=user_id, action=action, table_name=table,
                       feature_id=feature_id, before=before, after=after, note=note)
    session.add(entry)
    return entry


def record_many(session: Session, *, actor: str, action: str, table: str,
                changes: list[tuple[int, dict[str, Any] | None, dict[str, Any] | None]]) -> None:
    """Insert one audit entry per ``(feature_id, before, after)`` of ``changes``, in their
    order, in one bulk INSERT (no ORM objects: a city's import writes tens of thousands);
    committed with the writes they describe. They are listed in ``session.info[WRITTEN]``,
    which the change feed numbers at commit with the entries ``record`` adds."""
    if not changes:
        return
    ids = session.scalars(
        insert(AuditEntry).returning(AuditEntry.id, sort_by_parameter_order=True),
        [{"actor": actor, "user_id": None, "action": action, "table_name": table,
          "feature_id": feature_id, "before": before, "after": after, "note": None}
         for feature_id, before, after in changes]).all()
    session.info.setdefault(WRITTEN, []).extend(
        Written(entry_id, table, action, before, after)
        for entry_id, (_feature_id, before, after) in zip(ids, changes, strict=True))
