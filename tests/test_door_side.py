"""The search to a door's gates (geo.routing.door_side) against one search to the door,
on the real extracts."""

from __future__ import annotations

import importlib
import random

import numpy as np
import pytest

from geo import settings
from geo.errors import NoRoute
from geo.hours.opening_hours import local_time
from geo.routing.door_side import door_side, route_path
from geo.routing.network import WALK_LAYER
from geo.routing.route import route_to_door
from geo.routing.search import backward_costs, length_time, run_search, snap_start, trace_path

door_side_module = importlib.import_module("geo.routing.door_side")


def _starts_and_doors(snap, rng: random.Random, count: int):
    """Random (street node (lon, lat), door key) pairs: starts on streets outside compounds
    in the main component, doors in compounds with gates."""
    street = snap.street
    outside = np.flatnonzero((snap.node_compound[:snap.n_base] < 0) & np.asarray(street.node_main))
    doors = sorted(k for k, (node, _d) in snap.doors.items() if snap.node_compound[node] >= 0)
    for _ in range(count):
        node = int(outside[rng.randrange(len(outside))])
        yield (float(street.lon[node]) + 1e-6, float(street.lat[node]) + 1e-6), rng.choice(doors)


@pytest.mark.parametrize("at", ["2025-05-01T12:00", "2025-05-01T23:30"])
def test_the_way_through_the_gates_costs_what_one_search_to_the_door_costs(networks, at) -> None:
    # From streets outside to doors inside compounds, by day and at night (gates closed
    # at 23:30 where their hours say so): the path to the cheapest gate plus its way on
    # costs what one search to the door costs (to rounding), ends at the door, and is as
    # long; where one search finds no way, neither does this one.
    rng = random.Random(5)
    compared = 0
    for net in networks.values():
        snap = net.snapshot
        gate_ok = snap.gate_ok(local_time(at), has_pass=False)
        for start, key in _starts_and_doors(snap, rng, 60):
            door = snap.doors[key][0]
            target = 2 * door + WALK_LAYER
            origin = snap_start(snap, *start)
            side = door_side(snap, int(snap.node_compound[door]), door, gate_ok, origin.seeds)
            assert side is not None  # a start on a street is not on the door's side
            walk_max = settings.WALK_AFTER_PARKING_MAX_M
            path, _kept = route_path(snap, side, origin.seeds, origin.seed_cost, gate_ok=gate_ok,
                                     door_node=door, walk_max=walk_max)
            found, ws = run_search(snap, origin.seeds, origin.seed_cost,
                                   np.asarray([target], np.int64), n_need=1, gate_ok=gate_ok,
                                   door=door, heuristic_nodes=[door], walk_max=walk_max)
            if len(found) == 0:
                assert path is None
                continue
            one = trace_path(ws, target)
            assert path is not None
            assert path.states[-1] == target and path.states[0] in origin.seeds
            assert path.cost == pytest.approx(one.cost, rel=1e-12, abs=1e-9)
            assert length_time(snap, path) == pytest.approx(length_time(snap, one), rel=1e-9)
            compared += 1
    assert compared > 100


def test_a_start_on_the_doors_side_of_the_gates_is_left_to_one_search(networks) -> None:
    # A start at a door of the same compound seeds states on the door's side of the
    # gates: no way in through a gate is needed, so door_side declines and the route is
    # one search.
    declined = 0
    for net in networks.values():
        snap = net.snapshot
        gate_ok = snap.gate_ok(local_time("2025-05-01T12:00"), has_pass=False)
        by_compound: dict[int, list[int]] = {}
        for node, _door in snap.doors.values():
            if snap.node_compound[node] >= 0:
                by_compound.setdefault(int(snap.node_compound[node]), []).append(node)
        for compound, nodes in sorted(by_compound.items())[:20]:
            if len(nodes) < 2:
                continue
            seeds = np.asarray([2 * nodes[0] + WALK_LAYER], np.int64)
            assert door_side(snap, compound, nodes[1], gate_ok, seeds) is None
            declined += 1
    assert declined > 10


def test_a_door_side_past_its_bound_is_left_to_one_search(networks, monkeypatch) -> None:
    # A compound whose walls leak lets the backward search from a door out into the city:
    # past its bound it stops and declines, and the route is one search to the door, with
    # the same gate, seconds and metres. The bound is lowered here to below any real
    # door's side.
    rng = random.Random(9)
    at = "2025-05-01T12:00"
    for net in networks.values():
        snap = net.snapshot
        gate_ok = snap.gate_ok(local_time(at), has_pass=False)
        pairs = list(_starts_and_doors(snap, rng, 15))
        through_gates = [_answer(net, start, key, at) for start, key in pairs]
        monkeypatch.setattr(door_side_module, "_DOOR_SIDE_MAX_STATES", 3)
        for start, key in pairs:
            door = snap.doors[key][0]
            origin = snap_start(snap, *start)
            assert door_side(snap, int(snap.node_compound[door]), door, gate_ok, origin.seeds) is None
        assert [_answer(net, start, key, at) for start, key in pairs] == through_gates
        monkeypatch.undo()
    assert any(answer[0] is not None for answer in through_gates)


def _answer(net, start, key, at) -> tuple[int | None, float, float] | str:
    """(gate id, seconds, metres) of the route, rounded to the answer's precision, or the
    reason there is none."""
    try:
        route = route_to_door(net, start, key, at=at, compare=False)
    except NoRoute as error:
        return error.en
    return (route["gate"]["id"] if route["gate"] else None, round(route["duration_s"], 6),
            round(route["distance_m"], 6))


def test_a_backward_search_stops_past_its_bound(networks) -> None:
    # The bound stops the search itself (a leaking compound's door would otherwise search
    # the whole city before declining): one state past it, it gives up.
    net = next(iter(networks.values()))
    snap = net.snapshot
    gate_ok = snap.gate_ok(local_time("2025-05-01T12:00"), has_pass=False)
    door = next(node for node, _door in snap.doors.values() if snap.node_compound[node] >= 0)
    target = 2 * door + WALK_LAYER
    _ws, everything = backward_costs(snap, target, gate_ok=gate_ok, door=door)
    assert everything > 100
    _ws, bounded = backward_costs(snap, target, gate_ok=gate_ok, door=door, max_states=100)
    assert bounded == 101
