"""Riders vouched for by their platform (/api/v1/attestations) on SQLite and PostGIS:
a signed attestation is stored, read, renewed and revoked, every write audited; a forged
or altered one, an expired one, another platform's rider, and tokens that are not a
platform's are refused with a clear message and change nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from app.accounts.auth import issue_token, token_digest
from app.db import get_session
from app.models import Attestation, AuditEntry
from geo.platforms.attestations import TYPE, sign

PHONE_HASH = hashlib.sha256(b"+8613800000000").hexdigest()


@pytest.fixture
def platforms(app: Flask) -> dict[str, str]:
    tokens = {}
    with app.app_context():
        session = get_session()
        for name in ("meituan", "eleme", "not-a-platform"):
            row, secret = issue_token(name, scope="read")
            session.add(row)
            tokens[name] = secret
        session.commit()
    return tokens


def _attestation(token: str, *, platform: str = "meituan", days: float = 30,
                 rider: str = "MT-0001") -> dict:
    expires = (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")
    return sign({"type": TYPE, "platform": platform, "rider_id": rider,
                 "phone_hash": PHONE_HASH, "expires_at": expires}, token_digest(token))


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _audit(app: Flask) -> list[str]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEntry.action).where(
            AuditEntry.table_name == "rider_attestations").order_by(AuditEntry.id)))


def test_attest_read_renew_revoke(app: Flask, client, platforms: dict[str, str]) -> None:
    mt = platforms["meituan"]
    created = client.post("/api/v1/attestations", json=_attestation(mt), headers=_h(mt))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["status"] == "active"
    assert created.get_json()["expires_at"].endswith("+08:00")
    renewed = client.post("/api/v1/attestations", json=_attestation(mt, days=60), headers=_h(mt))
    assert renewed.status_code == 201
    assert client.get("/api/v1/attestations/MT-0001", headers=_h(mt)).get_json()["status"] == "active"
    # another platform sees nothing of it and cannot revoke it
    assert client.get("/api/v1/attestations/MT-0001", headers=_h(platforms["eleme"])).status_code == 404
    assert client.delete("/api/v1/attestations/MT-0001",
                         headers=_h(platforms["eleme"])).status_code == 404
    revoked = client.delete("/api/v1/attestations/MT-0001", headers=_h(mt))
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    again = client.delete("/api/v1/attestations/MT-0001", headers=_h(mt))
    assert again.status_code == 400 and "已撤销" in again.get_json()["message"]
    assert _audit(app) == ["create", "update", "revoke"]


def _forged(tokens: dict[str, str]) -> dict:
    body = _attestation(tokens["meituan"])
    return {**body, "rider_id": "MT-9999"}


@pytest.mark.parametrize(("who", "make", "status", "message"), [
    ("meituan", _forged, 403, "担保签名无效"),
    ("meituan", lambda t: _attestation(t["eleme"]), 403, "担保签名无效"),
    ("eleme", lambda t: _attestation(t["eleme"], platform="meituan"), 403,
     "不能为其他平台的骑手担保"),
    ("meituan", lambda t: _attestation(t["meituan"], days=-1), 403, "担保已过期"),
    ("meituan", lambda t: _attestation(t["meituan"], days=400), 400, "最长 366 天"),
    ("meituan", lambda t: {"type": "x"}, 400, "担保应为"),
    ("not-a-platform", lambda t: _attestation(t["not-a-platform"]), 403, "不属于配送平台"),
])
def test_bad_attestations_are_refused(app: Flask, client, platforms: dict[str, str], who: str,
                                      make, status: int, message: str) -> None:
    response = client.post("/api/v1/attestations", json=make(platforms), headers=_h(platforms[who]))
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["message"] and response.get_json()["message_en"]
    with app.app_context():
        assert get_session().scalars(select(Attestation)).all() == []
    assert _audit(app) == []


def test_an_office_users_token_cannot_attest(client, accounts) -> None:
    response = client.post("/api/v1/attestations", json={}, headers=accounts.headers("editor"))
    assert response.status_code == 403
