"""geo.routing.batch on the real Beijing extracts: the matrix (one search per origin)
gives each pair what a single access route gives, doors behind closed gates are null,
a building is reached at its quickest unit door, and orders are answered one by one."""

from __future__ import annotations

import numpy as np
import pytest

from geo.errors import NotFound
from geo.routing.batch import Order, door_matrix, route_orders
from geo.routing.route import route_to_door
from tests.support.routing import NOON

ORIGINS = [(116.3512, 39.9600), (116.3560, 39.9640), (116.3470, 39.9585)]


def _doors(net, count: int) -> list[tuple[str, int]]:
    snap = net.snapshot
    gated = {c.id for c in snap.compounds if c.gates}
    keys = sorted(k for k, (_n, d) in snap.doors.items() if k[0] == "unit" and d.compound_id in gated)
    rng = np.random.default_rng(3)
    return [keys[i] for i in rng.choice(len(keys), size=count, replace=False)]


def test_matrix_matches_single_routes(networks) -> None:
    net = networks["bupt"]
    doors = _doors(net, 12)
    m = door_matrix(net, ORIGINS, [(d,) for d in doors], at=NOON)
    compared = 0
    for i, origin in enumerate(ORIGINS):
        assert m.sources[i] is not None
        for j, door in enumerate(doors):
            try:
                single = route_to_door(net, origin, door, at=NOON, compare=False)
            except Exception:  # no route: the matrix has none either
                assert m.durations[i][j] is None
                continue
            assert m.durations[i][j] == pytest.approx(single["duration_s"], abs=0.3)
            assert m.distances[i][j] == pytest.approx(single["distance_m"], abs=0.5)
            assert m.doors[i][j] == door
            compared += 1
    assert compared >= 30


def test_a_building_is_reached_at_its_quickest_door(networks) -> None:
    net = networks["bupt"]
    doors = _doors(net, 3)
    m = door_matrix(net, ORIGINS[:1], [tuple(doors), *[(d,) for d in doors]], at=NOON)
    singles = [d for d in m.durations[0][1:] if d is not None]
    assert m.durations[0][0] == min(singles)
    assert m.doors[0][0] in doors


def test_doors_behind_closed_gates_are_null_and_unknown_doors_refused(networks) -> None:
    net = networks["bupt"]
    snap = net.snapshot
    gate_ok = snap.gate_ok(__import__("geo.hours.opening_hours", fromlist=["local_time"])
                           .local_time(NOON), has_pass=False)
    closed = [k for k, (node, _d) in snap.doors.items()
              if int(snap.node_compound[node]) >= 0 and not np.any(
                  gate_ok[snap.gates_of(int(snap.node_compound[node]))] > 0)]
    if closed:
        m = door_matrix(net, ORIGINS[:1], [(closed[0],)], at=NOON)
        assert m.durations == [[None]] and m.distances == [[None]]
    with pytest.raises(NotFound, match="路网中没有这个目的地"):
        door_matrix(net, ORIGINS[:1], [(("unit", 10**9),)], at=NOON)


def test_an_origin_off_the_map_gets_a_null_row(networks) -> None:
    net = networks["bupt"]
    m = door_matrix(net, [(116.0, 39.5)], [(d,) for d in _doors(net, 2)], at=NOON)
    assert m.sources == [None] and m.durations == [[None, None]]


def test_route_orders_answers_each_order(networks) -> None:
    net = networks["bupt"]
    doors = _doors(net, 2)
    answers = route_orders(net, [Order(ORIGINS[0], doors[0], NOON),
                                 Order((116.0, 39.5), doors[1], NOON)])
    assert answers[0]["status"] == "ok"
    single = route_to_door(net, ORIGINS[0], doors[0], at=NOON, compare=False)
    assert answers[0]["duration_s"] == single["duration_s"]
    modes = answers[0]["modes"]
    assert sum(m["duration_s"] for m in modes.values()) == pytest.approx(single["duration_s"], abs=0.5)
    assert answers[0]["door"]["id"] == doors[0][1] and "geometry" not in answers[0]["legs"][0]
    assert answers[1]["status"] == "no_route" and answers[1]["error"] == "invalid_coordinates"
