"""Jobs (后台任务): long work queued on Celery (``app.platforms.jobs`` binds it; without
``REDIS_URL`` it runs in the process that starts it), with progress a person follows on
the job's page and a machine reads as JSON.

A job row is committed before the job is queued; the runner reports progress and the
outcome in transactions of its own, so the page sees them while it works.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from app.jobs.cleanup import job_folders
from app.jobs.kind_progress import read_kinds
from app.jobs.plates import plates_zip
from app.jobs.posters import posters_zip
from app.models import Job
from app.models.base import utcnow
from geo.errors import YouluError
from geo.hours.opening_hours import timezone

RUN = "youlu.run_job"
STATUS_ZH = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}
# kind → runner(session, params, progress, out_dir) → (file written, download name)
Progress = Callable[[int, int, str], None]
Runner = Callable[[Session, dict[str, Any], Progress, Path], tuple[Path, str]]
RUNNERS: dict[str, Runner] = {"plates_zip": plates_zip, "posters_zip": posters_zip}
KIND_ZH = {"plates_zip": "门牌 ZIP", "posters_zip": "海报 ZIP"}


def register(kind: str, kind_zh: str, runner: Runner) -> None:
    """Add a job kind whose code may not import this package (``import-osm`` queues
    its own import: the app factory registers it)."""
    RUNNERS[kind] = runner
    KIND_ZH[kind] = kind_zh


def create_job(session: Session, kind: str, params: dict[str, Any], *, actor: str,
               user_id: int | None) -> Job:
    """A queued job of ``kind`` (flushed; the caller commits, then calls ``start``)."""
    job = Job(id=secrets.token_hex(16), kind=kind, params=params, status="queued",
              done=0, total=0, created_by=actor, user_id=user_id, stage="排队等待")
    session.add(job)
    session.flush()
    return job


def start(job: Job) -> None:
    """Queue ``job`` (committed) on Celery; without Redis it runs now, in this process."""
    current_app.extensions["celery"].tasks[RUN].delay(job.id)


def jobs_dir() -> Path:
    folder = Path(current_app.config.get("JOBS_DIR") or Path(current_app.instance_path) / "jobs")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_job(job_id: str) -> str:
    """The task: run job ``job_id`` if it is still queued; its final status."""
    sessions = current_app.extensions["db_sessions"]

    def update(**values: Any) -> None:
        with sessions() as session:
            job = session.get(Job, job_id)
            for name, value in values.items():
                setattr(job, name, value)
            session.commit()

    with sessions() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "queued":
            return job.status if job is not None else "missing"
        kind, params = job.kind, dict(job.params)
    update(status="running", stage="开始")
    out_dir = jobs_dir() / job_id
    out_dir.mkdir(exist_ok=True)
    try:
        with sessions() as session:
            path, name = RUNNERS[kind](session, params, lambda done, total, stage: update(
                done=done, total=total, stage=stage), out_dir)
    except YouluError as error:
        update(status="failed", error=error.zh[:500], stage="失败", finished_at=utcnow())
        return "failed"
    except Exception as error:  # the page must say it failed, not spin forever
        update(status="failed", error=f"内部错误：{type(error).__name__}", stage="失败",
               finished_at=utcnow())
        raise
    update(status="done", stage="完成", result_path=str(path), result_name=name,
           finished_at=utcnow())
    return "done"


def _beijing(moment: datetime) -> str:
    """A stored time (naive UTC on SQLite) in Beijing time, ISO 8601."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(timezone()).isoformat()


def describe(job: Job) -> dict[str, Any]:
    """A job as JSON: where it stands (``percent`` 0–100), an import's progress per kind
    (``kinds``, see ``app.jobs.kind_progress``; None for other jobs) and, when done, its file."""
    percent = 100 if job.status == "done" else (
        int(100 * job.done / job.total) if job.total else 0)
    return {"id": job.id, "kind": job.kind, "status": job.status,
            "status_zh": STATUS_ZH[job.status], "done": job.done, "total": job.total,
            "percent": percent, "stage": job.stage, "error": job.error,
            "created_at": _beijing(job.created_at),
            "finished_at": _beijing(job.finished_at) if job.finished_at else None,
            "kinds": next(filter(None, map(read_kinds, sorted(job_folders(job, jobs_dir())))), None),
            "file": f"/office/jobs/{job.id}/file" if job.status == "done" else None}
