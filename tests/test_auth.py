"""Accounts: argon2 hashes, tokens stored as digests, CLI account commands."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.accounts.auth import hash_password, token_digest, verify_password
from app.db import get_session
from app.models import ApiToken, User


def test_password_hashes_are_argon2(app: Flask) -> None:
    user = User(username="u", password_hash=hash_password("s3cret-pass"))
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user, "s3cret-pass")
    assert not verify_password(user, "wrong")


def test_cli_users_and_tokens(app: Flask, runner) -> None:
    office = runner.invoke(args=["create-office", "学院路", "--division", "110108010"])
    assert office.exit_code == 0
    office_id = office.output.split(":")[0].split()[-1]
    short = runner.invoke(args=["create-user", "ed", "--password", "short", "--office", office_id])
    assert short.exit_code == 2 and "至少8位" in short.output
    no_office = runner.invoke(args=["create-user", "ed", "--password", "long enough"])
    assert no_office.exit_code == 2 and "办公室" in no_office.output
    made = runner.invoke(args=["create-user", "ed", "--password", "long enough",
                               "--office", office_id])
    assert made.exit_code == 0, made.output
    token = runner.invoke(args=["create-token", "美团", "--scope", "read"]).output.strip()
    assert token.startswith("yl_")
    with app.app_context():
        row = get_session().scalar(select(ApiToken).where(ApiToken.name == "美团"))
        assert row.token_hash == token_digest(token) and token not in (row.prefix, row.token_hash)
    client = app.test_client()
    assert client.get("/api/v1/communities", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200


def test_token_commands_refuse_bad_input(app: Flask, runner) -> None:
    """``revoke-token`` of an unknown prefix and ``create-token --days 0`` exit 2 with the
    reason; no token is made or revoked."""
    token = runner.invoke(args=["create-token", "饿了么"]).output.strip()
    unknown = runner.invoke(args=["revoke-token", "yl_nothing"])
    assert unknown.exit_code == 2 and "没有前缀为 yl_nothing 的令牌" in unknown.output
    zero = runner.invoke(args=["create-token", "零天", "--days", "0"])
    assert zero.exit_code == 2 and "--days" in zero.output
    with app.app_context():
        rows = get_session().scalars(select(ApiToken)).all()
        assert [(r.name, r.revoked_at, r.expires_at) for r in rows] == [("饿了么", None, None)]
    assert app.test_client().get("/api/v1/communities", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200
