"""Plate signing keys: Ed25519 key pairs, key ids, private key files, the published key set.

The wire format (what is signed, how the signature is written) lives in ``geo.address.verify`` so
that the standalone verifier and the signer cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.address.verify import MESSAGE_PREFIX, plate_message
from geo.errors import InvalidInput

if TYPE_CHECKING:  # cryptography is imported where it is used: routing never loads it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

KEY_ID_CHARS = 2
KEY_STATUSES = ("active", "retired", "revoked")
PRIVATE_KEY_MODE = 0o600
KEYS_DIR_MODE = 0o700


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key id: the first characters of base32(SHA-256(raw public key))."""
    digest = hashlib.sha256(raw_public_bytes(public_key)).digest()
    return base64.b32encode(digest).decode("ascii")[:KEY_ID_CHARS]


def raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The JWK ``x`` form: base64url of the raw 32 bytes, no padding."""
    return base64.urlsafe_b64encode(raw_public_bytes(public_key)).decode("ascii").rstrip("=")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Inverse of ``public_key_text``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def generate_key(*, taken: Iterable[str] = ()) -> tuple[str, Ed25519PrivateKey]:
    """A new key pair whose id is not in ``taken``; returns (kid, private key)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    taken = set(taken)
    while True:
        private = Ed25519PrivateKey.generate()
        kid = key_id(private.public_key())
        if kid not in taken:
            return kid, private


def sign_plate(private_key: Ed25519PrivateKey, kid: str, code: str, issue: int = 1) -> bytes:
    """The 64-byte signature of a plate (see ``geo.address.verify.plate_message``)."""
    return private_key.sign(plate_message(code, kid, issue))


def private_key_path(keys_dir: Path, kid: str) -> Path:
    """Where the private key ``kid`` is kept."""
    return Path(keys_dir) / f"youlu-plate-{kid}.pem"


def save_private_key(keys_dir: Path, kid: str, private_key: Ed25519PrivateKey) -> Path:
    """Write the private key as PKCS#8 PEM, mode 600, in a mode-700 folder; never overwrites."""
    from cryptography.hazmat.primitives import serialization

    keys_dir = Path(keys_dir)
    keys_dir.mkdir(parents=True, exist_ok=True, mode=KEYS_DIR_MODE)
    path = private_key_path(keys_dir, kid)
    pem = private_key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_KEY_MODE)
    except FileExistsError:
        msg = f"私钥文件已存在，不会覆盖：{path}"
        raise InvalidInput(msg, f"private key file exists, not overwriting: {path}") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(path, PRIVATE_KEY_MODE)
    return path


def load_private_key(keys_dir: Path, kid: str) -> Ed25519PrivateKey:
    """Read the private key ``kid``; refuses a file others can read."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = private_key_path(keys_dir, kid)
    if not path.exists():
        raise InvalidInput(f"找不到签名私钥 {kid}：{path}（先运行 flask --app app init-keys）",
                           f"signing key {kid} not found at {path} (run init-keys first)")
    if path.stat().st_mode & 0o077:
        raise InvalidInput(f"私钥文件权限过宽：{path}（应为600）",
                           f"private key file {path} is readable by others (need mode 600)")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path} 不是 Ed25519 私钥", f"{path} is not an Ed25519 key")
    return key


@dataclass(frozen=True)
class PublishedKey:
    """One key as published: id, public key, status and dates."""

    kid: str
    public_key: str
    status: str
    created: datetime
    revoked: datetime | None = None


def keyset_document(issuer: str, keys: Iterable[PublishedKey],
                    revoked_plates: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON published at ``/.well-known/youlu-keys.json`` (read by ``geo.address.verify``)."""
    return {
        "issuer": issuer.rstrip("/"),
        "format": MESSAGE_PREFIX,
        "signed_bytes": f"{MESSAGE_PREFIX}|<kid>|<issue>|<code> (ASCII)",
        "keys": [{
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
            "kid": key.kid, "x": key.public_key, "status": key.status,
            "created": key.created.isoformat(),
            "revoked": key.revoked.isoformat() if key.revoked else None,
        } for key in keys],
        "revoked_plates": [dict(p) for p in revoked_plates],
    }
