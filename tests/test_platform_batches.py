"""POST /api/v1/routes and /api/v1/matrix through HTTP on the imported Beijing extracts
(SQLite and PostGIS): orders by id, code and address text, the matrix against single
routes, and bad input (501 orders, unknown destinations, a start off the map, no token)
refused with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.models import AuditEntry, Unit
from tests.support.accounts import Accounts, make_accounts
from tests.support.routing import NOON

BUPT_START = "116.3512,39.9600"
UNIT_OSM_ID = 12754262374


@pytest.fixture
def platform_app(writable_imported_app: Flask, routing_cache: Path) -> Flask:
    writable_imported_app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    return writable_imported_app


@pytest.fixture
def platform(platform_app: Flask) -> Accounts:
    return make_accounts(platform_app)


def _unit(app: Flask) -> tuple[int, str]:
    with app.app_context():
        unit = get_session().scalar(select(Unit).where(Unit.osm_id == UNIT_OSM_ID))
        return unit.id, unit.code


def test_routes_by_id_and_code_match_the_single_route(platform_app: Flask,
                                                      platform: Accounts) -> None:
    client = platform_app.test_client()
    unit, code = _unit(platform_app)
    body = {"orders": [{"from": BUPT_START, "to": f"unit:{unit}", "at": NOON},
                       {"from": [116.3512, 39.9600], "to": code, "at": NOON}]}
    response = client.post("/api/v1/routes", json=body, headers=platform.headers("platform"))
    assert response.status_code == 200, response.get_json()
    answers = response.get_json()["routes"]
    single = client.get(f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NOON}").get_json()
    for answer in answers:
        assert answer["status"] == "ok"
        assert answer["door"]["id"] == unit and answer["gate"]["id"] == single["gate"]["id"]
        assert answer["duration_s"] == single["duration_s"]
        assert answer["modes"]["park"]["duration_s"] > 0
        assert [leg["mode"] for leg in answer["legs"]] == [leg["mode"] for leg in single["legs"]]


def test_matrix_against_single_routes(platform_app: Flask, platform: Accounts) -> None:
    client = platform_app.test_client()
    unit, code = _unit(platform_app)
    origins = [BUPT_START, "116.3560,39.9640"]
    response = client.post("/api/v1/matrix", json={
        "origins": origins, "destinations": [f"unit:{unit}", code], "at": NOON},
        headers=platform.headers("platform"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    for i, origin in enumerate(origins):
        single = client.get(f"/api/v1/route?from={origin}&to=unit:{unit}&at={NOON}").get_json()
        assert body["durations"][i] == [pytest.approx(single["duration_s"], abs=0.3)] * 2
        assert body["distances"][i][0] == pytest.approx(single["distance_m"], abs=0.5)
    assert body["doors"][0] == [f"unit:{unit}", f"unit:{unit}"]
    assert body["at"].startswith("2025-05-01T12:00") and body["at"].endswith("+08:00")


def _audit_count(app: Flask) -> int:
    with app.app_context():
        return len(get_session().scalars(select(AuditEntry.id)).all())


@pytest.mark.parametrize(("path", "body", "status", "message"), [
    ("/api/v1/routes", {"orders": [{"from": BUPT_START, "to": "unit:1"}] * 501}, 413,
     "orders 最多 500 个，收到 501 个"),
    ("/api/v1/routes", {"orders": [{"from": BUPT_START, "to": "110108999999-9999-99"}]}, 400,
     "第 1 个订单有误"),
    ("/api/v1/routes", {"orders": [{"from": "116.0", "to": "unit:1"}]}, 400, "第 1 个订单有误"),
    ("/api/v1/routes", {"orders": []}, 400, "非空数组 orders"),
    ("/api/v1/routes", {"orders": [{"from": BUPT_START, "to": "unit:1", "at": "昨天"}]}, 400,
     "格式不对"),
    ("/api/v1/matrix", {"origins": [BUPT_START], "destinations": ["不存在的小区9号楼"]}, 400,
     "第 1 个终点有误"),
    ("/api/v1/matrix", {"origins": ["x"], "destinations": ["unit:1"]}, 400, "第 1 个起点有误"),
])
def test_bad_batches(platform_app: Flask, platform: Accounts, path: str, body: dict,
                     status: int, message: str) -> None:
    before = _audit_count(platform_app)
    response = platform_app.test_client().post(path, json=body,
                                               headers=platform.headers("platform"))
    assert response.status_code == status, response.get_json()
    error = response.get_json()
    assert message in error["message"] and error["message_en"]
    assert _audit_count(platform_app) == before


def test_batches_need_a_token(platform_app: Flask) -> None:
    response = platform_app.test_client().post("/api/v1/routes", json={"orders": []})
    assert response.status_code == 401


def test_a_closed_door_gets_a_signed_statement(platform_app: Flask, platform: Accounts) -> None:
    from app.models import Gate
    from app.plates.keys import init_keys, keys_dir
    from geo.platforms.statements import verify

    unit, _code = _unit(platform_app)
    with platform_app.app_context():
        session = get_session()
        init_keys(session, keys_dir())
        community = session.get(Unit, unit).community_id
        for gate in session.scalars(select(Gate).where(Gate.community_id == community)):
            gate.rider_access = "closed"
        session.commit()
    client = platform_app.test_client()
    response = client.post("/api/v1/routes", json={"orders": [
        {"from": BUPT_START, "to": f"unit:{unit}", "at": NOON}]},
        headers=platform.headers("platform"))
    answer = response.get_json()["routes"][0]
    assert answer["status"] == "no_route" and answer["details"]["reason"] == "no_usable_gate"
    statement = answer["statement"]
    assert statement["door"]["id"] == unit and statement["reason"] == "no_usable_gate"
    assert statement["at"].startswith("2025-05-01T12:00:00+08:00")
    keys = client.get("/.well-known/youlu-keys.json").get_json()["keys"]
    public = next(k["x"] for k in keys if k["kid"] == statement["kid"])
    assert verify(statement, public)
    assert not verify({**statement, "at": "2025-05-01T13:00:00+08:00"}, public)
