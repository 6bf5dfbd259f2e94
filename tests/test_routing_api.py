"""Routing through HTTP and the CLI on the imported Beijing extracts (SQLite and PostGIS):
routes by id, code and address, an office edit seen without a restart, nearest
facilities, isochrones, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.models import Building, Gate, Unit
from tests.support.routing import NIGHT, NOON

BUPT_START = "116.3512,39.9600"
NORTH_GATE_OSM_IDS = (5184435996, 12753716512)


@pytest.fixture
def writable_routed_app(writable_imported_app: Flask, routing_cache: Path) -> Flask:
    writable_imported_app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    return writable_imported_app


def _id_of(app: Flask, model, osm_id: int) -> int:
    with app.app_context():
        return get_session().scalar(select(model.id).where(model.osm_id == osm_id))


def test_route_to_a_unit_by_id(routed_app: Flask) -> None:
    unit = _id_of(routed_app, Unit, 12754262374)
    response = routed_app.test_client().get(
        f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NOON}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [leg["mode"] for leg in body["legs"]] == ["ride", "park"]
    gates = {_id_of(routed_app, Gate, osm) for osm in NORTH_GATE_OSM_IDS}
    assert body["gate"]["id"] in gates
    assert body["to"]["id"] == unit and body["to"]["kind"] == "unit"
    assert body["legs"][0]["geometry"]["type"] == "LineString"
    assert "进入" in body["instructions"] and body["instructions"].endswith("。")
    assert body["saved"]["against"] == "compound_centroid"


def test_route_to_a_building_without_doors_and_by_code(routed_app: Flask) -> None:
    with routed_app.app_context():
        building = get_session().scalar(select(Building).where(Building.osm_id == 167303925))
        code, building_id = building.code, building.id
    client = routed_app.test_client()
    by_id = client.get(f"/api/v1/route?from=116.3500,40.0010&to=building:{building_id}&at={NOON}")
    assert by_id.status_code == 200, by_id.get_json()
    assert by_id.get_json()["to"]["kind"] == "building"
    assert code, "building 167303925 was imported without a code"
    by_code = client.get(f"/api/v1/route?from=116.3500,40.0010&to={code}&at={NOON}")
    assert by_code.status_code == 200, by_code.get_json()
    assert by_code.get_json()["to"]["id"] == building_id
    assert by_code.get_json()["distance_m"] == by_id.get_json()["distance_m"]


def test_office_closes_gates_at_night_and_the_route_follows_without_restart(
        writable_routed_app: Flask) -> None:
    app = writable_routed_app
    unit = _id_of(app, Unit, 12754262374)
    client = app.test_client()
    url = f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NIGHT}"
    before = client.get(url).get_json()
    gates = {_id_of(app, Gate, osm) for osm in NORTH_GATE_OSM_IDS}
    assert before["gate"]["id"] in gates
    with app.app_context():
        db = get_session()
        for gate in db.scalars(select(Gate).where(Gate.id.in_(gates))):
            gate.opening_hours = "Mo-Su 06:00-22:00"
        db.commit()
    after = client.get(url).get_json()
    assert after["gate"]["id"] not in gates
    skipped = {g["id"]: g for g in after["gates_skipped"]}
    assert all(skipped[g]["next_open"] == "2025-05-02T06:00:00+08:00" for g in gates)
    state = app.extensions["youlu_routing"]
    bupt = next(n for n in state.networks if n.street.source.startswith("beijing_haidian_bupt"))
    assert len(bupt.rebuilt) == 1  # only that compound's layer


def test_no_route_answers_why(writable_routed_app: Flask) -> None:
    app = writable_routed_app
    unit = _id_of(app, Unit, 12754262374)
    with app.app_context():
        db = get_session()
        compound = db.get(Unit, unit).community_id
        for gate in db.scalars(select(Gate).where(Gate.community_id == compound)):
            gate.opening_hours = "Mo-Su 07:00-21:00"
        db.commit()
    response = app.test_client().get(f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NIGHT}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "no_route" and "07:00" in body["message"]
    assert body["details"]["next_open"] == "2025-05-02T07:00:00+08:00"


@pytest.mark.parametrize("query, status, message", [
    ("to=unit:1", 400, "from"),
    ("from=39.96,116.35&to=unit:1", 400, "写反"),
    ("from=abc&to=unit:1", 400, "经度,纬度"),
    (f"from={BUPT_START}&to=", 400, "to"),
    (f"from={BUPT_START}&to=unit:999999", 404, "单元"),
    (f"from={BUPT_START}&to=unit:1&at=yesterday", 400, "ISO 8601"),
    (f"from={BUPT_START}&to=unit:1&pass=maybe", 400, "pass"),
    ("from=121.47,31.23&to=unit:1", 400, None),
])
def test_bad_route_requests(routed_app: Flask, query: str, status: int, message: str | None) -> None:
    if "unit:1" in query:
        query = query.replace("unit:1", f"unit:{_id_of(routed_app, Unit, 12754262374)}")
    response = routed_app.test_client().get(f"/api/v1/route?{query}")
    body = response.get_json()
    assert response.status_code in ((status,) if message else (400, 404)), body
    assert body["message"] and body["message_en"]
    if message:
        assert message in body["message"]


def test_nearest_toilets_by_network(routed_app: Flask) -> None:
    client = routed_app.test_client()
    body = client.get("/api/v1/nearest?from=116.3200,40.0000&kind=toilet&k=3").get_json()
    assert 1 <= body["count"] <= 3
    times = [f["duration_s"] for f in body["facilities"]]
    assert times == sorted(times)
    assert all(f["kind"] == "toilet" for f in body["facilities"])
    bad = client.get("/api/v1/nearest?from=116.3200,40.0000&kind=sauna")
    assert bad.status_code == 400 and "设施类型" in bad.get_json()["message"]


def test_isochrones_grow_with_time(routed_app: Flask) -> None:
    client = routed_app.test_client()
    body = client.get("/api/v1/isochrone?from=116.3200,40.0000&minutes=5,10").get_json()
    areas = [f["properties"]["area_km2"] for f in body["features"]]
    assert body["type"] == "FeatureCollection" and len(areas) == 2
    assert 0 < areas[0] < areas[1]
    assert client.get("/api/v1/isochrone?from=116.3200,40.0000&minutes=90").status_code == 400
    assert client.get("/api/v1/isochrone?from=116.3200,40.0000&minutes=a").status_code == 400


def test_openapi_documents_routing(routed_app: Flask) -> None:
    paths = routed_app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/route", "/api/v1/nearest", "/api/v1/isochrone"} <= set(paths)


def test_cli_route_json_and_text(routed_app: Flask) -> None:
    unit = _id_of(routed_app, Unit, 12754262374)
    runner = routed_app.test_cli_runner()
    result = runner.invoke(args=["route", "--from", BUPT_START, "--to", f"unit:{unit}",
                                 "--at", NOON, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output.strip().splitlines()[-1])
    assert body["legs"][0]["mode"] == "ride"
    text = runner.invoke(args=["route", "--from", BUPT_START, "--to", f"unit:{unit}", "--at", NOON])
    assert text.exit_code == 0 and "[ride]" in text.output and "到达" in text.output
    bad = runner.invoke(args=["route", "--from", "39.96,116.35", "--to", f"unit:{unit}"])
    assert bad.exit_code == 2 and "写反" in bad.output
