"""What the vouched-rider tests share: a platform's own token (named with its platform
key), its signed attestation of a rider posted through the API, and the sign-in link it
hands the rider."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from app.accounts.auth import issue_token, token_digest
from app.db import get_session
from app.models import Office
from app.riders.service import set_policy
from geo.platforms.attestations import TYPE, sign
from tests.support.riders import ISSUER

RIDER_REF = "MT-0001"
PHONE_HASH = hashlib.sha256(b"+8613800000000").hexdigest()


def platform_token(app: Flask, key: str = "meituan") -> str:
    """A new API token of platform ``key`` (its name is the platform key)."""
    with app.app_context():
        row, secret = issue_token(key, scope="read")
        get_session().add(row)
        get_session().commit()
    return secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def attestation(token: str, *, platform: str = "meituan", rider: str = RIDER_REF,
                days: float = 30) -> dict:
    """A signed attestation of ``rider`` by ``platform``, keyed with ``token``."""
    expires = (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")
    return sign({"type": TYPE, "platform": platform, "rider_id": rider,
                 "phone_hash": PHONE_HASH, "expires_at": expires}, token_digest(token))


def attest_and_link(client: FlaskClient, token: str, *, rider: str = RIDER_REF) -> str:
    """Attest ``rider`` and get their sign-in link: its path on this site."""
    stored = client.post("/api/v1/attestations", json=attestation(token, rider=rider),
                         headers=bearer(token))
    assert stored.status_code == 201, stored.get_json()
    link = client.post(f"/api/v1/attestations/{rider}/link", headers=bearer(token))
    assert link.status_code == 201, link.get_json()
    url = link.get_json()["url"]
    assert url.startswith(ISSUER + "/pass/vouched/")
    return url.removeprefix(ISSUER)


def office_policy(app: Flask, *, vouched: list[str], approval: str = "approval") -> None:
    """The street office's policy: ``approval`` and the platforms it auto-approves."""
    with app.app_context():
        db = get_session()
        office = db.query(Office).filter_by(name="学院路街道测试社区").one()
        set_policy(db, office, approval=approval, validity_days=90, scope="community",
                   actor="editor", vouched_platforms=vouched)
        db.commit()
