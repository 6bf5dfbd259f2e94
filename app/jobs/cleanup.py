"""Finished jobs past their keeping time: their files and rows removed (``purge-jobs``)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Job
from geo.errors import InvalidInput


def job_folders(job: Job, jobs_dir: Path) -> set[Path]:
    """Where ``job`` wrote: its folder under ``jobs_dir`` and, when a worker with another
    ``JOBS_DIR`` ran it, the folder of its file."""
    folders = {jobs_dir / job.id}
    if job.result_path and Path(job.result_path).parent.name == job.id:
        folders.add(Path(job.result_path).parent)
    return folders


def purge_jobs(session: Session, *, now: datetime, keep_days: int, jobs_dir: Path,
               dry_run: bool = False) -> dict[str, int]:
    """Delete the jobs that finished (done or failed) more than ``keep_days`` days before
    ``now`` (UTC), with their folders; queued and running jobs stay. Counts of jobs and
    of files removed (flushed, for the caller to commit)."""
    if keep_days < 0:
        raise InvalidInput("保留天数不能为负数", "the keeping time cannot be negative",
                           details={"field": "days"})
    cutoff = now - timedelta(days=keep_days)
    old = list(session.scalars(select(Job).where(Job.status.in_(("done", "failed")),
                                                 Job.finished_at < cutoff)))
    files = 0
    for job in old:
        for folder in job_folders(job, jobs_dir):
            if folder.is_dir():
                files += sum(1 for entry in folder.rglob("*") if entry.is_file())
                if not dry_run:
                    shutil.rmtree(folder)
        if not dry_run:
            session.delete(job)
    session.flush()
    return {"jobs": len(old), "files": files}
