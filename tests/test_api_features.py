"""The GeoJSON feature API through real HTTP (Flask test client) on SQLite and PostGIS."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import shapely
from flask import Flask
from sqlalchemy import select

from app.db import get_engine, get_session
from app.models import ApiToken, AuditEntry
from app.models.base import utcnow
from geo.geometry.coords import wgs84_to_gcj02
from tests.support.accounts import Accounts, make_accounts
from tests.support.dbdump import dump_database

# A compound near 清华东路 in 学院路街道 (the editor's office serves 110108010).
SQUARE = [[116.3500, 40.0000], [116.3520, 40.0000], [116.3520, 40.0015],
          [116.3500, 40.0015], [116.3500, 40.0000]]


def feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def make_community(client, accounts: Accounts, **props: Any) -> dict[str, Any]:
    body = feature(polygon(SQUARE), **{"name": "测试小区", "division_code": "110108010001", **props})
    response = client.post("/api/v1/communities", json=body, headers=accounts.headers("editor"))
    assert response.status_code == 201, response.json
    return response.json


def test_create_read_update_delete(client, accounts: Accounts) -> None:
    created = make_community(client, accounts)
    cid = created["id"]
    assert created["properties"]["name"] == "测试小区"
    assert created["properties"]["version"] == 1
    gate = client.post("/api/v1/gates", json=feature(
        point(116.3510, 40.0000), community=cid, name="南门", number="1", rider_access="open",
        opening_hours="Mo-Su 06:00-22:00"), headers=accounts.headers("editor"))
    assert gate.status_code == 201, gate.json
    assert gate.json["properties"]["community"] == cid
    read = client.get(f"/api/v1/gates/{gate.json['id']}")
    assert read.json["geometry"]["coordinates"] == [116.351, 40.0]
    assert read.headers["ETag"] == '"1"'
    changed = client.patch(f"/api/v1/gates/{gate.json['id']}", json=feature(
        None, version=1, rider_access="pass"), headers=accounts.headers("editor"))
    assert changed.status_code == 200, changed.json
    assert changed.json["properties"]["rider_access"] == "pass"
    assert changed.json["properties"]["name"] == "南门"
    assert changed.json["properties"]["version"] == 2
    gone = client.delete(f"/api/v1/gates/{gate.json['id']}", headers=accounts.headers("editor"))
    assert gone.status_code == 204
    assert client.get(f"/api/v1/gates/{gate.json['id']}").status_code == 404


def test_every_resource_round_trips(client, accounts: Accounts) -> None:
    cid = make_community(client, accounts)["id"]
    building = client.post("/api/v1/buildings", json=feature(polygon(
        [[116.3505, 40.0005], [116.3510, 40.0005], [116.3510, 40.0008], [116.3505, 40.0008],
         [116.3505, 40.0005]]), community=cid, name="3号楼", number="3", floors=6),
        headers=accounts.headers("editor"))
    assert building.status_code == 201, building.json
    unit = client.post("/api/v1/units", json=feature(point(116.3507, 40.0005),
                       building=building.json["id"], number="2", elevator=True),
                       headers=accounts.headers("editor"))
    assert unit.status_code == 201, unit.json
    assert unit.json["properties"]["community"] == cid
    path = client.post("/api/v1/paths", json=feature(
        {"type": "LineString", "coordinates": [[116.3510, 40.0000], [116.3507, 40.0005]]},
        community=cid, mode="foot"), headers=accounts.headers("editor"))
    assert path.status_code == 201, path.json
    charger = client.post("/api/v1/facilities", json=feature(
        point(116.3512, 40.0002), community=cid, kind="charger", charger_type="swap",
        rider_priority_slots=4, opening_hours="24/7"), headers=accounts.headers("editor"))
    assert charger.status_code == 201, charger.json
    listed = client.get(f"/api/v1/facilities?community={cid}&kind=charger").json
    assert [f["id"] for f in listed["features"]] == [charger.json["id"]]


def test_gcj02_input_is_converted(client, accounts: Accounts) -> None:
    ring = [list(wgs84_to_gcj02(lon, lat)) for lon, lat in SQUARE]
    body = feature(polygon(ring), name="火星坐标小区", division_code="110108010")
    response = client.post("/api/v1/communities?crs=gcj02", json=body,
                           headers=accounts.headers("editor"))
    assert response.status_code == 201, response.json
    stored = shapely.geometry.shape(response.json["geometry"])
    assert stored.symmetric_difference(shapely.geometry.Polygon(SQUARE)).area < 1e-10


def test_list_bbox_and_paging(imported_app: Flask) -> None:
    client = imported_app.test_client()
    everything = client.get("/api/v1/buildings?limit=1000").json
    bbox = (116.3480, 40.0050, 116.3540, 40.0110)
    inside = client.get("/api/v1/buildings?bbox={},{},{},{}&limit=1000".format(*bbox)).json
    box = shapely.box(*bbox)
    expected = {f["id"] for f in everything["features"]
                if shapely.geometry.shape(f["geometry"]).intersects(box)}
    assert {f["id"] for f in inside["features"]} == expected
    assert inside["numberMatched"] == len(expected) > 5
    page = client.get("/api/v1/buildings?bbox={},{},{},{}&limit=5".format(*bbox)).json
    assert page["numberReturned"] == 5 and page["links"][0]["rel"] == "next"
    follow = client.get(page["links"][0]["href"]).json
    assert {f["id"] for f in follow["features"]}.isdisjoint({f["id"] for f in page["features"]})


def test_placeholder_names_are_readable(imported_app: Flask) -> None:
    body = imported_app.test_client().get("/api/v1/communities?limit=100").json
    placeholders = [f["properties"]["name"] for f in body["features"]
                    if f["properties"]["name_is_placeholder"]]
    assert placeholders and all(name.startswith("未命名小区（") for name in placeholders)


BAD_WRITES = [
    ("self-intersecting polygon", "communities", lambda cid: feature(polygon(
        [[116.35, 40.0], [116.36, 40.01], [116.36, 40.0], [116.35, 40.01], [116.35, 40.0]]),
        name="坏小区"), 400, "自相交，位置 (116.355000, 40.005000)"),
    ("swapped lon/lat", "communities", lambda cid: feature(polygon(
        [[lat, lon] for lon, lat in SQUARE]), name="反了"), 400, "经纬度似乎写反了"),
    ("outside China", "gates", lambda cid: feature(point(2.35, 48.85), community=cid), 400,
     "不在中国境内"),
    ("gate far from boundary", "gates", lambda cid: feature(point(116.3510, 40.0060),
                                                               community=cid), 400, "出入口离小区"),
    ("unknown division", "communities", lambda cid: feature(polygon(SQUARE), name="x",
                                                              division_code="110108999001"),
     400, "不在国家统计用区划代码中"),
    ("wrong type", "buildings", lambda cid: feature(polygon(SQUARE), community=cid, floors="六"),
     400, "属性“floors”：应为整数"),
    ("unknown property", "gates", lambda cid: feature(point(116.3510, 40.0), community=cid,
                                                         colour="red"), 400, "未知字段"),
    ("bad opening hours", "gates", lambda cid: feature(point(116.3510, 40.0), community=cid,
                                                          opening_hours="每天早上"), 400, "opening_hours"),
    ("wrong geometry type", "units", lambda cid: feature(polygon(SQUARE), building=1), 400,
     "几何类型应为 Point"),
    ("missing geometry", "facilities", lambda cid: feature(None, kind="toilet"), 400, "缺少几何"),
    ("not a feature", "facilities", lambda cid: {"kind": "toilet"}, 400, "GeoJSON Feature"),
    ("unknown community", "gates", lambda cid: feature(point(116.3510, 40.0), community=99999),
     400, "小区 99999 不存在"),
]


@pytest.mark.parametrize(("label", "resource", "make", "status", "message"), BAD_WRITES,
                         ids=[case[0] for case in BAD_WRITES])
def test_bad_writes_are_refused_and_change_nothing(app: Flask, label: str, resource: str, make,
                                                  status: int, message: str) -> None:
    client = app.test_client()
    accounts = make_accounts(app)
    cid = make_community(client, accounts)["id"]
    with app.app_context():
        before = dump_database(get_engine())
    response = client.post(f"/api/v1/{resource}", json=make(cid), headers=accounts.headers("editor"))
    assert response.status_code == status, response.json
    assert message in response.json["message"], response.json
    assert response.json["message_en"]
    with app.app_context():
        assert dump_database(get_engine()) == before


@pytest.mark.parametrize(("body", "headers", "message"), [
    (b"{not json", {"Content-Type": "application/json"}, "请求体不是有效的 JSON"),
    (b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"},
     "请求体的 JSON 嵌套太深：最多 64 层"),
    (b'{"type": "Feature", "properties": {"floors": NaN}}', {"Content-Type": "application/json"},
     "请求体不是有效的 JSON"),
    (b'{"type": "Feature"}', {"Content-Type": "text/plain"}, "请求体应为 JSON"),
    (b"x" * (21 * 1024 * 1024), {"Content-Type": "application/json"}, "上传内容过大"),
])
def test_bad_bodies(app: Flask, body: bytes, headers: dict[str, str], message: str) -> None:
    client = app.test_client()
    accounts = make_accounts(app)
    with app.app_context():
        before = dump_database(get_engine())
    response = client.post("/api/v1/communities", data=body,
                           headers={**headers, **accounts.headers("editor")})
    assert response.status_code in (400, 413)
    assert message in response.json["message"]
    with app.app_context():
        assert dump_database(get_engine()) == before


@pytest.mark.parametrize(("query", "message"), [
    ("bbox=40.0,116.34,40.01,116.36", "写反"),
    ("bbox=116.36,40.0,116.34,40.01", "西<东"),
    ("bbox=1,2,3", "四个数"),
    ("limit=0", "之间"),
    ("community=abc", "整数"),
    ("bbox=nan,39.9,116.4,40.0", "有限的数"),
    ("bbox=116.3,39.9,inf,40.0", "有限的数"),
    ("bbox=-infinity,39.9,116.4,40.0", "有限的数"),
    ("bbox=0,0,10,10", "不在中国境内"),
    ("bbox=100,-100,110,40", "超出"),
])
def test_bad_list_queries(client, query: str, message: str) -> None:
    response = client.get(f"/api/v1/gates?{query}")
    assert response.status_code == 400
    assert message in response.json["message"]
    strict = json.loads(response.get_data(as_text=True),  # no NaN or Infinity: strict JSON
                        parse_constant=lambda name: pytest.fail(f"{name} in the body"))
    assert strict["message_en"]


@pytest.mark.parametrize("bbox", ["70,0,140,60", "116.3,39.9,140,60", "-180,-90,180,90"])
def test_a_box_covering_china_with_corners_outside_is_accepted(client, bbox: str) -> None:
    response = client.get(f"/api/v1/gates?bbox={bbox}")
    assert response.status_code == 200, response.json


def test_stale_write_gets_409(client, accounts: Accounts) -> None:
    cid = make_community(client, accounts)["id"]
    first = client.patch(f"/api/v1/communities/{cid}", json=feature(None, version=1, name="新名字"),
                         headers=accounts.headers("editor"))
    assert first.status_code == 200
    second = client.patch(f"/api/v1/communities/{cid}", json=feature(None, version=1, name="旧名字"),
                          headers=accounts.headers("admin"))
    assert second.status_code == 409
    assert second.json["details"]["current_version"] == 2
    assert client.get(f"/api/v1/communities/{cid}").json["properties"]["name"] == "新名字"
    missing = client.patch(f"/api/v1/communities/{cid}", json=feature(None, name="x"),
                           headers=accounts.headers("editor"))
    assert missing.status_code == 400 and "版本" in missing.json["message"]
    by_header = client.patch(f"/api/v1/communities/{cid}", json=feature(None, name="头部版本"),
                             headers={**accounts.headers("editor"), "If-Match": '"2"'})
    assert by_header.status_code == 200


def _refused(app: Flask, send, status: int, message: str) -> None:
    """``send()`` is answered ``status`` with the JSON ``message`` and changes no row."""
    with app.app_context():
        before = dump_database(get_engine())
    response = send()
    assert response.status_code == status, response.get_json()
    assert response.is_json and message in response.json["message"], response.get_json()
    with app.app_context():
        assert dump_database(get_engine()) == before


def test_scope_and_tokens(app: Flask, client, accounts: Accounts) -> None:
    cid = make_community(client, accounts)["id"]
    url = f"/api/v1/communities/{cid}"
    body = feature(None, version=1, name="越权")
    for who, status, message in (("other_editor", 403, "无权修改"), ("platform", 403, "只能读取"),
                                 (None, 401, "请先登录"), ("forged", 401, "API 令牌无效")):
        headers = ({"Authorization": "Bearer forged"} if who == "forged"
                   else accounts.headers(who) if who else {})
        _refused(app, lambda h=headers: client.patch(url, json=body, headers=h), status, message)
    assert client.get(url).json["properties"]["name"] == "测试小区"
    elsewhere = feature(polygon(SQUARE), name="别的街道", division_code="110108015001")
    _refused(app, lambda: client.post("/api/v1/communities", json=elsewhere,
                                      headers=accounts.headers("editor")), 403, "无权修改")
    assert client.post("/api/v1/communities", json=elsewhere,
                       headers=accounts.headers("other_editor")).status_code == 201
    gate = feature(point(116.3510, 40.0), community=cid)
    _refused(app, lambda: client.post("/api/v1/gates", json=gate,
                                      headers=accounts.headers("other_editor")), 403, "无权修改")
    assert client.get(url, headers=accounts.headers("platform")).status_code == 200


def test_scope_on_delete_and_revert(app: Flask, client, accounts: Accounts) -> None:
    """Another street's editor and a platform token can neither delete a compound nor put an
    old version back; the compound's own editor can."""
    cid = make_community(client, accounts)["id"]
    url = f"/api/v1/communities/{cid}"
    renamed = client.patch(url, json=feature(None, version=1, name="新名字"),
                           headers=accounts.headers("editor"))
    assert renamed.status_code == 200
    with app.app_context():
        created = get_session().scalar(select(AuditEntry.id).where(
            AuditEntry.table_name == "communities", AuditEntry.feature_id == cid,
            AuditEntry.action == "create"))
    revert = {"entry": created, "version": 2}
    for who, message in (("other_editor", "无权修改"), ("platform", "只能读取")):
        headers = accounts.headers(who)
        _refused(app, lambda h=headers: client.delete(url, headers=h), 403, message)
        _refused(app, lambda h=headers: client.post(f"{url}/revert", json=revert, headers=h),
                 403, message)
    reverted = client.post(f"{url}/revert", json=revert, headers=accounts.headers("editor"))
    assert reverted.status_code == 200 and reverted.json["properties"]["name"] == "测试小区"
    gone = client.delete(url, headers={**accounts.headers("editor"), "If-Match": '"3"'})
    assert gone.status_code == 204
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("state", "message"), [("revoked", "API 令牌已吊销"),
                                                 ("expired", "API 令牌已过期")])
def test_revoked_and_expired_tokens_are_refused(app: Flask, client, accounts: Accounts,
                                                runner, state: str, message: str) -> None:
    """The editor's own token, revoked (``revoke-token``) or past its ``--days``, writes
    nothing: every write is answered 401 with the reason; reads with it are refused too."""
    cid = make_community(client, accounts)["id"]
    url = f"/api/v1/communities/{cid}"
    issued = runner.invoke(args=["create-token", "short", "--scope", "write", "--user", "editor",
                                 "--days", "1"])
    assert issued.exit_code == 0, issued.output
    secret = issued.output.strip()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.patch(url, json=feature(None, version=1, name="有效期内"),
                        headers=headers).status_code == 200
    if state == "revoked":
        revoked = runner.invoke(args=["revoke-token", secret[:10]])
        assert revoked.exit_code == 0, revoked.output
    else:
        with app.app_context():
            db = get_session()
            token = db.scalar(select(ApiToken).where(ApiToken.prefix == secret[:10]))
            assert token.expires_at - utcnow() > timedelta(hours=23)
            token.expires_at = utcnow() - timedelta(seconds=1)
            db.commit()
    body = feature(None, version=2, name="过期令牌")
    _refused(app, lambda: client.patch(url, json=body, headers=headers), 401, message)
    _refused(app, lambda: client.delete(url, headers={**headers, "If-Match": '"2"'}), 401, message)
    _refused(app, lambda: client.post("/api/v1/gates", json=feature(point(116.3510, 40.0),
                                                                    community=cid),
                                      headers=headers), 401, message)
    _refused(app, lambda: client.get(url, headers=headers), 401, message)
    assert client.get(url).json["properties"]["name"] == "有效期内"


def test_writes_are_audited(app: Flask, client, accounts: Accounts) -> None:
    cid = make_community(client, accounts)["id"]
    client.patch(f"/api/v1/communities/{cid}", json=feature(None, version=1, ebikes_allowed=False),
                 headers=accounts.headers("editor"))
    with app.app_context():
        entries = get_session().scalars(select(AuditEntry).where(
            AuditEntry.feature_id == cid, AuditEntry.table_name == "communities")
            .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].actor == "editor"
    assert entries[1].before["properties"]["ebikes_allowed"] is True
    assert entries[1].after["properties"]["ebikes_allowed"] is False


def test_openapi_documents_the_resources(client) -> None:
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    for resource in ("communities", "gates", "buildings", "units", "paths", "facilities"):
        assert f"/api/v1/{resource}" in doc["paths"]
        assert f"/api/v1/{resource}/{{id}}" in doc["paths"]
    assert "rider_access" in doc["components"]["schemas"]["GateProps"]["properties"]
