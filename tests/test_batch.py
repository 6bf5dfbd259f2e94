"""geo.routing.batch on the real Beijing extracts: the matrix (one search per origin)
gives each pair what a single access route gives (on every extract, at noon and at night,
under random gate rules; past the walking bound too), doors behind closed gates are null,
a building is reached at its quickest unit door, the backward searches it keeps answer as
fresh ones, and orders are answered one by one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from geo.errors import InvalidCoordinates, NoRoute, NotFound
from geo.hours.opening_hours import local_time
from geo.routing import batch
from geo.routing.batch import Order, door_matrix, route_orders
from geo.routing.network import AccessNetwork
from geo.routing.route import route_to_door
from geo.routing.search import snap_start
from geo.settings import WALK_AFTER_PARKING_MAX_M
from tests.support.extracts import EXTRACTS
from tests.support.routing import NIGHT, NOON, with_gate_rules

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
    # A destination with no door has no way; no origins or no destinations, no cells.
    m = door_matrix(net, ORIGINS[:1], [(), (_doors(net, 1)[0],)], at=NOON)
    assert m.durations[0][0] is None and m.doors[0][0] is None and m.durations[0][1] is not None
    assert door_matrix(net, [], [(_doors(net, 1)[0],)], at=NOON).durations == []
    assert door_matrix(net, ORIGINS[:1], [], at=NOON).durations == [[]]


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


# Each example builds a network, as in test_routing_properties: failures are reported as found.
CASES = settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HOURS = ["Mo-Su 06:00-22:00", "Mo-Fr 07:00-19:00", "Mo-Su 00:00-06:00", None]
RULES = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["open", "closed", "pass"]),
                           st.sampled_from(HOURS)), max_size=6)


def _origins(net, rng: np.random.Generator, count: int) -> list[tuple[float, float]]:
    """Street nodes (outside or inside compounds) and points anywhere in the bounds."""
    snap = net.snapshot
    west, south, east, north = snap.street.bounds
    nodes = rng.choice(snap.n_base, size=count, replace=False)
    points = [(float(snap.lon[n]) + 1e-6, float(snap.lat[n]) + 1e-6) for n in nodes[:count - 2]]
    return points + [(float(rng.uniform(west, east)), float(rng.uniform(south, north)))
                     for _ in range(2)]


def _assert_matrix_is_routes(net, origins, doors, at: str, has_pass: bool) -> int:
    """Every cell of the matrix is the single route's duration and distance, or None
    where the route has no way; returns the cells routed."""
    m = door_matrix(net, origins, [(d,) for d in doors], at=at, has_pass=has_pass)
    routed = 0
    for i, origin in enumerate(origins):
        for j, door in enumerate(doors):
            try:
                single = route_to_door(net, origin, door, at=at, has_pass=has_pass, compare=False)
            except (NoRoute, InvalidCoordinates):
                assert m.durations[i][j] is None and m.doors[i][j] is None, (origin, door)
                continue
            assert m.durations[i][j] == pytest.approx(single["duration_s"], abs=0.3), (origin, door)
            assert m.distances[i][j] == pytest.approx(single["distance_m"], abs=0.5), (origin, door)
            assert m.doors[i][j] == door
            routed += 1
    return routed


@CASES
@given(name=st.sampled_from(sorted(EXTRACTS)), at=st.sampled_from([NOON, NIGHT]), rules=RULES,
       has_pass=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_every_cell_is_the_single_route(streets, access, name, at, rules, has_pass, seed) -> None:
    net = AccessNetwork(streets[name], with_gate_rules(access[name], rules))
    rng = np.random.default_rng(seed)
    keys = sorted(net.snapshot.doors)
    doors = [keys[k] for k in rng.choice(len(keys), size=8, replace=False)]
    _assert_matrix_is_routes(net, _origins(net, rng, 5), doors, at, has_pass)


def _past_the_bound(net) -> tuple[list[tuple[float, float]], list[tuple[str, int]]]:
    """Starts on streets outside compounds and doors of gated compounds, each set holding
    pairs the search within the walking bound does not reach: the doors with the most
    such pairs, the starts with the most, and as many others."""
    snap = net.snapshot
    street = snap.street
    outside = np.flatnonzero((snap.node_compound[:snap.n_base] < 0) & np.asarray(street.node_main))
    starts_at = outside[np.linspace(0, len(outside) - 1, 60).astype(int)]
    origins = [(float(street.lon[n]) + 1e-6, float(street.lat[n]) + 1e-6) for n in starts_at]
    gated = {c.id for c in snap.compounds if c.gates}
    keys = sorted(k for k, (_n, d) in snap.doors.items() if d.compound_id in gated)
    nodes = np.asarray([snap.doors[k][0] for k in keys], dtype=np.int64)
    gate_ok = snap.gate_ok(local_time(NOON), has_pass=False)
    starts = [snap_start(snap, *o) for o in origins]
    unique, column = np.unique(nodes, return_inverse=True)
    bounded, _metres = batch._searched_rows(snap, batch._Seeds.of(starts), unique, gate_ok,
                                            WALK_AFTER_PARKING_MAX_M)
    past = (bounded == np.inf)[:, column]
    by_origin, by_door = np.argsort(-past.sum(axis=1)), np.argsort(-past.sum(axis=0))
    rows = sorted({*by_origin[:3].tolist(), *by_origin[-3:].tolist()})
    columns = sorted({*by_door[:4].tolist(), *by_door[-6:].tolist()})
    return [origins[i] for i in rows], [keys[j] for j in columns]


def test_doors_past_the_walking_bound_are_the_single_route(networks) -> None:
    # Doors reached only walking farther than the bound take the backward searches (one
    # per door for every start) or a search per start without the bound: on qinghuadonglu and bupt
    # both happen, and every cell is still the single route.
    for name in ("qinghuadonglu", "bupt"):
        net = networks[name]
        origins, doors = _past_the_bound(net)
        snap = net.snapshot
        nodes = np.unique([snap.doors[d][0] for d in doors]).astype(np.int64)
        starts = [snap_start(snap, *o) for o in origins]
        bounded, _metres = batch._searched_rows(snap, batch._Seeds.of(starts), nodes,
                                                snap.gate_ok(local_time(NOON), has_pass=False),
                                                WALK_AFTER_PARKING_MAX_M)
        past = bounded == np.inf
        assert past.sum(axis=0).max() >= 2 and past.sum(axis=1).max() >= 2, name
        assert _assert_matrix_is_routes(net, origins, doors, NOON, False) >= len(origins) * len(doors) // 2


def test_kept_backward_searches_answer_as_fresh_ones(streets, access) -> None:
    # Gates closing at night change which way a door is reached: the searches kept at noon
    # must not answer at night, and a repeated call answers as the first.
    data = with_gate_rules(access["qinghuadonglu"],
                           [(i, "open", "Mo-Su 06:00-22:00") for i in range(0, 40, 3)])
    kept = AccessNetwork(streets["qinghuadonglu"], data)
    origins, doors = _past_the_bound(kept)
    destinations = [(d,) for d in doors]
    answers = {}
    for at in (NOON, NIGHT, NOON):
        m = door_matrix(kept, origins, destinations, at=at)
        fresh = door_matrix(AccessNetwork(streets["qinghuadonglu"], data), origins, destinations, at=at)
        assert (m.durations, m.distances, m.doors) == (fresh.durations, fresh.distances, fresh.doors)
        answers.setdefault(at, m.durations)
        assert m.durations == answers[at]
    assert answers[NOON] != answers[NIGHT]


def test_a_gate_edit_keeps_the_matrix_moves_and_answers_as_a_fresh_network(streets, access) -> None:
    # An office closing and timing gates makes a new snapshot of the same nodes and edges:
    # the matrix's moves and kept backward searches carry over (nothing is made again),
    # and its answers after the edit are those of a network built with the edit.
    data = access["qinghuadonglu"]
    net = AccessNetwork(streets["qinghuadonglu"], data)
    origins, doors = _past_the_bound(net)
    destinations = [(d,) for d in doors]
    before = door_matrix(net, origins, destinations, at=NOON)
    moves = batch._derived(net.snapshot)
    edited = with_gate_rules(data, [(i, "closed", None) for i in range(0, 40, 4)]
                             + [(i, "open", "Mo-Su 13:00-14:00") for i in range(1, 40, 4)])
    net.update(edited)
    assert batch._derived(net.snapshot) is moves
    after = door_matrix(net, origins, destinations, at=NOON)
    fresh = door_matrix(AccessNetwork(streets["qinghuadonglu"], edited), origins, destinations, at=NOON)
    assert (after.durations, after.distances, after.doors) == (fresh.durations, fresh.distances, fresh.doors)
    assert after.durations != before.durations


@given(values=st.lists(st.one_of(st.floats(0, 1e6), st.integers(0, 10**7).map(lambda k: k / 10 + 0.05),
                                 st.integers(0, 10**6).map(lambda k: k / 100)), min_size=1, max_size=40))
def test_tenths_round_as_python_does(values) -> None:
    array = np.asarray(values, dtype=np.float64).reshape(1, -1)
    keep = np.ones(array.shape, dtype=bool)
    keep[0, ::3] = False
    expected = [round(v, 1) if k else None for v, k in zip(values, keep[0].tolist(), strict=True)]
    assert batch._tenths(array, keep) == [expected]
