"""A feature's history from the audit log, and putting an earlier version back.

A revert is an ordinary write through ``app.places.editing``: it is validated, scoped,
version-checked and audited like any edit (action ``revert``). Restoring a deleted
feature creates it again (the database gives it an id; the audit note names the
old one).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.auth import Actor
from app.ids import get_row
from app.models import AuditEntry, PlaceFeature
from app.places.editing import create_feature, resource_model, update_feature
from app.places.schemas import PROPS
from geo.errors import InvalidInput, NotFound

DELETED_LISTED = 200  # newest delete entries searched for a compound's deleted features


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as JSON: who, when, what, and the feature before and after."""
    return {
        "id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor,
        "action": entry.action, "table": entry.table_name, "feature_id": entry.feature_id,
        "note": entry.note, "before": entry.before, "after": entry.after,
    }


def feature_history(session: Session, resource: str, feature_id: int) -> list[AuditEntry]:
    """Every audit entry of one feature, newest first (``NotFound`` if there is none)."""
    resource_model(resource)
    entries = list(session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == resource,
                                 AuditEntry.feature_id == feature_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())))
    if not entries:
        raise NotFound(f"{resource} {feature_id} 没有修改记录",
                       f"no history for {resource} {feature_id}")
    return entries


def deleted_features(session: Session, community_id: int) -> list[AuditEntry]:
    """Delete entries of features that belonged to compound ``community_id``, newest first."""
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")
                              .order_by(AuditEntry.id.desc()).limit(DELETED_LISTED))
    return [e for e in entries if e.before and (
        (e.before.get("properties") or {}).get("community") == community_id
        or (e.table_name == "communities" and e.feature_id == community_id))]


def _body(resource: str, snapshot: dict[str, Any], version: int | None) -> dict[str, Any]:
    fields = PROPS[resource].model_fields
    props = {k: v for k, v in (snapshot.get("properties") or {}).items() if k in fields}
    if version is not None:
        props["version"] = version
    return {"type": "Feature", "geometry": snapshot.get("geometry"), "properties": props}


def revert_to(session: Session, actor: Actor, resource: str, feature_id: int, entry_id: int, *,
              version: int | None) -> tuple[PlaceFeature, bool]:
    """Put feature ``feature_id`` back as it was after audit entry ``entry_id`` (or, for
    a delete entry, as it was before it: restored under a new id, with its uid).

    ``version`` is the feature's current version as the editor saw it: an older one is
    a ``StaleWrite``. Returns the feature and whether it was created anew.
    """
    entry = get_row(session, AuditEntry, entry_id)
    if entry is None or entry.table_name != resource or entry.feature_id != feature_id:
        raise NotFound(f"{resource} {feature_id} 没有编号为 {entry_id} 的修改记录",
                       f"audit entry {entry_id} is not about {resource} {feature_id}")
    if entry.action == "delete":
        assert entry.before is not None
        row = create_feature(session, actor, resource, _body(resource, entry.before, None),
                             action="revert", uid=_free_uid(session, resource, entry.before),
                             note=f"恢复已删除的 {resource} #{feature_id}（记录 #{entry.id}）")
        return row, True
    if entry.after is None:
        raise InvalidInput("这条记录没有可恢复的内容", "this entry holds no version to restore")
    if version is None:
        raise InvalidInput("恢复时需要提供当前版本号 version", "a revert needs the current version")
    row = update_feature(session, actor, resource, feature_id,
                         _body(resource, entry.after, version), action="revert",
                         note=f"恢复到记录 #{entry.id}（{entry.at:%Y-%m-%d %H:%M}）的版本")
    return row, False


def _free_uid(session: Session, resource: str, snapshot: dict[str, Any]) -> str | None:
    """The uid of a deleted feature's snapshot when no stored feature has taken it."""
    uid = (snapshot.get("properties") or {}).get("uid")
    if not isinstance(uid, str):
        return None
    model = resource_model(resource)
    return None if session.scalar(select(model.id).where(model.uid == uid)) else uid
