"""The address resolver on the imported Beijing data, through HTTP and the CLI, on both
backends; and its accuracy on the labelled address set (tests/data/address_set.tsv)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import Point
from sqlalchemy import select

from app.addresses.resolve import load_records
from app.db import get_session
from app.models import Building, Community, Unit
from geo.geometry.coords import distance_m
from tests.support.accounts import make_accounts
from tests.support.address_set import (
    GOAL_TOP1,
    read_aliases,
    read_cases,
    score,
    variant_table,
)
from tests.support.make_address_set import make_cases


def _resolve(client: FlaskClient, q: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/resolve", query_string={"q": q, **params})
    assert response.status_code == 200, response.json
    return response.json


def _by_osm(model: Any, ref: str) -> Any:
    osm_type, osm_id = ref.split("/")
    return get_session().scalar(select(model).where(model.osm_type == osm_type,
                                                    model.osm_id == int(osm_id)))


def test_building_with_its_code_and_point(imported_app: Flask) -> None:
    body = _resolve(imported_app.test_client(), "北京市海淀区石科院生活区十号楼")
    assert body["status"] == "matched"
    best = body["candidates"][0]
    with imported_app.app_context():
        building = get_session().get(Building, best["id"])
        community = get_session().get(Community, building.community_id)
        assert (community.name, building.number) == ("石科院生活区", "10")
        assert best["code"] == building.code is not None
        assert best["community"]["code"] == community.code
        door = Point(best["point"]["coordinates"])
        assert best["point_source"] == "nearest_to_gate"
        assert distance_m(door, building.geom.exterior) < 0.05   # on the outline
        assert best["address"].startswith("北京市海淀区学院路街道 石科院生活区 10号楼")


def test_unit_door(imported_app: Flask) -> None:
    body = _resolve(imported_app.test_client(), "学生十号公寓 3门洞")
    assert body["status"] == "matched"
    best = body["candidates"][0]
    assert best["kind"] == "unit" and best["point_source"] == "door"
    with imported_app.app_context():
        unit = get_session().get(Unit, best["id"])
        building = get_session().get(Building, unit.building_id)
        assert (building.name, unit.number) == ("学生10号公寓", "3")
        assert best["point"]["coordinates"] == pytest.approx([unit.geom.x, unit.geom.y])


def test_ambiguous_and_not_found(imported_app: Flask) -> None:
    client = imported_app.test_client()
    bare = _resolve(client, "10号楼", limit=50)
    assert bare["status"] == "ambiguous" and bare["count"] >= 2
    with imported_app.app_context():
        numbers = {get_session().get(Building, c["id"]).number for c in bare["candidates"]}
    assert numbers == {"10"}
    missing = _resolve(client, "双泉嘉苑3号楼二单元")
    assert missing["status"] == "not_found"
    assert missing["candidates"][0]["label"] == "双泉嘉苑"
    assert missing["candidates"][0]["missing"] == ["building"]
    assert _resolve(client, "望京SOHO")["candidates"] == []
    assert _resolve(client, "双泉嘉苑", limit=1)["count"] >= 1


@pytest.mark.parametrize(("params", "words"), [
    ({}, "请输入"),
    ({"q": "   "}, "请输入"),
    ({"q": "双" * 201}, "太长"),
    ({"q": "双泉嘉苑", "limit": "0"}, "limit"),
    ({"q": "双泉嘉苑", "limit": "51"}, "limit"),
    ({"q": "双泉嘉苑", "limit": "五"}, "整数"),
])
def test_bad_input(imported_app: Flask, params: dict[str, str], words: str) -> None:
    response = imported_app.test_client().get("/api/v1/resolve", query_string=params)
    assert response.status_code == 400
    assert words in response.json["message"] and response.json["message_en"]


def test_openapi_documents_resolve(imported_app: Flask) -> None:
    spec = imported_app.test_client().get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/resolve"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["q", "limit"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"][
        "properties"]["status"]["enum"] == ["matched", "ambiguous", "not_found"]


def test_cli(imported_app: Flask) -> None:
    runner = imported_app.test_cli_runner()
    result = runner.invoke(args=["resolve", "石科院 10-2", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["status"] == "matched"
    assert body["candidates"][0]["unmapped"] == ["unit"]      # doors not mapped there
    table = runner.invoke(args=["resolve", "10号楼", "--limit", "2"])
    assert table.exit_code == 0
    assert "不确定 / ambiguous" in table.output and "另有" in table.output
    bad = runner.invoke(args=["resolve", " "])
    assert bad.exit_code == 2 and "请输入" in bad.output


def test_index_follows_office_edits(writable_imported_app: Flask) -> None:
    """An alias or a building number set through the API resolves at once; without
    changes the index is not rebuilt."""
    app = writable_imported_app
    accounts = make_accounts(app)
    client = app.test_client()
    assert _resolve(client, "清东雅居")["status"] == "not_found"
    builds = app.extensions["resolver_index"].builds
    _resolve(client, "清东雅居")
    assert app.extensions["resolver_index"].builds == builds
    with app.app_context():
        community = get_session().scalar(select(Community).where(Community.name == "双泉嘉苑"))
        building = get_session().scalar(select(Building).where(
            Building.community_id == community.id).order_by(Building.id))
        ids = (community.id, community.version, building.id, building.version)
    for resource, feature_id, version, props in (
            ("communities", ids[0], ids[1], {"aliases": ["清东雅居"]}),
            ("buildings", ids[2], ids[3], {"number": "3"})):
        response = client.patch(f"/api/v1/{resource}/{feature_id}", json={
            "type": "Feature", "geometry": None, "properties": {"version": version, **props}},
            headers=accounts.headers("editor"))
        assert response.status_code == 200, response.json
    alias = _resolve(client, "清东雅居")
    assert alias["status"] == "matched"
    assert alias["candidates"][0]["id"] == ids[0]
    assert alias["candidates"][0]["match"]["field"] == "alias"
    numbered = _resolve(client, "清东雅居三号楼")
    assert numbered["status"] == "matched"
    assert (numbered["candidates"][0]["kind"], numbered["candidates"][0]["id"]) == (
        "building", ids[2])
    assert app.extensions["resolver_index"].builds > builds


def test_labelled_set_matches_the_data(imported_app: Flask) -> None:
    """tests/data/address_set.tsv is what the generator makes from the imported data;
    if this fails, the data changed: run `python -m tests.support.make_address_set`."""
    with imported_app.app_context():
        records, _ = load_records(get_session())
    assert make_cases(records, read_aliases()) == read_cases()


def test_accuracy_on_labelled_set(writable_imported_app: Flask) -> None:
    """Top-1 accuracy ≥ 95 % over HTTP, with the offices' aliases set through the API,
    and never a confident wrong answer (status matched, wrong place)."""
    app = writable_imported_app
    accounts = make_accounts(app)
    client = app.test_client()
    for ref, aliases in read_aliases().items():
        with app.app_context():
            community = _by_osm(Community, ref)
            feature_id, version = community.id, community.version
        response = client.patch(f"/api/v1/communities/{feature_id}", json={
            "type": "Feature", "geometry": None,
            "properties": {"version": version, "aliases": aliases}},
            headers=accounts.headers("admin"))
        assert response.status_code == 200, response.json
    cases = read_cases()
    result = score(lambda q: _resolve(client, q, limit=50), cases)
    print(f"\n{variant_table(result)}\n{result.summary()}")
    for case, status, top in result.failures:
        print(f"  miss [{case.variant}] {case.query} → {status} {top} (expected {case.expect})")
    assert len(cases) >= 200
    assert result.confident_wrong == []
    assert result.top1_accuracy >= GOAL_TOP1
    assert result.accuracy >= GOAL_TOP1
