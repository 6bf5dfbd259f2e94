"""The test vectors of docs/platforms.md are what the code produces: a feed entry, a
webhook signature and a signed "not reachable" statement."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from geo.address.signing import public_key_text
from geo.platforms.attestations import check
from geo.platforms.attestations import sign as sign_attestation
from geo.platforms.changes import entry
from geo.platforms.signatures import body_bytes, signature, verify
from geo.platforms.statements import sign
from geo.platforms.statements import verify as verify_statement

DOC = (Path(__file__).resolve().parent.parent / "docs" / "platforms.md").read_text(encoding="utf-8")


def vector(name: str) -> str:
    match = re.search(rf"```\w+ vector:{name}\n(.*?)\n```", DOC, re.S)
    assert match, f"docs/platforms.md has no vector {name}"
    return match.group(1).strip()


def _entry() -> dict:
    feature = {"type": "Feature", "id": 42,
               "geometry": {"type": "Point", "coordinates": [116.351, 40.0]},
               "properties": {"community": 7, "name": "南门", "rider_access": "pass",
                              "opening_hours": "Mo-Su 06:00-22:00", "version": 2}}
    return entry(6, "gate_rules", table="gates", action="update", feature_id=42,
                 at="2026-12-02T10:00:00+08:00", division="110108010001",
                 before={"properties": {"version": 1, "rider_access": "open"}},
                 after=feature, note=None)


def test_feed_entry_vector() -> None:
    assert json.loads(vector("feed-entry")) == _entry()


def test_webhook_signature_vector() -> None:
    body = body_bytes(json.loads(vector("feed-entry")))
    expected = vector("webhook-signature")
    assert signature("whsec_test_0123456789abcdef", 1764640800, body) == expected
    assert verify("whsec_test_0123456789abcdef", 1764640800, body, expected, now=1764640900)
    assert not verify("whsec_test_0123456789abcdef", 1764640800, body + b" ", expected,
                      now=1764640900)
    assert not verify("whsec_test_0123456789abcdef", 1764640800, body, expected,
                      now=1764640800 + 3600)


def test_statement_vector() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    public = public_key_text(key.public_key())
    assert public in DOC
    statement = json.loads(vector("statement"))
    assert verify_statement(statement, public)
    assert sign(key, {k: v for k, v in statement.items() if k != "signature"}) == statement
    assert not verify_statement({**statement, "reason": "no_gates"}, public)


def test_attestation_vector() -> None:
    import hashlib
    from datetime import UTC, datetime

    attestation = json.loads(vector("attestation"))
    digest = hashlib.sha256(b"yl_test_platform_token").hexdigest()
    assert attestation["phone_hash"] == hashlib.sha256(b"+8613800000000").hexdigest()
    unsigned = {k: v for k, v in attestation.items() if k != "signature"}
    assert sign_attestation(unsigned, digest) == attestation
    rider, _phone, _expires = check(attestation, token_digest=digest, platform="meituan",
                                    now=datetime(2026, 1, 1, tzinfo=UTC))
    assert rider == "MT-0001"
