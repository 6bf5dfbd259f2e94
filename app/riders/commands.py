"""``purge``: delete rider entry logs past the retention period."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli_support import domain_errors, echo_purge_counts, retention_options, unit_of_work
from app.db import get_session
from app.models.base import utcnow
from app.riders.service import purge
from geo import settings


@click.command("purge")
@retention_options(default_days=settings.ENTRY_LOG_RETENTION_DAYS,
                   days_help="Keep entry log rows this many days (ENTRY_LOG_RETENTION_DAYS).")
@with_appcontext
@domain_errors
@unit_of_work()
def purge_command(days: int, dry_run: bool, as_json: bool) -> None:
    """Delete rider entry/exit records older than the retention period and expired
    phone verification codes."""
    counts = purge(get_session(), now=utcnow(), retention_days=days, dry_run=dry_run)
    echo_purge_counts(counts, days=days, dry_run=dry_run, as_json=as_json,
                      zh=f"进出记录 {counts['entry_events']} 条（早于 {days} 天）、"
                         f"过期验证码 {counts['phone_codes']} 条",
                      en=f"{counts['entry_events']} entry records older than {days} days and "
                         f"{counts['phone_codes']} expired codes")


COMMANDS = [purge_command]
