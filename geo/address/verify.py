"""Verify a Youlu door plate offline: the plate URL format and one function to check it.

Standalone on purpose: it needs only Python's standard library and ``cryptography``, so a
delivery platform can copy this file (or port its ~100 lines; docs/plates.md describes
every byte) and check plates with the key set published at
``/.well-known/youlu-keys.json``, with no call to Youlu.

A plate's QR holds ``<BASE>/A/<CODE>/<KID>[.<ISSUE>]/<SIGNATURE>``:

- ``CODE``: the standard address code, e.g. ``110108010000-001-003-02``;
- ``KID``: the signing key's id (base32 letters/digits), ``.ISSUE`` only when the plate's
  issue number is above 1 (a plate re-issued after the earlier one was revoked);
- ``SIGNATURE``: the 64-byte Ed25519 signature as one big-endian unsigned integer written
  in decimal, zero-padded to 155 digits (QR numeric mode packs it densely).

The signed bytes are the ASCII string ``youlu-plate-v1|<KID>|<ISSUE>|<CODE>``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

MESSAGE_PREFIX = "youlu-plate-v1"
PATH_MARK = "A"
SIGNATURE_BYTES = 64
SIGNATURE_DIGITS = 155  # len(str(2**512 - 1))
CHECKED_SIGNATURES = 4096  # signature checks remembered (about 1 MB)
REASONS = ("ok", "malformed", "wrong_host", "unknown_key", "bad_signature", "revoked_key",
           "revoked_plate")

_PATH = re.compile(r"/A/(?P<code>[0-9G-]+)/(?P<kid>[A-Z2-7]+)(?:\.(?P<issue>[1-9][0-9]*))?"
                   r"/(?P<sig>[0-9]+)/?")


@dataclass(frozen=True)
class PlateToken:
    """What a plate URL carries. ``host`` is lower case (``host[:port]``)."""

    code: str
    kid: str
    issue: int
    signature: bytes
    host: str = ""


@dataclass(frozen=True)
class Verdict:
    """The outcome: ``genuine`` only when ``reason`` is ``ok``."""

    genuine: bool
    reason: str
    code: str | None = None
    kid: str | None = None
    issue: int | None = None


def plate_message(code: str, kid: str, issue: int = 1) -> bytes:
    """The exact bytes signed for a plate."""
    return f"{MESSAGE_PREFIX}|{kid}|{issue}|{code}".encode("ascii")


def signature_to_text(signature: bytes) -> str:
    """64 signature bytes → 155 decimal digits."""
    if len(signature) != SIGNATURE_BYTES:
        raise ValueError(f"an Ed25519 signature has {SIGNATURE_BYTES} bytes")
    return str(int.from_bytes(signature, "big")).zfill(SIGNATURE_DIGITS)


def signature_from_text(text: str) -> bytes:
    """155 decimal digits → 64 signature bytes; raises ``ValueError`` if not exactly that."""
    if len(text) != SIGNATURE_DIGITS or not text.isascii() or not text.isdigit():
        raise ValueError(f"the signature must be {SIGNATURE_DIGITS} digits")
    value = int(text)
    if value >= 1 << (8 * SIGNATURE_BYTES):
        raise ValueError("the signature number is too large")
    return value.to_bytes(SIGNATURE_BYTES, "big")


def plate_path(code: str, kid: str, issue: int, signature: bytes) -> str:
    """The path part of a plate URL: ``/A/<CODE>/<KID>[.<ISSUE>]/<SIGNATURE>``."""
    issue_part = f".{issue}" if issue > 1 else ""
    return f"/{PATH_MARK}/{code}/{kid}{issue_part}/{signature_to_text(signature)}"


def parse_plate_path(path: str) -> PlateToken:
    """Parse ``/A/<CODE>/<KID>[.<ISSUE>]/<SIGNATURE>`` (letters in any case)."""
    match = _PATH.fullmatch(path.upper())
    if match is None:
        raise ValueError("not a Youlu plate path")
    return PlateToken(code=match["code"], kid=match["kid"], issue=int(match["issue"] or 1),
                      signature=signature_from_text(match["sig"]))


def parse_plate_url(text: str) -> PlateToken:
    """Parse a full plate URL as a scanner reads it; raises ``ValueError`` if it is not one."""
    parts = urlsplit(text.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or parts.query:
        raise ValueError("not an http(s) plate URL")
    token = parse_plate_path(parts.path)
    return PlateToken(token.code, token.kid, token.issue, token.signature,
                      host=parts.netloc.lower())


@lru_cache(maxsize=CHECKED_SIGNATURES)
def _signature_valid(x: str, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` signs ``message`` under the Ed25519 public key ``x`` (base64url,
    as in a JWK). Remembered: the answer depends on nothing else, so each plate is checked
    once; the key's status and the revoked plates are judged on every call, apart."""
    from cryptography.exceptions import InvalidSignature  # not loaded until a plate is checked
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_plate(text: str, keyset: Mapping[str, Any], *, check_host: bool = True) -> Verdict:
    """Check what a scanner read against a published key set.

    Parameters
    ----------
    text
        The scanned text (the full URL).
    keyset
        The JSON of ``/.well-known/youlu-keys.json``: ``issuer`` (base URL), ``keys`` (JWKs
        with ``kid``, ``x`` and ``status`` active | retired | revoked) and
        ``revoked_plates`` (objects with ``code`` and ``issue``).
    check_host
        Require the URL's host to be the issuer's (off when only a path was received).

    Returns
    -------
    Verdict
        ``reason`` is one of ``REASONS``; ``genuine`` is true only for ``ok``.
    """
    try:
        token = parse_plate_url(text) if check_host else parse_plate_path(text)
    except ValueError:
        return Verdict(False, "malformed")
    found = Verdict(False, "", token.code, token.kid, token.issue)
    if check_host and token.host != urlsplit(keyset["issuer"]).netloc.lower():
        return _with(found, "wrong_host")
    jwk = next((k for k in keyset.get("keys", ()) if k.get("kid") == token.kid), None)
    if jwk is None:
        return _with(found, "unknown_key")
    if not _signature_valid(str(jwk.get("x", "")), token.signature,
                            plate_message(token.code, token.kid, token.issue)):
        return _with(found, "bad_signature")
    if jwk.get("status") == "revoked":
        return _with(found, "revoked_key")
    if any(p.get("code") == token.code and int(p.get("issue", 1)) == token.issue
           for p in keyset.get("revoked_plates", ())):
        return _with(found, "revoked_plate")
    return Verdict(True, "ok", token.code, token.kid, token.issue)


def _with(verdict: Verdict, reason: str) -> Verdict:
    return Verdict(False, reason, verdict.code, verdict.kid, verdict.issue)
