"""Signed statements a platform can check offline.

A "not reachable" statement (不可达声明) says that a door could not be reached by riders at a
time, and why; it is signed with the plate key (Ed25519, the key set at
``/.well-known/youlu-keys.json``), so a rider's appeal can carry it. What is signed is
``youlu-statement/1\\n`` followed by the statement without ``signature``, as JSON with
sorted keys and no spaces (UTF-8); ``signature`` is base64url without padding.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from geo.address.signing import public_key_from_text

if TYPE_CHECKING:  # cryptography is imported where it is used: routing never loads it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PREFIX = b"youlu-statement/1\n"
UNREACHABLE = "youlu.unreachable/1"


def message(statement: dict[str, Any]) -> bytes:
    """The exact bytes signed for ``statement`` (its ``signature`` left out)."""
    body = {k: v for k, v in statement.items() if k != "signature"}
    return PREFIX + json.dumps(body, ensure_ascii=False, sort_keys=True,
                               separators=(",", ":")).encode()


def sign(private_key: Ed25519PrivateKey, statement: dict[str, Any]) -> dict[str, Any]:
    """``statement`` with its ``signature``."""
    raw = private_key.sign(message(statement))
    return {**statement, "signature": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}


def verify(statement: dict[str, Any], public_key: str) -> bool:
    """Whether ``statement`` is signed by ``public_key`` (JWK ``x`` text), offline."""
    from cryptography.exceptions import InvalidSignature

    text = str(statement.get("signature") or "")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        public_key_from_text(public_key).verify(raw, message(statement))
    except (InvalidSignature, ValueError):
        return False
    return True


def unreachable(*, kid: str, door: dict[str, Any], at: str, reason: str,
                reason_text: str, issued_at: str, issuer: str) -> dict[str, Any]:
    """An unsigned "not reachable" statement: the door, the time asked for, the reason."""
    return {"type": UNREACHABLE, "kid": kid, "issuer": issuer, "door": door, "at": at,
            "reason": reason, "reason_text": reason_text, "issued_at": issued_at}
