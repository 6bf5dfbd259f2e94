"""Routes from a scanned gate (``from=gate:ID``) start on the gate's street side: the rider
stands outside the plate they scanned, so the route goes in through a gate open to them,
never from a point snapped inside the compound past the gate. On the bundled extracts."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.models import Building, Gate
from tests.support.routing import NOON


def _gates_and_buildings(app: Flask) -> list[dict[str, Any]]:
    """Every gate of a compound with up to three of that compound's buildings."""
    with app.app_context():
        db = get_session()
        gates = db.scalars(select(Gate).where(Gate.community_id.is_not(None)).order_by(Gate.id)).all()
        return [{"id": g.id, "code": g.code, "lonlat": [g.geom.x, g.geom.y], "access": g.rider_access,
                 "inferred": g.inferred, "community": g.community_id,
                 "buildings": db.scalars(select(Building.id).where(
                     Building.community_id == g.community_id).order_by(Building.id).limit(3)).all()}
                for g in gates]


def _route(app: Flask, start: str, to: str) -> Any:
    return app.test_client().get("/api/v1/route", query_string={"from": start, "to": to, "at": NOON})


def test_a_route_from_a_mapped_gate_goes_in_through_an_open_gate(routed_app: Flask) -> None:
    """From each mapped gate to its compound's buildings: the route begins at the gate and
    passes a gate of the compound open at noon. From the gate's own point, five of these
    gates snapped inside the compound and their routes passed no gate at all."""
    gates = _gates_and_buildings(routed_app)
    closed = {g["id"] for g in gates if g["access"] == "closed"}
    routed = at_the_gate = 0
    for gate in (g for g in gates if not g["inferred"]):
        own = {g["id"] for g in gates if g["community"] == gate["community"]}
        for building in gate["buildings"]:
            response = _route(routed_app, f"gate:{gate['id']}", f"building:{building}")
            if response.status_code == 404:  # a building off the network (outside the extract)
                assert "路网中没有这个目的地" in response.json["message"]
                continue
            assert response.status_code == 200, response.json
            answer = response.json
            assert answer["from"]["location"] == pytest.approx(gate["lonlat"], abs=1e-6)
            if answer["from"]["snap_distance_m"] == 0:  # else no road joins the gate: snapped as a point
                first = answer["legs"][0]["geometry"]["coordinates"][0]
                assert first == pytest.approx(gate["lonlat"], abs=1e-6)
                at_the_gate += 1
            entered = {g["id"] for g in answer["gates_passed"]} & own
            assert entered and not entered & closed, (gate, building, answer["instructions"])
            routed += 1
    assert routed >= 40 and at_the_gate >= 0.8 * routed


def test_a_closed_gate_routes_round_to_an_open_one(routed_app: Flask) -> None:
    closed = [g for g in _gates_and_buildings(routed_app) if g["access"] == "closed" and g["buildings"]]
    assert closed
    for gate in closed:
        start = f"gate:{gate['code'] or gate['id']}"  # by its code, as a plate names it
        answer = _route(routed_app, start, f"building:{gate['buildings'][0]}").json
        passed = {g["id"] for g in answer["gates_passed"]}
        assert gate["id"] not in passed and passed
        assert answer["legs"][0]["geometry"]["coordinates"][0] == pytest.approx(gate["lonlat"], abs=1e-6)


def test_nearest_from_a_gate_starts_on_its_street_side(routed_app: Flask) -> None:
    gate = next(g for g in _gates_and_buildings(routed_app) if not g["inferred"] and g["access"] == "open")
    response = routed_app.test_client().get("/api/v1/nearest", query_string={
        "from": f"gate:{gate['id']}", "kind": "parking", "at": NOON})
    assert response.status_code == 200 and response.json["count"] >= 1


@pytest.mark.parametrize("start", ["gate:999999999", "gate:99999999999999999999999", "gate:不存在的门"])
def test_an_unknown_gate_start_is_a_clear_404(routed_app: Flask, start: str) -> None:
    response = _route(routed_app, start, "building:1")
    assert response.status_code == 404
    assert response.json["message"].startswith("找不到出入口")
