"""``init-db``: create or upgrade the schema, load the national division codes and make
the plate-signing key when there is none, so plates print out of the box."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.addresses.commands import init_database
from app.cli_support import domain_errors, unit_of_work
from app.db import get_session
from app.plates.keys import ensure_signing_key, keys_dir


@click.command("init-db")
@with_appcontext
@domain_errors
@unit_of_work()
def init_db_command() -> None:
    """Create or upgrade the database, load the national division codes and make the
    plate-signing key if there is none."""
    session = get_session()
    loaded = init_database(session)
    click.echo(f"数据库已就绪（载入区划 {loaded} 条）/ database ready ({loaded} divisions loaded)")
    key, made = ensure_signing_key(session, keys_dir())
    click.echo(f"{'已生成' if made else '已有'}门牌签名密钥 {key.kid} / "
               f"plate-signing key {key.kid} {'created' if made else 'already active'}")


COMMANDS = [init_db_command]
