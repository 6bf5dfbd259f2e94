"""Plate-signing keys in use: create, rotate, revoke; revoke single plates; the published
key set; signing a place's plate URL.

Public keys and revocations live in the database; each private key is a mode-600 file in
``KEYS_DIR`` (configuration), which must lie outside the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.addresses.codes import find_by_code
from app.models import RevokedPlate, SigningKey
from app.models.base import utcnow
from geo import settings
from geo.address.codes import parse_code
from geo.address.qr_url import plate_url
from geo.address.signing import (
    PublishedKey,
    generate_key,
    keyset_document,
    load_private_key,
    public_key_text,
    save_private_key,
    sign_plate,
)
from geo.errors import InvalidInput, NotFound

if TYPE_CHECKING:  # cryptography is imported where it is used: routing never loads it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def keys_dir() -> Path:
    """``KEYS_DIR`` of the current app, checked to be outside the repository."""
    path = Path(current_app.config["KEYS_DIR"]).resolve()
    instance = Path(current_app.instance_path).resolve()
    if path.is_relative_to(settings.PROJECT_ROOT) and not path.is_relative_to(instance):
        raise InvalidInput(
            f"私钥目录 {path} 在代码仓库里：请把 YOULU_KEYS_DIR 设到仓库之外（如 /etc/youlu/keys）",
            f"keys directory {path} is inside the repository: set YOULU_KEYS_DIR outside it "
            "(e.g. /etc/youlu/keys)")
    return path


def _active(session: Session) -> SigningKey | None:
    return session.scalar(select(SigningKey).where(SigningKey.status == "active"))


def _new_key(session: Session, directory: Path) -> SigningKey:
    taken = set(session.scalars(select(SigningKey.kid)))
    kid, private = generate_key(taken=taken)
    save_private_key(directory, kid, private)
    row = SigningKey(kid=kid, public_key=public_key_text(private.public_key()), status="active")
    session.add(row)
    return row


def init_keys(session: Session, directory: Path) -> SigningKey:
    """The first signing key (refused when one is active: use ``rotate_keys``). Flushes."""
    if (active := _active(session)) is not None:
        raise InvalidInput(f"已有启用中的签名密钥 {active.kid}；要换新密钥请用 rotate-keys",
                           f"signing key {active.kid} is already active; use rotate-keys")
    row = _new_key(session, directory)
    session.flush()
    return row


def ensure_signing_key(session: Session, directory: Path) -> tuple[SigningKey, bool]:
    """The active signing key, made first when there is none (``init-db``, ``demo``), so
    plates can be printed out of the box; and whether it was made now. Flushes."""
    if (active := _active(session)) is not None:
        return active, False
    return init_keys(session, directory), True


def _key_entry(row: SigningKey) -> dict[str, str | None]:
    return {"kid": row.kid, "public_key": row.public_key, "status": row.status}


def rotate_keys(session: Session, directory: Path, *, actor: str = "cli"
                ) -> tuple[SigningKey, SigningKey | None]:
    """A new active key; the old one is retired and keeps verifying its plates. Flushes
    and audits (``key_rotate``: the feed tells platforms)."""
    old = _active(session)
    if old is not None:
        old.status, old.retired_at = "retired", utcnow()
        session.flush()
    new = _new_key(session, directory)
    session.flush()
    audit.record(session, actor=actor, action="key_rotate", table="signing_keys",
                 feature_id=None, before=_key_entry(old) if old else None,
                 after=_key_entry(new))
    return new, old


def revoke_key(session: Session, kid: str, *, reason: str | None = None,
               actor: str = "cli") -> SigningKey:
    """Revoke a key: every plate it signed stops verifying. Flushes and audits
    (``key_revoke``)."""
    row = session.get(SigningKey, kid.strip().upper())
    if row is None:
        raise NotFound(f"没有编号为“{kid}”的签名密钥", f"no signing key {kid!r}")
    if row.status != "revoked":
        row.status, row.revoked_at, row.reason = "revoked", utcnow(), reason
        session.flush()
        audit.record(session, actor=actor, action="key_revoke", table="signing_keys",
                     feature_id=None, after=_key_entry(row), note=reason)
    return row


def current_issue(session: Session, code: str) -> int:
    """The issue number the next plate for ``code`` gets: one more than the last revoked."""
    last = session.scalar(select(func.max(RevokedPlate.issue)).where(RevokedPlate.code == code))
    return (last or 0) + 1


def revoke_plate(session: Session, code: str, *, reason: str | None = None,
                 actor: str | None = None) -> RevokedPlate:
    """Revoke the plates now in use for ``code``; the next print gets the next issue.
    Flushes and audits (``plate_revoke``)."""
    text = str(parse_code(code))
    find_by_code(session, text)
    row = RevokedPlate(code=text, issue=current_issue(session, text), reason=reason,
                       revoked_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor or "cli", action="plate_revoke", table="revoked_plates",
                 feature_id=row.id, after={"code": row.code, "issue": row.issue}, note=reason)
    return row


def active_signer(session: Session, directory: Path) -> tuple[str, Ed25519PrivateKey]:
    """(kid, private key) of the active key; a clear error when there is none or the file
    does not match."""
    row = _active(session)
    if row is None:
        raise InvalidInput("还没有启用的签名密钥：请先运行 flask --app app init-keys"
                           "（或在吊销后运行 rotate-keys）",
                           "no active signing key: run flask --app app init-keys "
                           "(or rotate-keys after a revocation)")
    private = load_private_key(directory, row.kid)
    if public_key_text(private.public_key()) != row.public_key:
        raise InvalidInput(f"私钥文件与数据库中的公钥 {row.kid} 不一致",
                           f"the private key file does not match public key {row.kid}")
    return row.kid, private


def signed_url(session: Session, code: str, signer: tuple[str, Ed25519PrivateKey], *,
               base_url: str) -> str:
    """The plate URL of ``code``, signed by ``signer`` with the code's current issue."""
    kid, private = signer
    issue = current_issue(session, code)
    return plate_url(base_url, code, kid, issue, sign_plate(private, kid, code, issue))


def keyset(session: Session, issuer: str) -> dict:
    """The document published at ``/.well-known/youlu-keys.json``."""
    keys = [PublishedKey(row.kid, row.public_key, row.status, row.created_at, row.revoked_at)
            for row in session.scalars(select(SigningKey).order_by(SigningKey.created_at))]
    plates = [{"code": row.code, "issue": row.issue, "revoked": row.revoked_at.isoformat(),
               "reason": row.reason}
              for row in session.scalars(select(RevokedPlate).order_by(RevokedPlate.id))]
    return keyset_document(issuer, keys, plates)
