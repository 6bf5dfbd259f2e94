"""``init-db`` (app.install): the schema, the divisions and a plate-signing key, so a new
installation prints plates without another step; run twice, it keeps the key."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.models import SigningKey
from app.plates.keys import keys_dir
from geo.address.signing import private_key_path


def test_init_db_makes_the_signing_key_once(app: Flask, runner) -> None:  # noqa: ANN001
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert "数据库已就绪" in first.output and "已生成门牌签名密钥" in first.output
    with app.app_context():
        keys = list(get_session().scalars(select(SigningKey)))
        assert [k.status for k in keys] == ["active"]
        assert private_key_path(keys_dir(), keys[0].kid).is_file()
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and f"已有门牌签名密钥 {keys[0].kid}" in second.output
    with app.app_context():
        assert len(get_session().scalars(select(SigningKey)).all()) == 1
