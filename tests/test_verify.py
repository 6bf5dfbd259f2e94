"""geo.address.verify, the standalone verifier: tested with nothing but it and ``cryptography``,
as a platform would use it (its key set is built here by hand, like the published JSON)."""

from __future__ import annotations

import ast
import base64
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import geo.address.verify
from geo.address.verify import (
    REASONS,
    SIGNATURE_DIGITS,
    parse_plate_url,
    plate_message,
    plate_path,
    signature_from_text,
    signature_to_text,
    verify_plate,
)

ISSUER = "https://youlu.example.cn"
CODE = "110108010000-001-003-02"


def _jwk(key: Ed25519PrivateKey, kid: str, status: str = "active") -> dict:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "kid": kid, "status": status,
            "x": base64.urlsafe_b64encode(raw).decode().rstrip("=")}


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _url(key: Ed25519PrivateKey, code: str = CODE, kid: str = "K7", issue: int = 1,
         base: str = "HTTPS://YOULU.EXAMPLE.CN") -> str:
    signature = key.sign(f"youlu-plate-v1|{kid}|{issue}|{code}".encode("ascii"))
    return base + plate_path(code, kid, issue, signature)


def _keyset(*jwks: dict, revoked_plates: tuple = ()) -> dict:
    return {"issuer": ISSUER, "keys": list(jwks), "revoked_plates": list(revoked_plates)}


def test_module_depends_only_on_stdlib_and_cryptography() -> None:
    tree = ast.parse(Path(geo.address.verify.__file__).read_text(encoding="utf-8"))
    roots = {(node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
             for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
             for alias in node.names}
    assert roots <= {"__future__", "base64", "re", "collections", "dataclasses", "functools",
                     "typing", "urllib", "cryptography"}


def test_a_remembered_check_follows_the_key_and_revocations(key: Ed25519PrivateKey) -> None:
    """The signature check is remembered per (public key, plate, signature): a key id whose
    public key changed, a revoked key and a revoked plate are refused after a genuine check."""
    url = _url(key)
    assert verify_plate(url, _keyset(_jwk(key, "K7"))).genuine
    assert verify_plate(url, _keyset(_jwk(key, "K7"))).genuine  # remembered: same answer
    other = _jwk(Ed25519PrivateKey.generate(), "K7")
    assert verify_plate(url, _keyset(other)).reason == "bad_signature"
    assert verify_plate(url, _keyset(_jwk(key, "K7", "revoked"))).reason == "revoked_key"
    revoked = _keyset(_jwk(key, "K7"), revoked_plates=({"code": CODE, "issue": 1},))
    assert verify_plate(url, revoked).reason == "revoked_plate"


def test_signed_bytes_are_documented_ascii() -> None:
    assert plate_message(CODE, "K7", 1) == b"youlu-plate-v1|K7|1|110108010000-001-003-02"
    assert plate_message(CODE, "K7", 3) == b"youlu-plate-v1|K7|3|110108010000-001-003-02"


def test_genuine_plate(key: Ed25519PrivateKey) -> None:
    verdict = verify_plate(_url(key), _keyset(_jwk(key, "K7")))
    assert verdict.genuine and verdict.reason == "ok"
    assert (verdict.code, verdict.kid, verdict.issue) == (CODE, "K7", 1)


def test_lower_case_url_still_verifies(key: Ed25519PrivateKey) -> None:
    gate = "110108010000-001-G01"
    url = _url(key, gate).lower()
    assert verify_plate(url, _keyset(_jwk(key, "K7"))).genuine


def test_reissued_plate_carries_its_issue(key: Ed25519PrivateKey) -> None:
    url = _url(key, issue=2)
    assert "/K7.2/" in url
    verdict = verify_plate(url, _keyset(_jwk(key, "K7")))
    assert verdict.genuine and verdict.issue == 2


def test_every_single_character_flip_is_caught(key: Ed25519PrivateKey) -> None:
    url = _url(key)
    keyset = _keyset(_jwk(key, "K7"))
    start = url.index("/A/") + 3
    for i in range(start, len(url)):
        if not url[i].isdigit():
            continue
        flipped = url[:i] + str((int(url[i]) + 1) % 10) + url[i + 1:]
        verdict = verify_plate(flipped, keyset)
        assert not verdict.genuine, (i, flipped)
        assert verdict.reason in ("bad_signature", "malformed")


@pytest.mark.parametrize(("status", "revoked_plates", "reason"), [
    ("revoked", (), "revoked_key"),
    ("retired", (), "ok"),
    ("active", ({"code": CODE, "issue": 1},), "revoked_plate"),
    ("active", ({"code": CODE, "issue": 2},), "ok"),
])
def test_revocations(key: Ed25519PrivateKey, status: str, revoked_plates: tuple,
                     reason: str) -> None:
    verdict = verify_plate(_url(key), _keyset(_jwk(key, "K7", status),
                                              revoked_plates=revoked_plates))
    assert verdict.reason == reason
    assert verdict.genuine == (reason == "ok")


def test_unknown_key_and_wrong_key(key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    assert verify_plate(_url(key), _keyset(_jwk(key, "QQ"))).reason == "unknown_key"
    assert verify_plate(_url(key), _keyset(_jwk(other, "K7"))).reason == "bad_signature"


def test_key_id_is_signed(key: Ed25519PrivateKey) -> None:
    """A signature cannot be moved to another key id, even of the same key."""
    url = _url(key).replace("/K7/", "/K6/")
    keyset = _keyset(_jwk(key, "K7"), _jwk(key, "K6"))
    assert verify_plate(url, keyset).reason == "bad_signature"


def test_wrong_host(key: Ed25519PrivateKey) -> None:
    url = _url(key, base="HTTPS://YOULU.EXAMPLE.COM")
    assert verify_plate(url, _keyset(_jwk(key, "K7"))).reason == "wrong_host"
    path = url.removeprefix("HTTPS://YOULU.EXAMPLE.COM")
    assert verify_plate(path, _keyset(_jwk(key, "K7")), check_host=False).genuine


@pytest.mark.parametrize("text", [
    "", "hello", "110108010000-001-003-02", "HTTPS://YOULU.EXAMPLE.CN/A/110108010000-001",
    "ftp://youlu.example.cn/A/110108010000-001/K7/" + "1" * SIGNATURE_DIGITS,
    "HTTPS://YOULU.EXAMPLE.CN/A/110108010000-001/K7/" + "1" * (SIGNATURE_DIGITS - 1),
    "HTTPS://YOULU.EXAMPLE.CN/A/110108010000-001/K7/" + "9" * SIGNATURE_DIGITS,
    "HTTPS://YOULU.EXAMPLE.CN/A/110108010000-001/K7/" + "1" * SIGNATURE_DIGITS + "?x=1",
    "HTTPS://YOULU.EXAMPLE.CN/A/110108010000-001/K7.0/" + "1" * SIGNATURE_DIGITS,
    "HTTPS://YOULU.EXAMPLE.CN/A/110108010000-001/K1/" + "1" * SIGNATURE_DIGITS,
])
def test_malformed(key: Ed25519PrivateKey, text: str) -> None:
    verdict = verify_plate(text, _keyset(_jwk(key, "K7")))
    assert verdict == verify_plate(text, _keyset()) or verdict.reason == "malformed"
    assert not verdict.genuine and verdict.reason == "malformed"


def test_signature_text_is_canonical(key: Ed25519PrivateKey) -> None:
    signature = key.sign(b"x")
    text = signature_to_text(signature)
    assert len(text) == SIGNATURE_DIGITS and text.isdigit()
    assert signature_from_text(text) == signature
    assert signature_from_text("0" * SIGNATURE_DIGITS) == bytes(64)
    for bad in (text[:-1], text + "0", "٣" * SIGNATURE_DIGITS, str(1 << 512).zfill(155)):
        with pytest.raises(ValueError):
            signature_from_text(bad)


def test_parse_plate_url(key: Ed25519PrivateKey) -> None:
    token = parse_plate_url(_url(key, issue=12))
    assert token.host == "youlu.example.cn" and token.issue == 12 and token.kid == "K7"
    assert set(REASONS) >= {"ok", "malformed", "revoked_key", "revoked_plate"}


def test_documented_test_vector() -> None:
    """The vector in docs/plates.md, so that the document and the code cannot drift."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "plates.md").read_text("utf-8")
    vector = dict(re.findall(r"^(private key seed \(hex\)|kid|public key x \(b64url\)|"
                             r"signed bytes|signature \(hex\)|signature \(decimal\)|URL)"
                             r"\s+(\S+)$", doc, re.M))
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["private key seed (hex)"]))
    assert _jwk(key, "KZ")["x"] == vector["public key x (b64url)"]
    kid, _issue, code = vector["signed bytes"].split("|")[1:]
    assert kid == vector["kid"]
    assert plate_message(code, kid, 1).decode() == vector["signed bytes"]
    signature = key.sign(plate_message(code, kid, 1))
    assert signature.hex() == vector["signature (hex)"]
    assert signature_to_text(signature) == vector["signature (decimal)"]
    assert "HTTPS://YOULU.EXAMPLE.CN" + plate_path(code, kid, 1, signature) == vector["URL"]
    assert verify_plate(vector["URL"], _keyset(_jwk(key, kid))).genuine
