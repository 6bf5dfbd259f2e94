"""Riders vouched for by their platform: a platform token attests, reads and revokes
its own riders' attestations (``geo.platforms.attestations``) and gets a sign-in link
for a rider; every write is audited, and a revocation ends the passes it granted
(``app.riders.vouched``).
A token is a platform's when its name is a platform key (``meituan``, ``eleme`` …)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.models import ApiToken, Attestation
from app.models.base import utcnow
from app.platforms.entries import as_utc, beijing
from app.riders.vouched import end_passes, is_current, link_token
from geo import settings
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.platforms.attestations import check
from geo.riders.platforms import platforms


def platform_of(token: ApiToken) -> str:
    """The platform key ``token`` speaks for; ``Forbidden`` for another token."""
    if token.user_id is None and token.name in {p.key for p in platforms()}:
        return token.name
    raise Forbidden("此令牌不属于配送平台，不能为骑手担保",
                    "this token is not a delivery platform's: it cannot vouch for riders")


def attest(session: Session, token: ApiToken, body: Any) -> Attestation:
    """Store (or renew) the attestation in ``body``; flushes and audits."""
    platform = platform_of(token)
    rider, phone, expires = check(body, token_digest=token.token_hash, platform=platform,
                                  now=utcnow())
    row = session.scalar(select(Attestation).where(Attestation.platform == platform,
                                                   Attestation.rider_ref == rider))
    action = "update" if row is not None else "create"
    if row is None:
        row = Attestation(token_id=token.id, platform=platform, rider_ref=rider)
        session.add(row)
    row.phone_hash, row.expires_at, row.revoked_at = phone, expires, None
    session.flush()
    audit.record(session, actor=f"token:{token.prefix}", action=action,
                 table="rider_attestations", feature_id=row.id, after=describe(row))
    return row


def find(session: Session, token: ApiToken, rider: str) -> Attestation:
    """This platform's attestation of ``rider``; ``NotFound`` otherwise (another
    platform's riders are not visible)."""
    row = session.scalar(select(Attestation).where(
        Attestation.platform == platform_of(token), Attestation.rider_ref == rider))
    if row is None:
        raise NotFound(f"没有对骑手“{rider}”的担保", f"no attestation of rider {rider!r}")
    return row


def revoke(session: Session, token: ApiToken, rider: str) -> Attestation:
    """End the attestation of ``rider``; flushes and audits."""
    row = find(session, token, rider)
    if row.revoked_at is not None:
        raise InvalidInput("该担保已撤销", "this attestation is already revoked")
    row.revoked_at = utcnow()
    session.flush()
    actor = f"token:{token.prefix}"
    audit.record(session, actor=actor, action="revoke",
                 table="rider_attestations", feature_id=row.id, after=describe(row))
    end_passes(session, row, actor=actor, now=row.revoked_at)
    return row


def sign_in_link(session: Session, token: ApiToken, rider: str) -> dict[str, Any]:
    """A sign-in link for the platform to hand ``rider`` (a current attestation): opened
    on the rider's phone, it enrols the phone with no SMS. Audited."""
    row = find(session, token, rider)
    now = utcnow()
    if not is_current(row, now):
        raise Forbidden("该担保已撤销或已过期，不能生成登录链接",
                        "the attestation is revoked or expired: no sign-in link")
    path = url_for("passes.vouched_page", token=link_token(row, now=now))
    audit.record(session, actor=f"token:{token.prefix}", action="link",
                 table="rider_attestations", feature_id=row.id)
    return {"url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path,
            "expires_at": beijing(now + timedelta(seconds=settings.VOUCH_LINK_TTL_S))}


def describe(row: Attestation) -> dict[str, Any]:
    """An attestation as JSON (Beijing times), its status ``active``, ``expired`` or
    ``revoked``."""
    status = ("revoked" if row.revoked_at is not None else
              "expired" if as_utc(row.expires_at) <= utcnow() else "active")
    return {"platform": row.platform, "rider_id": row.rider_ref, "phone_hash": row.phone_hash,
            "expires_at": beijing(row.expires_at), "status": status,
            "revoked_at": beijing(row.revoked_at) if row.revoked_at else None}
