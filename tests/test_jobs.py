"""Jobs on SQLite and PostGIS: an office starts a compound's plates ZIP as a job and
follows it on a Chinese page; machines read its JSON status. Embedded (no Redis), the
job runs in the process that starts it; with Redis (127.0.0.1:6379, a private database
number and queue) it waits in the queue until a real Celery worker process, started
here and killed after, runs it. Bad input starts no job."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.db import get_session
from app.models import Job
from tests.support.jobs import run_worker
from tests.support.reports import login
from tests.support.riders import Site, csrf_token


def _jobs(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Job))


def _start(office: FlaskClient, site: Site, **form: str) -> str:
    answer = office.post(f"/office/communities/{site.community_id}/plates-job",
                         data={"csrf_token": csrf_token(office, "/office/"), **form})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"]


def _names(data: bytes) -> list[str]:
    return sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())


def test_embedded_job_runs_with_a_chinese_page_and_json_status(site: Site) -> None:
    app = site.app
    office = login(app.test_client(), "editor")
    page_url = _start(office, site, format="svg")
    job_id = page_url.rsplit("/", 1)[1]
    page = office.get(page_url)
    html = page.get_data(as_text=True)
    assert page.mimetype == "text/html" and "后台任务：门牌 ZIP" in html
    assert 'data-status="done"' in html and "已完成" in html and 'http-equiv="refresh"' not in html
    status = app.test_client().get(f"/api/v1/jobs/{job_id}",
                                   headers=site.accounts.headers("editor")).get_json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["done"] == status["total"] > 0 and status["stage"] == "完成"
    made = office.get(status["file"])
    direct = office.get(f"/office/communities/{site.community_id}/plates.zip?format=svg")
    assert made.status_code == direct.status_code == 200
    assert _names(made.data) == _names(direct.data) and len(_names(made.data)) == status["total"]
    other = app.test_client().get(f"/api/v1/jobs/{job_id}",
                                  headers=site.accounts.headers("other_editor"))
    assert other.status_code == 404  # another office's user does not see it
    assert app.test_client().get(f"/api/v1/jobs/{job_id}").status_code == 401


@pytest.mark.parametrize(("who", "form", "status", "message"), [
    ("editor", {"format": "doc"}, 400, "不支持的格式"),
    ("other", {"format": "pdf"}, 403, ""),
    ("editor", {"format": "pdf", "csrf_token": "forged"}, 400, "页面已过期"),
])
def test_bad_job_requests_start_nothing(site: Site, who: str, form: dict, status: int,
                                        message: str) -> None:
    office = login(site.app.test_client(), who)
    data = {"csrf_token": csrf_token(office, "/office/"), **form}
    answer = office.post(f"/office/communities/{site.community_id}/plates-job", data=data)
    assert answer.status_code == status and message in answer.get_data(as_text=True)
    assert _jobs(site.app) == 0


def test_a_real_celery_worker_runs_a_queued_job(site: Site, tmp_path: Path,
                                                queued_app: tuple[Flask, dict[str, str]]) -> None:
    app, env = queued_app
    office = login(app.test_client(), "editor")
    job_id = _start(office, site, format="svg").rsplit("/", 1)[1]
    headers = site.accounts.headers("editor")
    assert app.test_client().get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()[
        "status"] == "queued"  # nothing ran here: it waits in Redis for a worker
    waiting = office.get(f"/office/jobs/{job_id}").get_data(as_text=True)
    assert "排队中" in waiting and 'http-equiv="refresh"' in waiting
    status, output = run_worker(app, env, tmp_path / "worker.log", lambda: app.test_client().get(
        f"/api/v1/jobs/{job_id}", headers=headers).get_json())
    assert status.get("status") == "done", (status, output[-3000:])
    assert "Task youlu.run_job[" in output and "succeeded" in output  # the worker ran it
    made = office.get(status["file"])
    assert made.status_code == 200 and len(_names(made.data)) == status["total"] > 0
    with app.app_context():
        job = get_session().get(Job, job_id)
        assert Path(job.result_path).is_relative_to(Path(env["YOULU_JOBS_DIR"]))  # the worker's
