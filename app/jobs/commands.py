"""``purge-jobs``: remove finished jobs and their files past ``JOBS_KEEP_DAYS``."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from app.cli_support import domain_errors, unit_of_work
from app.db import get_session
from app.jobs.cleanup import purge_jobs
from app.jobs.service import jobs_dir
from app.models.base import utcnow
from geo import settings


@click.command("purge-jobs")
@click.option("--days", type=click.IntRange(min=0), default=settings.JOBS_KEEP_DAYS,
              show_default=True, help="Keep finished jobs this many days (JOBS_KEEP_DAYS).")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@with_appcontext
@domain_errors
@unit_of_work()
def purge_jobs_command(days: int, dry_run: bool, as_json: bool) -> None:
    """Delete the jobs (后台任务) that finished more than ``--days`` days ago and the files
    they made; run it daily next to ``purge``."""
    counts = purge_jobs(get_session(), now=utcnow(), keep_days=days, jobs_dir=jobs_dir(),
                        dry_run=dry_run)
    if as_json:
        click.echo(json.dumps({**counts, "days": days, "dry_run": dry_run}))
        return
    verb = "将删除" if dry_run else "已删除"
    click.echo(f"{verb}后台任务 {counts['jobs']} 个、文件 {counts['files']} 个（结束超过 {days} 天）/ "
               f"{'would delete' if dry_run else 'deleted'} {counts['jobs']} jobs and "
               f"{counts['files']} files finished over {days} days ago")


COMMANDS = [purge_jobs_command]
