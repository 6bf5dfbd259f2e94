"""``purge``: delete rider entry logs past the retention period."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from app.cli_support import domain_errors, unit_of_work
from app.db import get_session
from app.models.base import utcnow
from app.riders.service import purge
from geo import settings


@click.command("purge")
@click.option("--days", type=int, default=settings.ENTRY_LOG_RETENTION_DAYS, show_default=True,
              help="Keep entry log rows this many days (ENTRY_LOG_RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@with_appcontext
@domain_errors
@unit_of_work()
def purge_command(days: int, dry_run: bool, as_json: bool) -> None:
    """Delete rider entry/exit records older than the retention period and expired
    phone verification codes."""
    counts = purge(get_session(), now=utcnow(), retention_days=days, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps({**counts, "days": days, "dry_run": dry_run}))
        return
    verb = "将删除" if dry_run else "已删除"
    click.echo(f"{verb}进出记录 {counts['entry_events']} 条（早于 {days} 天）、"
               f"过期验证码 {counts['phone_codes']} 条 / "
               f"{'would delete' if dry_run else 'deleted'} {counts['entry_events']} entry "
               f"records older than {days} days and {counts['phone_codes']} expired codes")


COMMANDS = [purge_command]
