"""A file uploaded from an office page and imported as a job: checked in the request,
then kept in the job's folder under ``instance/jobs`` (``purge-jobs`` removes it with
the job) for the worker to read; a refused file leaves neither file nor job."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from app.accounts.auth import Actor
from app.jobs.service import create_job, jobs_dir, start
from app.models import Job
from geo.errors import InvalidImportFile


def upload_name(upload: FileStorage | None) -> str:
    """The upload's file name without folders; ``InvalidImportFile`` if there is none."""
    name = Path(upload.filename or "").name if upload is not None else ""
    if not name or name.startswith("."):
        raise InvalidImportFile("请选择要导入的文件", "choose a file to import")
    return name


def queue_upload(session: Session, actor: Actor, upload: FileStorage | None, kind: str,
                 check: Callable[[Path], object], params: dict[str, Any]) -> Job:
    """Save ``upload``, ``check(path)`` it (raising refuses it), then queue a ``kind`` job
    with ``params`` and the file's ``path`` (committed, then started)."""
    assert actor.user is not None  # an office page: a signed-in user
    name = upload_name(upload)
    assert upload is not None
    with tempfile.TemporaryDirectory(dir=jobs_dir()) as incoming:
        path = Path(incoming) / name
        upload.save(path)
        check(path)
        job = create_job(session, kind, params, actor=actor.name, user_id=actor.user.id)
        folder = jobs_dir() / job.id
        folder.mkdir()
        kept = Path(shutil.move(path, folder / name))
    job.params = {**params, "path": str(kept), "file": name}
    session.commit()  # the worker reads the job: it must be there first
    start(job)
    return job
