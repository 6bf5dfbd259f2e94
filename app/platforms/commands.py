"""``flask --app app deliver-webhooks``: the webhook worker without Redis (with Redis,
``celery -A app.platforms.celery_worker worker`` runs the same job)."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.platforms.outbox import deliver_due
from geo import settings


@click.command("deliver-webhooks")
@click.option("--once", is_flag=True, help="send what is due once and stop")
@with_appcontext
def deliver_webhooks_command(once: bool) -> None:
    """Send due webhook deliveries (retries included), every WEBHOOK_POLL_S seconds."""
    sessions = current_app.extensions["db_sessions"]
    while True:
        sent = deliver_due(sessions)
        click.echo(f"已投递 / delivered: {sent}")
        if once:
            return
        time.sleep(settings.WEBHOOK_POLL_S)


COMMANDS = [deliver_webhooks_command]
