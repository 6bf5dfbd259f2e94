"""The other job kinds on SQLite and PostGIS, embedded (no Redis: a job runs in the
process that starts it): a compound's posters ZIP started from the office home,
``import-osm --queue`` running the same import as a job with its phases as progress,
and ``purge-jobs`` removing finished jobs and their files past their keeping time.
Bad input starts no job and changes nothing."""

from __future__ import annotations

import bz2
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from app.db import get_session
from app.imports.pipeline import PHASES
from app.jobs.cleanup import job_folders
from app.jobs.service import jobs_dir
from app.models import AuditEntry, Building, Gate, Job, Source
from app.models.base import utcnow
from tests.support.extracts import EXTRACTS, OSM_DIR
from tests.support.jobs import run_worker
from tests.support.reports import login
from tests.support.riders import Site, csrf_token


def _jobs(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Job))


def _post(site: Site, who: str, path: str, **form: str):  # noqa: ANN202 (a test response)
    office = login(site.app.test_client(), who)
    data = {"csrf_token": csrf_token(office, "/office/"), **form}
    return office, office.post(f"/office/communities/{site.community_id}/{path}", data=data)


def test_posters_job_zips_every_gate_poster_with_progress_and_audit(site: Site) -> None:
    app = site.app
    editor = login(app.test_client(), "editor")
    for page in (editor.get("/office/"), editor.get(f"/r/{site.community_id}/posters")):
        assert 'data-action="posters-job"' in page.get_data(as_text=True)
    anonymous = app.test_client().get(f"/r/{site.community_id}/posters").get_data(as_text=True)
    assert "后台生成海报" not in anonymous  # the public page offers no office job
    office, answer = _post(site, "editor", "posters-job", size="a3")
    assert answer.status_code == 302
    job_id = answer.headers["Location"].rsplit("/", 1)[1]
    html = office.get(answer.headers["Location"]).get_data(as_text=True)
    assert "后台任务：海报 ZIP" in html and 'data-status="done"' in html
    status = app.test_client().get(f"/api/v1/jobs/{job_id}",
                                   headers=site.accounts.headers("editor")).get_json()
    with app.app_context():
        db = get_session()
        gates = db.scalars(select(Gate).where(Gate.community_id == site.community_id)
                           .order_by(Gate.id)).all()
        names = sorted(f"poster-{g.code or g.id}-A3.pdf" for g in gates)
        audited = db.scalars(select(AuditEntry.note).where(
            AuditEntry.action == "print", AuditEntry.feature_id == site.community_id)).all()
    assert status["status"] == "done" and status["kind"] == "posters_zip"
    assert status["done"] == status["total"] == len(gates) > 1
    made = office.get(status["file"])
    assert made.status_code == 200 and made.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(made.data))
    assert sorted(archive.namelist()) == names
    for name in names:
        assert archive.read(name).startswith(b"%PDF-") and len(archive.read(name)) > 10_000
    assert "posters: all A3 pdf" in audited  # the print is on the office checklist


def test_posters_job_of_a_compound_without_gates_is_refused(site: Site) -> None:
    with site.app.app_context():
        db = get_session()
        for gate in db.scalars(select(Gate).where(Gate.community_id == site.community_id)):
            gate.community_id = None  # the compound's gates belong to no compound now
        db.commit()
    _, answer = _post(site, "editor", "posters-job", size="A4")
    assert answer.status_code == 400 and "还没有出入口" in answer.get_data(as_text=True)
    assert _jobs(site.app) == 0


@pytest.mark.parametrize(("who", "form", "status", "message"), [
    ("editor", {"size": "A5"}, 400, "不支持的纸张"),
    ("other", {"size": "A4"}, 403, ""),
    ("editor", {"size": "A4", "csrf_token": "forged"}, 400, "页面已过期"),
])
def test_bad_posters_job_requests_start_nothing(site: Site, who: str, form: dict, status: int,
                                                message: str) -> None:
    _, answer = _post(site, who, "posters-job", **form)
    assert answer.status_code == status and message in answer.get_data(as_text=True)
    assert _jobs(site.app) == 0
    with site.app.app_context():  # nothing printed either
        assert not get_session().scalars(select(AuditEntry).where(
            AuditEntry.action == "print")).first()


def _stages(app: Flask) -> list[str]:
    """Every ``stage`` written to the jobs table while the app runs (appended)."""
    written: list[str] = []

    def seen(_conn, _cursor, statement, parameters, _context, _many) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("UPDATE JOBS"):
            rows = parameters if isinstance(parameters, list) else [parameters]
            for row in rows:
                values = row.values() if isinstance(row, dict) else row
                written.extend(v for v in values if isinstance(v, str))
    event.listen(app.extensions["db_engine"], "before_cursor_execute", seen)
    return written


def test_import_osm_queue_runs_the_import_as_a_job_with_its_phases(site: Site) -> None:
    app = site.app
    path = OSM_DIR / EXTRACTS["bupt"][0]
    with app.app_context():
        buildings_before = get_session().scalar(select(func.count()).select_from(Building))
    stages = _stages(app)
    result = app.test_cli_runner().invoke(args=["import-osm", str(path), "--queue", "--json",
                                                "--division", EXTRACTS["bupt"][1]])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    job_id = printed["job"]["id"]
    assert printed["status_url"].endswith(f"/api/v1/jobs/{job_id}")
    assert printed["job"]["status"] == "done"  # embedded: it ran before the command returned
    assert [s for s in stages if s in PHASES] == list(PHASES)  # each phase, in order
    status = app.test_client().get(f"/api/v1/jobs/{job_id}",
                                   headers=site.accounts.headers("admin")).get_json()
    assert status["kind"] == "import_osm" and status["done"] == status["total"] == len(PHASES)
    assert app.test_client().get(f"/api/v1/jobs/{job_id}", headers=site.accounts.headers(
        "editor")).status_code == 404  # started from the shell: an admin's to see
    summary = json.loads(login(app.test_client(), "admin").get(status["file"]).data)
    with app.app_context():
        db = get_session()
        source = db.scalar(select(Source).where(Source.path == str(path.resolve())))
        buildings = db.scalar(select(func.count()).select_from(Building))
    assert source is not None and source.status == "ready"  # its street graph was built
    assert summary["source"]["id"] == source.id and summary["file"] == path.name
    assert buildings - buildings_before == summary["created"]["building"] > 0
    page = login(app.test_client(), "admin").get(f"/office/jobs/{job_id}").get_data(as_text=True)
    assert "后台任务：OSM 数据导入" in page and "已完成" in page


def test_a_queued_import_of_a_broken_file_fails_in_chinese_and_changes_nothing(
        site: Site, tmp_path: Path) -> None:
    broken = tmp_path / "broken.osm.bz2"  # real bzip2 and an OSM head, then broken XML
    broken.write_bytes(bz2.compress(b"<?xml version='1.0'?><osm version='0.6'>"
                                    b"<node id='1' lat='39.96' lon='116.35'><tag k='a'/></osm>"))
    with site.app.app_context():
        buildings = get_session().scalar(select(func.count()).select_from(Building))
    result = site.app.test_cli_runner().invoke(args=["import-osm", str(broken), "--queue",
                                                     "--json"])
    job = json.loads(result.output)["job"]
    assert result.exit_code == 2 and job["status"] == "failed" and job["stage"] == "失败"
    assert "无法解析" in job["error"] and "broken.osm.bz2" in job["error"], job
    assert "内部错误" not in job["error"]  # the import's own clear error, not a crash
    with site.app.app_context():
        db = get_session()
        assert db.scalar(select(func.count()).select_from(Building)) == buildings
        assert db.scalar(select(Source).where(Source.path == str(broken))) is None


def test_a_real_celery_worker_runs_a_queued_import(site: Site, tmp_path: Path,
                                                   queued_app: tuple[Flask, dict[str, str]]) -> None:
    app, env = queued_app
    path = OSM_DIR / EXTRACTS["bupt"][0]
    result = app.test_cli_runner().invoke(args=["import-osm", str(path), "--queue", "--json"])
    assert result.exit_code == 0, result.output
    job_id = json.loads(result.output)["job"]["id"]
    assert json.loads(result.output)["job"]["status"] == "queued"  # waits for a worker
    with app.app_context():
        assert get_session().scalar(select(Source).where(
            Source.path == str(path.resolve()))) is None
    status, output = run_worker(app, env, tmp_path / "worker.log", lambda: app.test_client().get(
        f"/api/v1/jobs/{job_id}", headers=site.accounts.headers("admin")).get_json())
    assert status.get("status") == "done", (status, output[-3000:])
    assert "Task youlu.run_job[" in output and "succeeded" in output  # the worker ran it
    assert status["done"] == status["total"] == len(PHASES)
    with app.app_context():
        source = get_session().scalar(select(Source).where(Source.path == str(path.resolve())))
    assert source is not None and source.status == "ready"
    assert list(Path(env["YOULU_CACHE_DIR"]).rglob("meta.json"))  # the worker built the graph


@pytest.mark.parametrize(("args", "message"), [
    (["no-such-file.osm.bz2"], "找不到文件"),
    ([str(OSM_DIR / EXTRACTS["bupt"][0]), "--division", "999999999"], "division"),
])
def test_bad_queued_imports_start_no_job(site: Site, args: list[str], message: str) -> None:
    result = site.app.test_cli_runner().invoke(args=["import-osm", *args, "--queue"])
    assert result.exit_code == 2 and message in result.output, result.output
    assert _jobs(site.app) == 0


def test_purge_jobs_removes_finished_jobs_and_files_past_their_days(site: Site) -> None:
    app = site.app
    started = []
    for _ in range(3):
        _, answer = _post(site, "editor", "plates-job", format="svg")
        started.append(answer.headers["Location"].rsplit("/", 1)[1])
    old, recent, running = started
    with app.app_context():
        db = get_session()
        db.get(Job, old).finished_at = utcnow() - timedelta(days=8)
        db.get(Job, running).status, db.get(Job, running).finished_at = "running", None
        db.get(Job, running).created_at = utcnow() - timedelta(days=30)
        db.commit()
        folder = job_folders(db.get(Job, old), jobs_dir())
        assert all(f.is_dir() for f in folder)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge-jobs", "--dry-run", "--json"])
    files = sum(1 for f in folder for entry in f.rglob("*") if entry.is_file())
    assert files > 1 and json.loads(dry.output) == {"jobs": 1, "files": files, "days": 7,
                                                    "dry_run": True}
    assert _jobs(app) == 3 and all(f.is_dir() for f in folder)  # a dry run removes nothing
    negative = runner.invoke(args=["purge-jobs", "--days", "-1", "--json"])
    assert negative.exit_code == 2 and json.loads(negative.output)["details"] == {"field": "days"}
    assert _jobs(app) == 3 and all(f.is_dir() for f in folder)  # refused: nothing removed
    done = runner.invoke(args=["purge-jobs"])
    assert done.exit_code == 0 and "已删除后台任务 1 个" in done.output
    with app.app_context():
        db = get_session()
        assert db.get(Job, old) is None and db.get(Job, running) is not None
    assert not any(f.exists() for f in folder)
    office = login(app.test_client(), "editor")
    assert office.get(f"/office/jobs/{old}").status_code == 404
    assert office.get(f"/office/jobs/{recent}/file").status_code == 200  # kept: 0 days old
