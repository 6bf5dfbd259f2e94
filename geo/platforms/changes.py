"""The change feed's vocabulary: opaque cursors, event ids, and what kind of change an
audit entry is (a feature created, updated or deleted, a gate rule changed, a plate or a
key revoked, a key rotated)."""

from __future__ import annotations

from typing import Any

from geo.errors import InvalidInput

FEATURE_KINDS = ("communities", "gates", "buildings", "units", "paths", "facilities")
# Kinds besides the features: a gate's rules or hours changed (also a ``gates`` change),
# a plate issue revoked, a signing key revoked or rotated.
OTHER_KINDS = ("gate_rules", "plates", "keys")
KINDS = (*FEATURE_KINDS, *OTHER_KINDS)
# The properties of a gate that are its rules for riders.
GATE_RULES = ("rider_access", "opening_hours", "foot", "ebike")
# Audit tables of the non-feature kinds, and the operation each audit action is.
_TABLE_KIND = {"revoked_plates": "plates", "signing_keys": "keys"}
_OPS = {"create": "created", "import": "created", "update": "updated", "revert": "updated",
        "delete": "deleted", "plate_revoke": "revoked", "key_revoke": "revoked",
        "key_rotate": "rotated"}
_CURSOR_DIGITS = 16


def encode_cursor(seq: int) -> str:
    """The opaque cursor after change number ``seq`` (16 hex digits: sorts as it grows)."""
    return f"{seq:0{_CURSOR_DIGITS}x}"


def decode_cursor(cursor: str | None) -> int:
    """The change number a cursor stands for; ``0`` or nothing is the start of the feed.
    A cursor Youlu did not hand out raises ``InvalidInput``."""
    text = (cursor or "0").strip().lower()
    if text == "0":
        return 0
    if len(text) != _CURSOR_DIGITS or any(c not in "0123456789abcdef" for c in text):
        raise InvalidInput(f"游标“{cursor}”无效：请使用变更流返回的 next 或 0",
                           f"invalid cursor {cursor!r}: use a next from the feed, or 0")
    return int(text, 16)


def event_id(seq: int) -> str:
    """The event id of change ``seq``: the same in the feed, in webhooks and on retries."""
    return f"evt_{encode_cursor(seq)}"


def parse_kinds(text: str | None) -> tuple[str, ...]:
    """Comma-separated kinds (empty: all); an unknown kind raises ``InvalidInput``."""
    kinds = tuple(k.strip() for k in (text or "").split(",") if k.strip())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InvalidInput(f"未知的变更类型：{'、'.join(unknown)}（可选 {', '.join(KINDS)}）",
                           f"unknown kinds {unknown}; choose from {', '.join(KINDS)}",
                           details={"kinds": list(KINDS)})
    return kinds


def stored_kinds(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The stored kinds a filter asks for: ``gates`` includes gate rule changes."""
    return (*kinds, "gate_rules") if "gates" in kinds and "gate_rules" not in kinds else kinds


def classify(table: str, action: str, before: dict[str, Any] | None,
             after: dict[str, Any] | None) -> str | None:
    """The feed kind of an audit entry, None when the feed does not carry it."""
    if action not in _OPS:
        return None
    if table in _TABLE_KIND:
        return _TABLE_KIND[table]
    if table not in FEATURE_KINDS:
        return None
    if table == "gates" and before and after and any(
            before["properties"].get(k) != after["properties"].get(k) for k in GATE_RULES):
        return "gate_rules"
    return table


def operation(action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """``created``, ``updated``, ``deleted`` (a tombstone), ``revoked`` or ``rotated``."""
    if action == "import":
        return "updated" if before else "created"
    return _OPS[action]


def entry(seq: int, kind: str, *, table: str, action: str, feature_id: int | None,
          at: str, division: str | None, before: dict[str, Any] | None,
          after: dict[str, Any] | None, note: str | None) -> dict[str, Any]:
    """One feed entry: the cursor after it, its event id, kind and operation, the feature
    (id, version, GeoJSON; ``null`` for a tombstone) or the plate/key concerned."""
    op = operation(action, before, after)
    body: dict[str, Any] = {"cursor": encode_cursor(seq), "event_id": event_id(seq),
                            "kind": kind, "op": op, "at": at, "division": division}
    if table in FEATURE_KINDS:
        last = after or before or {}
        body.update({"resource": table, "id": feature_id,
                     "version": (last.get("properties") or {}).get("version"),
                     "tombstone": op == "deleted", "feature": after})
    else:
        body.update({"resource": table, "subject": after, "note": note})
    return body
