"""The change feed over the audit log.

Every transaction that wrote audit entries (ORM objects, or rows ``app.audit.record_many``
inserted in bulk) numbers them when it commits: it takes the row lock of ``feed_counter``
(held until the commit ends), so a later number never becomes visible before an earlier
one, on SQLite (one writer at a time) and PostgreSQL alike. The feed lists numbered
entries after a cursor: nothing is missed, nothing comes twice.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from app import audit as audit_log
from app.models import AuditEntry, Change, Community, FeedCounter
from app.platforms import jobs, outbox
from app.platforms.entries import as_entry
from geo import settings
from geo.platforms.changes import (
    FEATURE_KINDS,
    classify,
    decode_cursor,
    encode_cursor,
    stored_kinds,
)

_PENDING = "youlu_feed_pending"
_BATCH = 500  # compound ids per IN (…) read, well under SQLite's bound variables


def init_app(app: Flask) -> None:
    """Number the audit entries of every committing transaction of this app's sessions,
    fill the webhook outbox with them, and start the delivery job once it commits."""
    jobs.init_app(app)
    sessions = app.extensions["db_sessions"]
    event.listen(sessions, "after_flush", _collect)
    event.listen(sessions, "before_commit", _number)
    event.listen(sessions, "after_rollback", _forget)

    def deliver(session: Session) -> None:
        if session.info.pop(outbox.ADDED, False):
            jobs.start_deliveries(app)

    event.listen(sessions, "after_commit", deliver)


def _collect(session: Session, _context: Any) -> None:
    pending = session.info.setdefault(_PENDING, [])
    pending.extend(obj for obj in session.new if isinstance(obj, AuditEntry))


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(audit_log.WRITTEN, None)
    session.info.pop(outbox.ADDED, None)


def _community_of(table: str, feature: dict[str, Any] | None) -> int | None:
    """The compound id a non-compound feature's audit snapshot names, or None."""
    if not feature or table == "communities":
        return None
    return (feature.get("properties") or {}).get("community")


def _divisions_of(session: Session, ids: set[int]) -> dict[int, str | None]:
    """The division code of each compound in ``ids``, read in batches of ``_BATCH``."""
    ordered = sorted(ids)
    found: dict[int, str | None] = {}
    for start in range(0, len(ordered), _BATCH):
        rows = session.execute(select(Community.id, Community.division_code)
                               .where(Community.id.in_(ordered[start:start + _BATCH])))
        found.update((community, division) for community, division in rows)
    return found


def _division(table: str, feature: dict[str, Any] | None,
              compounds: dict[int, str | None]) -> str | None:
    """The division code of a feature: a compound's own, else its compound's."""
    if not feature:
        return None
    if table == "communities":
        return (feature.get("properties") or {}).get("division_code")
    community = _community_of(table, feature)
    return None if community is None else compounds.get(community)


def _number(session: Session) -> None:
    session.flush()
    pending: list[AuditEntry | audit_log.Written] = [
        *session.info.pop(_PENDING, []), *session.info.pop(audit_log.WRITTEN, [])]
    rows = []
    for audit in sorted(pending, key=lambda a: a.id):
        kind = classify(audit.table_name, audit.action, audit.before, audit.after)
        if kind is not None:
            rows.append((audit, kind))
    if not rows:
        return
    last = session.scalar(update(FeedCounter).where(FeedCounter.id == 1)
                          .values(last_seq=FeedCounter.last_seq + len(rows))
                          .returning(FeedCounter.last_seq))
    if last is None:  # an empty database: the counter row is made by the first write
        last = len(rows)
        session.execute(insert(FeedCounter).values(id=1, last_seq=last))
    first = last - len(rows) + 1
    compounds = _divisions_of(session, {
        community for audit, _kind in rows
        if (community := _community_of(audit.table_name, audit.after or audit.before)) is not None})
    numbered = [(first + i, kind,
                 _division(audit.table_name, audit.after or audit.before, compounds))
                for i, (audit, kind) in enumerate(rows)]
    session.execute(insert(Change), [
        {"seq": seq, "audit_id": audit.id, "kind": kind, "division_code": division}
        for (seq, kind, division), (audit, _kind) in zip(numbered, rows, strict=True)])
    outbox.enqueue(session, numbered)


def read_changes(session: Session, *, since: str | None, kinds: tuple[str, ...] = (),
                 division: str | None = None, limit: int = settings.FEED_PAGE_SIZE
                 ) -> dict[str, Any]:
    """The changes after cursor ``since`` (oldest first, at most ``limit``), filtered by
    kinds and by division code prefix; ``next`` is the cursor to ask with next time
    (past the last entry read, even when the filters left entries out)."""
    after = decode_cursor(since)
    # The counter first: every change up to it is committed, so a page that ends before
    # ``limit`` has seen all of them and the next read may start past it.
    newest = session.scalar(select(FeedCounter.last_seq)) or 0
    query = (select(Change, AuditEntry).join(AuditEntry, AuditEntry.id == Change.audit_id)
             .where(Change.seq > after, Change.seq <= newest).order_by(Change.seq).limit(limit))
    if kinds:
        query = query.where(Change.kind.in_(stored_kinds(kinds)))
    if division:
        query = query.where(Change.division_code.like(f"{division}%"))
    changes = [as_entry(change, audit) for change, audit in session.execute(query)]
    more = len(changes) == limit
    last = int(changes[-1]["cursor"], 16) if more else max(after, newest)
    return {"changes": changes, "next": encode_cursor(last), "more": more}


def current_cursor(session: Session) -> str:
    """The cursor of the newest change committed."""
    return encode_cursor(session.scalar(select(FeedCounter.last_seq)) or 0)


__all__ = ["FEATURE_KINDS", "current_cursor", "init_app", "read_changes"]
