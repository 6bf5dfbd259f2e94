"""The office editor's pages and API (app.places.editor_views, app.places.editor_api, app.places.history)
through real HTTP, on SQLite and PostGIS."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import Point, box, mapping
from sqlalchemy import select

from app.db import get_engine, get_session
from app.models import AuditEntry, Building, Community, Gate, Unit, User
from tests.support.accounts import Accounts, make_accounts
from tests.support.dbdump import dump_database

CENTRE = (116.3306, 39.9946)


def _login(app: Flask, username: str) -> FlaskClient:
    """A client with ``username``'s office session (the log-in form is tested elsewhere)."""
    client = app.test_client()
    with app.app_context():
        user_id = get_session().scalar(select(User.id).where(User.username == username))
    with client.session_transaction() as session:
        session["user_id"] = user_id
        session["session_version"] = 0  # a user who never logged out
    return client


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    match = re.search(r'(?:name="csrf-token" content|name="csrf_token" value)="([^"]+)"', page.text)
    assert match
    return match.group(1)


def _feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


@pytest.fixture
def compound(app: Flask, accounts: Accounts) -> dict[str, Any]:
    """A compound in the editor's street with one gate and one building, via the API."""
    client = app.test_client()
    lon, lat = CENTRE
    area = box(lon - 0.001, lat - 0.0007, lon + 0.001, lat + 0.0007)
    headers = accounts.headers("editor")
    community = client.post("/api/v1/communities", headers=headers, json=_feature(
        area, name="编辑测试苑", division_code="110108010")).get_json()
    gate = client.post("/api/v1/gates", headers=headers, json=_feature(
        Point(lon, lat - 0.0007), community=community["id"], name="南门", number="1")).get_json()
    building = client.post("/api/v1/buildings", headers=headers, json=_feature(
        box(lon - 0.0002, lat - 0.0001, lon + 0.0002, lat + 0.0001), community=community["id"],
        number="3")).get_json()
    return {"community": community, "gate": gate, "building": building, "headers": headers}


def test_editor_pages_need_an_office_login(client: FlaskClient) -> None:
    for path in ("/office/editor", "/office/editor/new", "/office/editor/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/office/login" in response.location


def test_index_shows_the_scope_and_only_compounds_in_it(writable_imported_app: Flask) -> None:
    make_accounts(writable_imported_app)
    page = _login(writable_imported_app, "editor").get("/office/editor").text
    assert "110108010" in page and "北京市海淀区" in page
    assert "双泉嘉苑" in page          # qinghuadonglu, street 110108010
    assert "华清嘉园" not in page      # wudaokou, street 110108014
    admin = _login(writable_imported_app, "admin").get("/office/editor").text
    assert "可以编辑所有小区" in admin and "华清嘉园" in admin


def test_map_page_carries_the_token_and_the_compound(app: Flask, compound: dict[str, Any]) -> None:
    client = _login(app, "editor")
    page = client.get(f"/office/editor/{compound['community']['id']}").text
    assert '<meta name="csrf-token"' in page
    config = json.loads(re.search(
        r'<script type="application/json" id="editor-config">(.*?)</script>', page, re.S).group(1))
    assert config["community"] == compound["community"]["id"]
    assert config["divisions"] == [{"code": "110108010", "name": "北京市海淀区学院路街道"}]
    assert "vendor/leaflet-geoman-free-2.20.2/leaflet-geoman.min.js" in page
    assert "无权修改" not in page
    outsider = _login(app, "other").get(f"/office/editor/{compound['community']['id']}").text
    assert "本账号无权修改这个小区" in outsider


def test_session_writes_need_the_csrf_token(app: Flask, compound: dict[str, Any]) -> None:
    client = _login(app, "editor")
    body = _feature(Point(*CENTRE), community=compound["community"]["id"], kind="toilet")
    with app.app_context():
        before = dump_database(get_engine())
    refused = client.post("/api/v1/facilities", json=body)
    assert refused.status_code == 400
    with app.app_context():
        assert dump_database(get_engine()) == before
    token = _csrf(client, f"/office/editor/{compound['community']['id']}")
    created = client.post("/api/v1/facilities", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_json()


@pytest.mark.parametrize("who", ["session", "token"])
def test_write_outside_the_scope_is_refused(app: Flask, accounts: Accounts,
                                            compound: dict[str, Any], who: str) -> None:
    gate = compound["gate"]
    body = {"type": "Feature", "properties": {"name": "别人改的", "version": 1}}
    with app.app_context():
        before = dump_database(get_engine())
    if who == "token":
        response = app.test_client().patch(f"/api/v1/gates/{gate['id']}", json=body,
                                           headers=accounts.headers("other_editor"))
    else:
        client = _login(app, "other")
        token = _csrf(client, f"/office/editor/{compound['community']['id']}")
        response = client.patch(f"/api/v1/gates/{gate['id']}", json=body,
                                headers={"X-CSRFToken": token})
    assert response.status_code == 403
    assert "无权修改" in response.get_json()["message"]
    with app.app_context():
        assert dump_database(get_engine()) == before


def test_history_and_revert(app: Flask, compound: dict[str, Any]) -> None:
    client = app.test_client()
    headers = compound["headers"]
    gate_id = compound["gate"]["id"]
    for version, hours in ((1, "Mo-Su 06:00-22:00"), (2, "Mo-Fr 07:00-20:00")):
        response = client.patch(f"/api/v1/gates/{gate_id}", headers=headers, json={
            "type": "Feature", "properties": {"opening_hours": hours, "version": version}})
        assert response.status_code == 200
    history = client.get(f"/api/v1/gates/{gate_id}/history", headers=headers).get_json()
    entries = history["entries"]
    assert [e["action"] for e in entries] == ["update", "update", "create"]
    assert entries[0]["after"]["properties"]["opening_hours"] == "Mo-Fr 07:00-20:00"
    assert entries[0]["before"]["properties"]["opening_hours"] == "Mo-Su 06:00-22:00"

    first = entries[-1]["id"]
    stale = client.post(f"/api/v1/gates/{gate_id}/revert", headers=headers,
                        json={"entry": first, "version": 2})
    assert stale.status_code == 409
    reverted = client.post(f"/api/v1/gates/{gate_id}/revert", headers=headers,
                           json={"entry": first, "version": 3})
    assert reverted.status_code == 200
    props = reverted.get_json()["properties"]
    assert (props["opening_hours"], props["name"], props["version"]) == (None, "南门", 4)
    with app.app_context():
        last = get_session().scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.action, last.table_name, last.feature_id) == ("revert", "gates", gate_id)
        assert f"#{first}" in last.note

    wrong = client.post(f"/api/v1/buildings/{compound['building']['id']}/revert",
                        headers=headers, json={"entry": first, "version": 1})
    assert wrong.status_code == 404
    assert client.get(f"/api/v1/gates/{gate_id}/history").status_code == 401


def test_a_deleted_building_is_listed_and_restored(app: Flask, compound: dict[str, Any]) -> None:
    client = app.test_client()
    headers = compound["headers"]
    building = compound["building"]
    assert client.delete(f"/api/v1/buildings/{building['id']}?version=1",
                         headers=headers).status_code == 204
    deleted = client.get(f"/api/v1/communities/{compound['community']['id']}/deleted",
                         headers=headers).get_json()["entries"]
    [entry] = deleted
    assert (entry["table"], entry["feature_id"]) == ("buildings", building["id"])
    restored = client.post(f"/api/v1/buildings/{building['id']}/revert", headers=headers,
                           json={"entry": entry["id"]})
    assert restored.status_code == 201
    again = restored.get_json()
    assert again["properties"]["number"] == "3"
    assert again["properties"]["uid"] == building["properties"]["uid"]  # the same feature
    assert again["geometry"] == building["geometry"]
    with app.app_context():
        assert get_session().get(Building, again["id"]).community_id == compound["community"]["id"]


def test_checks_follow_the_edits(app: Flask, compound: dict[str, Any]) -> None:
    client = app.test_client()
    url = f"/api/v1/communities/{compound['community']['id']}/checks"
    kinds = {f["kind"] for f in client.get(url).get_json()["findings"]}
    assert kinds == {"building_without_unit"}
    lon, lat = CENTRE
    client.patch(f"/api/v1/gates/{compound['gate']['id']}", headers=compound["headers"], json={
        "type": "Feature", "geometry": mapping(Point(lon, lat - 0.0007 + 0.0002)),
        "properties": {"opening_hours": "Mo-Su 06:00-22:00", "version": 1}})
    findings = client.get(url).get_json()["findings"]
    by_kind = {f["kind"]: f for f in findings}
    assert "22 米" in by_kind["gate_off_boundary"]["message"]
    assert by_kind["gate_off_boundary"]["feature_id"] == compound["gate"]["id"]
    assert "每天夜里 23:30" in by_kind["no_gate_at_night"]["message"]


@pytest.mark.parametrize(("value", "status", "text"), [
    ("Mo-Su 06:00-22:00", 200, "每天 06:00–22:00"),
    ("Mo-Fr 08:00-18:00; Sa,Su off", 200, "周一至周五 08:00–18:00；周六、周日 关闭"),
    ("每天6点到22点", 200, "每天 06:00–22:00"),
    ("每天六点", 400, "看不懂开放时间“每天六点”"),
])
def test_opening_hours_preview(client: FlaskClient, value: str, status: int, text: str) -> None:
    response = client.get("/api/v1/opening-hours", query_string={"value": value})
    body = response.get_json()
    assert response.status_code == status
    assert text in (body.get("text") or body.get("message"))


def test_hours_as_people_write_them_are_saved_in_osm_syntax(compound: dict[str, Any],
                                                             client: FlaskClient) -> None:
    preview = client.get("/api/v1/opening-hours", query_string={"value": "每天6点到22点"})
    assert preview.get_json()["osm"] == "Mo-Su 06:00-22:00"
    response = client.patch(f"/api/v1/gates/{compound['gate']['id']}", headers=compound["headers"],
                            json={"type": "Feature", "properties": {
                                "opening_hours": "工作日7:00-21:00，周末关闭", "version": 1}})
    assert response.status_code == 200
    assert response.get_json()["properties"]["opening_hours"] == "Mo-Fr 07:00-21:00; Sa,Su off"


def test_download_edit_and_upload_a_file(app: Flask, compound: dict[str, Any]) -> None:
    client = _login(app, "editor")
    community_id = compound["community"]["id"]
    download = client.get(f"/office/editor/{community_id}/export.geojson")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    body = json.loads(download.data)
    assert {f["properties"]["layer"] for f in body["features"]} == {
        "communities", "gates", "buildings"}
    gate = next(f for f in body["features"] if f["properties"]["layer"] == "gates")
    gate["properties"]["rider_access"] = "pass"
    token = _csrf(client, "/office/editor")
    response = client.post("/office/editor/import", data={
        "csrf_token": token,
        "file": (io.BytesIO(json.dumps(body).encode()), "edited.geojson")},
        content_type="multipart/form-data")
    assert response.status_code == 302 and "/office/jobs/" in response.location
    page = client.get(response.location).text  # the job ran in the process (no Redis)
    assert 'data-status="done"' in page and '<tr data-kind="gate">' in page
    with app.app_context():
        db = get_session()
        assert db.get(Gate, gate["id"]).rider_access == "pass"
        before = dump_database(get_engine())
    bad = client.post("/office/editor/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"{not json"), "bad.geojson")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "不是有效的 JSON" in bad.text
    with app.app_context():
        assert dump_database(get_engine()) == before
        assert get_session().get(Community, community_id).name == "编辑测试苑"


def test_upload_without_the_form_token_is_refused(app: Flask, compound: dict[str, Any]) -> None:
    """A good file (the compound's own export, one gate changed) without the form's token is
    refused for the token alone: the same file with the token is imported."""
    client = _login(app, "editor")
    body = json.loads(client.get(f"/office/editor/{compound['community']['id']}/export.geojson").data)
    gate = next(f for f in body["features"] if f["properties"]["layer"] == "gates")
    gate["properties"]["rider_access"] = "pass"
    data = json.dumps(body).encode()
    with app.app_context():
        before = dump_database(get_engine())
    response = client.post("/office/editor/import", data={
        "file": (io.BytesIO(data), "edited.geojson")}, content_type="multipart/form-data")
    assert response.status_code == 400 and "页面已过期" in response.text
    with app.app_context():
        assert dump_database(get_engine()) == before
    accepted = client.post("/office/editor/import", data={
        "csrf_token": _csrf(client, "/office/editor"),
        "file": (io.BytesIO(data), "edited.geojson")}, content_type="multipart/form-data")
    assert accepted.status_code == 302
    with app.app_context():
        assert get_session().get(Gate, gate["id"]).rider_access == "pass"


def test_an_edit_reaches_routing_without_a_restart(writable_imported_app: Flask,
                                                   routing_cache: Path) -> None:
    """Close the gate a route uses: the very next route goes round it and says why."""
    app = writable_imported_app
    app.config.update(ROUTING_CACHE_DIR=str(routing_cache))
    accounts = make_accounts(app, division="110108008")
    client = app.test_client()
    with app.app_context():
        unit = get_session().scalar(select(Unit).where(Unit.code == "110108008000-001-014-01"))
    query = {"from": "116.3520,39.9560", "to": f"unit:{unit.id}", "at": "2025-05-01T12:00"}
    first = client.get("/api/v1/route", query_string=query).get_json()
    used = first["gate"]["id"]
    gate = client.get(f"/api/v1/gates/{used}").get_json()
    closed = client.patch(f"/api/v1/gates/{used}", headers=accounts.headers("editor"), json={
        "type": "Feature", "properties": {"rider_access": "closed",
                                          "version": gate["properties"]["version"]}})
    assert closed.status_code == 200
    second = client.get("/api/v1/route", query_string=query).get_json()
    assert second["gate"]["id"] != used
    skipped = {g["id"]: [r["code"] for r in g["reasons"]] for g in second["gates_skipped"]}
    assert "closed_to_riders" in skipped[used]


def test_openapi_documents_the_editor_endpoints(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in [("/api/v1/opening-hours", "get"),
                         ("/api/v1/communities/{id}/checks", "get"),
                         ("/api/v1/communities/{id}/deleted", "get"),
                         ("/api/v1/{resource}/{id}/history", "get"),
                         ("/api/v1/{resource}/{id}/revert", "post")]:
        assert method in paths[path], path
