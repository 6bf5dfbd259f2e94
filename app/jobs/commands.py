"""``purge-jobs``: remove finished jobs and their files past ``JOBS_KEEP_DAYS``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli_support import domain_errors, echo_purge_counts, retention_options, unit_of_work
from app.db import get_session
from app.jobs.cleanup import purge_jobs
from app.jobs.service import jobs_dir
from app.models.base import utcnow
from geo import settings


@click.command("purge-jobs")
@retention_options(default_days=settings.JOBS_KEEP_DAYS,
                   days_help="Keep finished jobs this many days (JOBS_KEEP_DAYS).")
@with_appcontext
@domain_errors
@unit_of_work()
def purge_jobs_command(days: int, dry_run: bool, as_json: bool) -> None:
    """Delete the jobs (后台任务) that finished more than ``--days`` days ago and the files
    they made; run it daily next to ``purge``."""
    counts = purge_jobs(get_session(), now=utcnow(), keep_days=days, jobs_dir=jobs_dir(),
                        dry_run=dry_run)
    echo_purge_counts(counts, days=days, dry_run=dry_run, as_json=as_json,
                      zh=f"后台任务 {counts['jobs']} 个、文件 {counts['files']} 个（结束超过 {days} 天）",
                      en=f"{counts['jobs']} jobs and {counts['files']} files finished over {days} days ago")


COMMANDS = [purge_jobs_command]
