"""The planner's coverage and siting over HTTP on the imported extracts (SQLite and
PostGIS): times equal the routing network's own searches, a new facility is seen on the
next request, the best sites raise coverage, and bad input is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from flask import Flask

from app.db import get_session
from app.models import Facility
from app.routing.service import networks
from geo.hours.opening_hours import local_time
from geo.planning.coverage import kind_nodes, time_from_compound
from tests.support.routing import NOON

BUPT_STREET = "110108008"


@pytest.fixture
def writable_routed_app(writable_imported_app: Flask, routing_cache: Path) -> Flask:
    writable_imported_app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    return writable_imported_app


def _coverage(app: Flask, **args: str) -> dict:
    query = "&".join(f"{k}={v}" for k, v in {"at": NOON, **args}.items())
    response = app.test_client().get(f"/api/v1/planner/coverage?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_coverage_of_a_street_equals_per_compound_searches(routed_app: Flask) -> None:
    body = _coverage(routed_app, code=BUPT_STREET)
    rows = body["compounds"]
    assert rows and all(r["street"] == BUPT_STREET for r in rows)
    assert body["at"].startswith("2025-05-01T12:00:00+08:00")
    with routed_app.app_context():
        net = next(n for n in networks(get_session()) if rows[0]["id"] in n.snapshot.compound_index)
        snap = net.snapshot
        when = local_time(NOON)
        for kind in ("parking", "toilet"):
            nodes = kind_nodes(snap, kind, when)
            for row in rows:
                want = time_from_compound(snap, snap.compound_index[row["id"]], nodes, when=when)
                got = row["times"][kind]
                assert (got is None and want == float("inf")) or got == pytest.approx(want, abs=0.06)
    street = body["groups"]["street"][BUPT_STREET]
    assert street["name"] and street["units"] >= len(rows)
    shares = street["kinds"]["parking"]
    assert 0 <= shares["within_5"] <= shares["within_10"] <= shares["within_15"] <= 1


def test_a_new_facility_is_covered_on_the_next_request(writable_routed_app: Flask) -> None:
    app = writable_routed_app
    before = _coverage(app, code=BUPT_STREET)["compounds"]
    far = max(before, key=lambda r: r["times"]["locker"] or 1e9)
    with app.app_context():
        db = get_session()
        from app.models import Community
        community = db.get(Community, far["id"])
        point = community.geom.representative_point()
        db.add(Facility(kind="locker", name="测试快递柜", geom=shapely.Point(point.x, point.y),
                        community_id=community.id))
        db.commit()
    after = {r["id"]: r for r in _coverage(app, code=BUPT_STREET)["compounds"]}
    assert after[far["id"]]["times"]["locker"] is not None
    assert far["times"]["locker"] is None or after[far["id"]]["times"]["locker"] < far["times"]["locker"]


def test_siting_three_chargers_raises_coverage(routed_app: Flask) -> None:
    response = routed_app.test_client().post("/api/v1/planner/siting", json={
        "kind": "charger", "minutes": 3, "k": 3, "code": BUPT_STREET, "at": NOON})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["uncovered"] and 1 <= len(body["sites"]) <= 3
    assert body["share_after"] > body["share_before"]
    assert all(s["covers"] for s in body["sites"])
    for cid, t in body["after"].items():
        before = body["before"][cid]
        assert before is None or (t is not None and t <= before + 1e-6)


def test_siting_with_uploaded_candidates(routed_app: Flask) -> None:
    rows = _coverage(routed_app, code=BUPT_STREET)["compounds"]
    with routed_app.app_context():
        from app.models import Community
        db = get_session()
        points = [db.get(Community, r["id"]).geom.representative_point() for r in rows[:4]]
    assert len(points) >= 2
    candidates = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"党群服务中心{i}"},
         "geometry": {"type": "Point", "coordinates": [p.x, p.y]}} for i, p in enumerate(points)]}
    body = routed_app.test_client().post("/api/v1/planner/siting", json={
        "kind": "charger", "minutes": 3, "k": 1, "code": BUPT_STREET, "at": NOON,
        "candidates": candidates}).get_json()
    assert body["candidates"] == len(points) >= 2 and len(body["sites"]) == 1
    assert body["sites"][0]["candidate"] in range(len(points))


@pytest.mark.parametrize(("body", "message"), [
    ([1, 2], "JSON 对象"),
    ({"kind": "spaceport", "code": BUPT_STREET}, "设施类型"),
    ({"kind": "charger", "code": "1101"}, "6、9 或 12 位"),
    ({"kind": "charger", "level": "city", "code": BUPT_STREET}, "level 应为"),
    ({"kind": "charger", "k": "three", "code": BUPT_STREET}, "应为数字"),
    ({"kind": "charger", "k": 0, "code": BUPT_STREET}, "k 应在"),
    ({"kind": "charger", "code": BUPT_STREET, "candidates": {"type": "Feature"}}, "FeatureCollection"),
    ({"kind": "charger", "code": BUPT_STREET, "candidates": [[500, 1]]}, "坐标无效"),
    ({"kind": "charger", "code": "110108999"}, "没有小区"),
])
def test_bad_siting_requests_are_refused(routed_app: Flask, body, message) -> None:
    response = routed_app.test_client().post("/api/v1/planner/siting", json=body)
    assert response.status_code in (400, 404)
    error = response.get_json()
    assert message in error["message"] and error["message_en"]
