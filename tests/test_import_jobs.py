"""Imports started from the browser run as jobs, on SQLite and PostGIS: an office's
GeoJSON upload in the editor and an admin's OSM extract upload, each checked in the
request, imported by a job (embedded here: in the process) with its progress per kind on
the job's Chinese page and in its JSON status, as the user who uploaded it (audited).
Bad uploads (not OSM, a bzip2 bomb, a clipped file, too big, no rights, no form token,
a stale version) start no job or fail it in Chinese, and change no place table. A real
Redis and a real Celery worker process run an upload's job too."""

from __future__ import annotations

import bz2
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.db import get_engine, get_session
from app.imports.upload_checks import MAX_EXPANSION
from app.models import AuditEntry, Building, Gate, Job
from tests.support.dbdump import dump_database
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract
from tests.support.jobs import run_worker
from tests.support.reports import login
from tests.support.riders import Site, csrf_token

PLACE_TABLES = ("communities", "gates", "buildings", "units", "paths", "facilities",
                "audit_log", "sources", "division_areas")
BUPT = OSM_DIR / EXTRACTS["bupt"][0]


def place_tables(site: Site) -> dict[str, list[tuple[Any, ...]]]:
    with site.app.app_context():
        dump = dump_database(get_engine())
    return {name: rows for name, rows in dump.items() if name in PLACE_TABLES}


def jobs(site: Site) -> int:
    with site.app.app_context():
        return get_session().scalar(select(func.count()).select_from(Job))


def upload(office: FlaskClient, path: str, name: str, data: bytes, **form: str):  # noqa: ANN201
    return office.post(path, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(office, "/office/editor"), **form,
        "file": (io.BytesIO(data), name)})


def exported_with_gate_changed(site: Site, office: FlaskClient) -> tuple[dict[str, Any], int]:
    """The site compound's GeoJSON export with its first gate made pass-only; the gate."""
    body = json.loads(office.get(f"/office/editor/{site.community_id}/export.geojson").data)
    gate = next(f for f in body["features"] if f["properties"]["layer"] == "gates")
    gate["properties"]["rider_access"] = "pass"
    return body, gate["id"]


def status_of(site: Site, location: str, who: str) -> dict[str, Any]:
    job_id = location.rsplit("/", 1)[1]
    return site.app.test_client().get(f"/api/v1/jobs/{job_id}",
                                      headers=site.accounts.headers(who)).get_json()


def test_a_geojson_upload_is_imported_by_a_job_with_progress_per_kind(site: Site) -> None:
    office = login(site.app.test_client(), "editor")
    body, gate_id = exported_with_gate_changed(site, office)
    layers = [f["properties"]["layer"] for f in body["features"]]
    answer = upload(office, "/office/editor/import", "改过的.geojson", json.dumps(body).encode())
    assert answer.status_code == 302 and "/office/jobs/" in answer.location
    status = status_of(site, answer.location, "editor")
    assert status["kind"] == "import_features" and status["status"] == "done", status
    kinds = {k["kind"]: k for k in status["kinds"]["kinds"]}
    assert status["kinds"]["current"] is None
    assert kinds["gate"] == {"kind": "gate", "kind_zh": "出入口", "done": layers.count("gates"),
                             "total": layers.count("gates"), "created": 0, "updated": 1,
                             "unchanged": layers.count("gates") - 1}
    assert kinds["community"]["unchanged"] == kinds["community"]["total"] == 1
    page = office.get(answer.location).get_data(as_text=True)
    assert "后台任务：文件导入" in page and 'data-status="done"' in page
    assert '<tr data-kind="gate">' in page and "出入口" in page and 'id="job-back"' in page
    summary = json.loads(office.get(status["file"]).data)
    assert summary["updated"] == {"gates": 1} and summary["file"] == "改过的.geojson"
    with site.app.app_context():
        db = get_session()
        assert db.get(Gate, gate_id).rider_access == "pass"
        entry = db.scalars(select(AuditEntry).where(AuditEntry.table_name == "gates",
                                                    AuditEntry.feature_id == gate_id)
                           .order_by(AuditEntry.id.desc())).first()
        assert entry.action == "import" and entry.actor == "editor"  # as the uploader


def test_a_stale_upload_fails_its_job_in_chinese_and_changes_nothing(site: Site) -> None:
    office = login(site.app.test_client(), "editor")
    body, _ = exported_with_gate_changed(site, office)
    for feature in body["features"]:
        if feature["properties"]["layer"] == "gates":
            feature["properties"]["version"] = 99  # edited elsewhere since the export
    before = place_tables(site)
    answer = upload(office, "/office/editor/import", "stale.geojson", json.dumps(body).encode())
    status = status_of(site, answer.location, "editor")
    assert status["status"] == "failed" and "版本" in status["error"], status
    page = office.get(answer.location).get_data(as_text=True)
    assert 'id="job-error"' in page and "任务失败" in page and 'id="job-kinds"' not in page
    assert place_tables(site) == before


@pytest.mark.parametrize(("who", "path", "name", "data", "status", "message"), [
    ("editor", "/office/editor/import", "bad.geojson", b"{not json", 400, "不是有效的 JSON"),
    ("editor", "/office/editor/import", "map.txt", b"hello", 400, "不支持的文件类型"),
    ("editor", "/office/editor/import", "", b"", 400, "请选择要导入的文件"),
    ("editor", "/office/editor/import-osm", "bupt.osm.bz2", BUPT.read_bytes(), 403, "管理员"),
    ("admin", "/office/editor/import-osm", "notes.osm", b"just text, not OSM", 400,
     "不是 OSM 文件"),
    ("admin", "/office/editor/import-osm", "map.geojson", b"{}", 400, "格式不受支持"),
    ("admin", "/office/editor/import-osm", "half.osm.bz2", BUPT.read_bytes()[:20_000], 400,
     "已损坏，无法解压"),  # clipped within its first block: refused before any job
])
def test_bad_uploads_start_no_job_and_change_nothing(site: Site, who: str, path: str, name: str,
                                                     data: bytes, status: int, message: str) -> None:
    office = login(site.app.test_client(), who)
    before = place_tables(site)
    answer = upload(office, path, name, data)
    assert answer.status_code == status and message in answer.get_data(as_text=True)
    assert jobs(site) == 0 and place_tables(site) == before
    assert not list(Path(site.app.config["JOBS_DIR"]).rglob(name or "*.*"))  # nothing kept


def test_uploads_without_the_form_token_or_too_big_are_refused(site: Site) -> None:
    office = login(site.app.test_client(), "admin")
    before = place_tables(site)
    for path in ("/office/editor/import", "/office/editor/import-osm"):
        answer = office.post(path, content_type="multipart/form-data",
                             data={"file": (io.BytesIO(BUPT.read_bytes()), BUPT.name)})
        assert answer.status_code == 400 and "页面已过期" in answer.get_data(as_text=True)
    site.app.config["MAX_CONTENT_LENGTH"] = len(BUPT.read_bytes()) // 2
    answer = upload(office, "/office/editor/import-osm", BUPT.name, BUPT.read_bytes())
    assert answer.status_code == 413 and "上传的内容太大" in answer.get_data(as_text=True)
    assert jobs(site) == 0 and place_tables(site) == before


def test_an_admin_uploads_an_osm_extract_imported_by_a_job(site: Site) -> None:
    office = login(site.app.test_client(), "admin")
    assert 'id="import-osm"' in office.get("/office/editor").get_data(as_text=True)
    assert 'id="import-osm"' not in login(site.app.test_client(), "editor").get(
        "/office/editor").get_data(as_text=True)  # an editor is not offered it
    with site.app.app_context():
        buildings = get_session().scalar(select(func.count()).select_from(Building))
    answer = upload(office, "/office/editor/import-osm", BUPT.name, BUPT.read_bytes(),
                    division=EXTRACTS["bupt"][1])
    assert answer.status_code == 302
    status = status_of(site, answer.location, "admin")
    assert status["kind"] == "import_osm" and status["status"] == "done", status
    counts = read_extract("bupt").counts()
    kinds = {k["kind"]: k for k in status["kinds"]["kinds"]}
    assert {kind: (k["done"], k["total"]) for kind, k in kinds.items()} == {
        kind: (n, n) for kind, n in counts.items()}
    with site.app.app_context():
        db = get_session()
        assert db.scalar(select(func.count()).select_from(Building)) - buildings == kinds[
            "building"]["created"] > 0
        actors = set(db.scalars(select(AuditEntry.actor).where(AuditEntry.action == "import")))
    assert "admin" in actors  # audited as the admin who uploaded it
    page = office.get(answer.location).get_data(as_text=True)
    assert "后台任务：OSM 数据导入" in page and "楼栋" in page and "已完成" in page


def _clipped() -> bytes:
    """A real extract cut off after its first bzip2 block (900 kB of XML), so that its
    head reads well and only unpacking it all finds the cut."""
    data = (OSM_DIR / EXTRACTS["qinghuadonglu"][0]).read_bytes()
    return data[:len(data) * 3 // 4]


def _bomb() -> bytes:
    head = b"<?xml version='1.0'?><osm version='0.6'>"
    return bz2.compress(head + b" " * (MAX_EXPANSION * 200_000))


@pytest.mark.parametrize(("make", "message"), [
    (_clipped, "不完整或已损坏"), (_bomb, f"解压后超过原文件的 {MAX_EXPANSION} 倍")])
def test_a_clipped_or_bomb_extract_fails_its_job_and_changes_nothing(site: Site, make: Any,
                                                                     message: str) -> None:
    office = login(site.app.test_client(), "admin")
    before = place_tables(site)
    answer = upload(office, "/office/editor/import-osm", "city.osm.bz2", make())
    status = status_of(site, answer.location, "admin")
    assert status["status"] == "failed" and message in status["error"], status
    assert "city.osm.bz2" in status["error"]
    assert message in office.get(answer.location).get_data(as_text=True)
    assert place_tables(site) == before


def test_a_real_celery_worker_imports_a_browser_upload(site: Site, tmp_path: Path,
                                                       queued_app: tuple[Flask, dict[str, str]]
                                                       ) -> None:
    app, env = queued_app
    office = login(app.test_client(), "editor")
    body, gate_id = exported_with_gate_changed(site, office)
    answer = upload(office, "/office/editor/import", "edited.geojson", json.dumps(body).encode())
    headers = site.accounts.headers("editor")
    job_url = f"/api/v1/jobs/{answer.location.rsplit('/', 1)[1]}"
    assert app.test_client().get(job_url, headers=headers).get_json()["status"] == "queued"
    with app.app_context():
        assert get_session().get(Gate, gate_id).rider_access != "pass"  # nothing ran here
    status, output = run_worker(app, env, tmp_path / "worker.log", lambda: app.test_client().get(
        job_url, headers=headers).get_json())
    assert status.get("status") == "done", (status, output[-3000:])
    assert "Task youlu.run_job[" in output and "succeeded" in output  # the worker ran it
    gates = next(k for k in status["kinds"]["kinds"] if k["kind"] == "gate")
    assert gates["updated"] == 1 and gates["done"] == gates["total"] > 0
    with app.app_context():
        assert get_session().get(Gate, gate_id).rider_access == "pass"
    page = office.get(answer.location).get_data(as_text=True)
    assert 'data-status="done"' in page and 'id="job-back"' in page
