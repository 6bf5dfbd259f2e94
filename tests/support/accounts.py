"""Offices, users and tokens made for a test (``make_accounts``), and their password."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import Flask

from app.accounts.auth import hash_password, issue_token
from app.db import get_session
from app.models import Office, User

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    """The argon2 hash of ``PASSWORD``, computed once (argon2 is slow on purpose)."""
    return hash_password(PASSWORD)


@dataclass
class Accounts:
    """Offices, users and tokens made for a test, with helpers to use them."""

    app: Flask
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        """Authorization header of ``who``: admin, editor, other_editor or platform."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def make_accounts(app: Flask, *, division: str = "110108010") -> Accounts:
    """An admin; an editor of an office serving ``division``; an editor of another
    street's office; and a read-only platform token."""
    tokens: dict[str, str] = {}
    with app.app_context():
        db = get_session()
        home = Office(name="学院路街道测试社区", division_codes=[division])
        away = Office(name="燕园街道测试社区", division_codes=["110108015"])
        db.add_all([home, away])
        db.flush()
        users = {
            "admin": User(username="admin", password_hash=password_hash(), role="admin"),
            "editor": User(username="editor", password_hash=password_hash(),
                           role="editor", office_id=home.id),
            "other_editor": User(username="other", password_hash=password_hash(),
                                 role="editor", office_id=away.id),
        }
        db.add_all(users.values())
        for who, user in users.items():
            row, secret = issue_token(f"{who} token", scope="write", user=user)
            db.add(row)
            tokens[who] = secret
        row, secret = issue_token("platform", scope="read")
        db.add(row)
        tokens["platform"] = secret
        db.commit()
    return Accounts(app, tokens)
