"""``pilot-snapshot``: store this week's pilot progress counts per division (run weekly,
e.g. from cron)."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import with_appcontext

from app.cli_support import domain_errors
from app.db import get_session
from app.planner.pilot import take_snapshot, week_of


@click.command("pilot-snapshot")
@click.option("--week", "week", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="A day of the week to store (Beijing time); default today.")
@with_appcontext
@domain_errors
def pilot_snapshot_command(week: datetime | None) -> None:
    """Store the pilot checklist counts per committee, street and district for a week."""
    day: date | None = week.date() if week is not None else None
    rows = take_snapshot(get_session(), week=day)
    monday = week_of(day) if day else None
    click.echo(f"已保存试点进展快照：{rows} 行" + (f"（{monday} 这一周）" if monday else ""))


COMMANDS = (pilot_snapshot_command,)
