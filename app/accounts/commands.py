"""``create-office``, ``create-user``, ``create-token``, ``revoke-token``, ``add-committee``."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from app.accounts.auth import hash_password, issue_token
from app.addresses.divisions import register_committee, validate_division
from app.cli_support import domain_errors, unit_of_work
from app.db import get_session
from app.models import ApiToken, Office, User
from app.models.base import utcnow
from geo.errors import InvalidInput, NotFound


@click.command("create-office")
@click.argument("name")
@click.option("--division", "divisions", multiple=True,
              help="9-digit street or 12-digit committee code the office serves (repeatable).")
@click.option("--phone", default=None, help="The number riders call (shown on rider pages).")
@with_appcontext
@domain_errors
@unit_of_work()
def create_office_command(name: str, divisions: tuple[str, ...], phone: str | None) -> None:
    """Create a community office serving the given division codes."""
    db = get_session()
    for code in divisions:
        validate_division(db, code)
    office = Office(name=name, division_codes=list(divisions), phone=phone)
    db.add(office)
    db.flush()
    click.echo(f"office {office.id}: {name}")


@click.command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["admin", "editor"]), default="editor")
@click.option("--office", "office_id", type=int, help="Office id (editors need one).")
@with_appcontext
@domain_errors
@unit_of_work()
def create_user_command(username: str, password: str, role: str, office_id: int | None) -> None:
    """Create an office user (argon2-hashed password)."""
    db = get_session()
    if role == "editor" and (office_id is None or db.get(Office, office_id) is None):
        raise InvalidInput("编辑账号需要指定已存在的办公室（--office）",
                           "an editor needs an existing --office")
    if len(password) < 8:
        raise InvalidInput("密码至少8位", "password needs at least 8 characters")
    db.add(User(username=username, password_hash=hash_password(password), role=role,
                office_id=office_id))
    click.echo(f"user {username} ({role})")


@click.command("create-token")
@click.argument("name")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read")
@click.option("--user", "username", help="Write tokens act for this user.")
@click.option("--days", type=click.IntRange(min=1), help="Valid for this many days (default: no expiry).")
@with_appcontext
@domain_errors
@unit_of_work()
def create_token_command(name: str, scope: str, username: str | None, days: int | None) -> None:
    """Issue an API token; read tokens are for delivery platforms. Shown once."""
    from sqlalchemy import select
    db = get_session()
    user = db.scalar(select(User).where(User.username == username)) if username else None
    if scope == "write" and user is None:
        raise InvalidInput("写入令牌需要 --user 指定账号", "a write token needs --user")
    expires_at = utcnow() + timedelta(days=days) if days else None
    row, secret = issue_token(name, scope=scope, user=user, expires_at=expires_at)
    db.add(row)
    click.echo(secret)


@click.command("revoke-token")
@click.argument("prefix")
@with_appcontext
@domain_errors
@unit_of_work()
def revoke_token_command(prefix: str) -> None:
    """Revoke the API token whose first characters (as listed) are ``prefix``: refused
    from now on."""
    from sqlalchemy import select
    db = get_session()
    token = db.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None:
        raise NotFound(f"没有前缀为 {prefix} 的令牌", f"no token with prefix {prefix}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    click.echo(f"revoked {token.name} ({prefix})")


@click.command("add-committee")
@click.argument("code")
@click.argument("name")
@with_appcontext
@domain_errors
@unit_of_work()
def add_committee_command(code: str, name: str) -> None:
    """Register a residents' committee (12-digit code) and its name."""
    db = get_session()
    register_committee(db, code, name)
    click.echo(f"{code} {name}")


COMMANDS = [create_office_command, create_user_command,
            create_token_command, revoke_token_command, add_committee_command]
