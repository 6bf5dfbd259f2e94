"""Properties of access routes on the real extracts, over random starts, doors, times,
gate rules and office paths (hypothesis)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, shape
from shapely.ops import unary_union

from geo import settings as geo_settings
from geo.errors import NoRoute
from geo.hours.opening_hours import gate_state, local_time
from geo.routing.compound_layer import to_plane
from geo.routing.inputs import AccessData, OfficePath
from geo.routing.network import AccessNetwork
from geo.routing.route import route_to_door
from geo.routing.search import run_search, snap_start
from geo.routing.street_graph import PRIVATE, WALK, read_osm_network
from tests.support.extracts import EXTRACTS, OSM_DIR
from tests.support.routing import (
    no_route_is_expected,
    state_graph,
    unguarded_crossings,
    with_gate_rules,
)

# Each example builds a network; shrinking a failure would rebuild hundreds, so a failure
# is reported as found (hypothesis still prints it and its seed).
CASES = settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
HOURS = ["Mo-Su 06:00-22:00", "Mo-Fr 07:00-19:00", "Mo-Su 00:00-06:00", "Sa,Su off"]
TIMES = st.builds(lambda d, h, m: f"2025-05-{d:02d}T{h:02d}:{m:02d}",
                  st.integers(1, 7), st.integers(0, 23), st.sampled_from([0, 30]))


def _start_points(net: AccessNetwork, count: int = 200) -> list[tuple[float, float]]:
    """Street nodes of the main component outside every compound, inside the bounds."""
    snap = net.snapshot
    street = snap.street
    west, south, east, north = street.bounds
    lon, lat = np.asarray(street.lon), np.asarray(street.lat)
    ok = (snap.node_compound[:snap.n_base] < 0) & np.asarray(street.node_main)
    ok &= (lon > west) & (lon < east) & (lat > south) & (lat < north)
    nodes = np.flatnonzero(ok)
    pick = nodes[np.linspace(0, len(nodes) - 1, count).astype(int)]
    return [(float(lon[n]) + 1e-6, float(lat[n]) + 1e-6) for n in pick]


RULES = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["open", "closed", "pass"]),
                           st.sampled_from([None, *HOURS])), max_size=6)


@CASES
@given(start=st.integers(0, 199), door=st.integers(0, 10_000), at=TIMES, rules=RULES,
       has_pass=st.booleans())
def test_route_cost_equals_networkx_dijkstra(streets, access, monkeypatch, start, door, at, rules,
                                             has_pass) -> None:
    # The plain state graph has no bound on walking after parking: lift it.
    monkeypatch.setattr(geo_settings, "WALK_AFTER_PARKING_MAX_M", float("inf"))
    data = with_gate_rules(access["bupt"], rules)
    net = AccessNetwork(streets["bupt"], data)
    snap = net.snapshot
    keys = sorted(snap.doors)
    key = keys[door % len(keys)]
    point = _start_points(net)[start]
    gate_ok = snap.gate_ok(local_time(at), has_pass=has_pass)
    door_node = snap.doors[key][0]
    graph = state_graph(snap, gate_ok, door_node)
    origin = snap_start(snap, *point)
    for s, c in zip(origin.seeds.tolist(), origin.seed_cost.tolist(), strict=True):
        graph.add_edge("start", (s >> 1, s & 1), weight=c)
    try:
        expected = nx.shortest_path_length(graph, "start", (door_node, 1), weight="weight")
    except nx.NetworkXNoPath:
        expected = None
    try:
        route = route_to_door(net, point, key, at=at, has_pass=has_pass)
    except NoRoute:
        assert expected is None
        return
    assert expected is not None
    assert route["cost_s"] == pytest.approx(expected, abs=1e-6)


@CASES
@given(pairs=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=5,
                      max_size=5))
def test_walking_lengths_equal_networkx_on_the_osmnx_graph(streets, pairs) -> None:
    # No compounds: walking costs are length / walking speed / factor on the osmnx graph.
    street = streets["bupt"]
    net = AccessNetwork(street, AccessData())
    snap = net.snapshot
    graph = _osmnx_walk_graph()
    nodes = np.flatnonzero(np.asarray(street.node_main))
    for a, b in pairs:
        u, v = int(nodes[a % len(nodes)]), int(nodes[b % len(nodes)])
        found, ws = run_search(snap, np.array([2 * u + 1]), np.zeros(1), np.array([2 * v + 1]),
                               n_need=1, gate_ok=snap.gate_ok(local_time(None), has_pass=False))
        osm_u, osm_v = int(street.osmid[u]), int(street.osmid[v])
        try:
            expected = nx.shortest_path_length(graph, osm_u, osm_v, weight="seconds")
        except nx.NetworkXNoPath:
            assert len(found) == 0
            continue
        assert len(found) == 1
        assert float(ws.dist[2 * v + 1]) == pytest.approx(expected, rel=1e-9, abs=1e-9)


_WALK_GRAPH: list[nx.DiGraph] = []


def _osmnx_walk_graph() -> nx.DiGraph:
    if not _WALK_GRAPH:
        raw = read_osm_network(OSM_DIR / EXTRACTS["bupt"][0])
        graph = nx.DiGraph()
        graph.add_nodes_from(raw.nodes)  # a node no walkable way touches: no path, not unknown
        for u, v, d in raw.edges(data=True):
            if not d["modes"] & WALK or d["modes"] & PRIVATE:
                continue
            if (raw.nodes[u]["block"] | raw.nodes[v]["block"]) & WALK:
                continue
            w = d["length"] / (geo_settings.WALK_SPEED_MS * d["walk_factor"])
            if not graph.has_edge(u, v) or graph[u][v]["seconds"] > w:
                graph.add_edge(u, v, seconds=w)
        _WALK_GRAPH.append(graph)
    return _WALK_GRAPH[0]


GATE_EXAMPLES = 8  # per extract


@pytest.mark.parametrize("extract", list(EXTRACTS))
def test_no_route_passes_a_closed_gate_and_every_route_ends_at_its_door(streets, access,
                                                                        extract) -> None:
    """No route's line crosses a wall but at a gate open then for its mode (measured on the
    line, see ``unguarded_crossings``), the gates it reports passing agree, and it ends at
    its door; a refusal is right (the plain state graph has no way either); most routed."""
    outcomes: Counter[str] = Counter()

    @settings(CASES, max_examples=GATE_EXAMPLES)
    @given(start=st.integers(0, 199), door=st.integers(0, 10_000), at=TIMES, rules=RULES,
           has_pass=st.booleans())
    def example(start, door, at, rules, has_pass) -> None:
        data = with_gate_rules(access[extract], rules)
        net = AccessNetwork(streets[extract], data)
        keys = sorted(net.snapshot.doors)
        key = keys[door % len(keys)]
        point = _start_points(net)[start]
        try:
            route = route_to_door(net, point, key, at=at, has_pass=has_pass)
        except NoRoute as error:
            assert error.zh and error.en
            assert no_route_is_expected(net, point, key, at, has_pass), error.details
            outcomes["no_route"] += 1
            return
        assert unguarded_crossings(net, data, route, at, has_pass) == []
        gates = {g.id: (g, c) for c in data.compounds for g in c.gates}
        when = local_time(at)
        for passed in route["gates_passed"]:
            gate, compound = gates[passed["id"]]
            state = gate_state(gate, when, ebikes_inside=compound.ebikes_allowed, has_pass=has_pass)
            assert state.walk if passed["mode"] == "walk" else state.ride, (passed, state)
        last = route["legs"][-1]["geometry"]["coordinates"]
        end = last[-1] if route["legs"][-1]["geometry"]["type"] == "LineString" else last
        door_obj = net.snapshot.doors[key][1]
        assert np.allclose(end, [door_obj.lon, door_obj.lat], atol=1e-7)
        outcomes["routed"] += 1

    example()
    assert sum(outcomes.values()) == GATE_EXAMPLES, outcomes
    assert outcomes["routed"] > GATE_EXAMPLES // 2, outcomes


@CASES
@given(compound=st.integers(0, 100), start=st.integers(0, 199), door=st.integers(0, 10_000))
def test_no_riding_inside_a_compound_that_forbids_ebikes(streets, access, compound, start,
                                                         door) -> None:
    base = access["qinghuadonglu"]
    with_doors = [c for c in base.compounds if any(d.compound_id == c.id for d in base.doors)
                  and c.gates]
    chosen = with_doors[compound % len(with_doors)]
    data = replace(base, compounds=tuple(replace(c, ebikes_allowed=c.id != chosen.id)
                                         for c in base.compounds))
    net = AccessNetwork(streets["qinghuadonglu"], data)
    doors = sorted(d.key for d in data.doors if d.compound_id == chosen.id)
    try:
        route = route_to_door(net, _start_points(net)[start], doors[door % len(doors)])
    except NoRoute:
        return
    # Metres in the street's plane. An outline may be drawn over the pavement (12 m of
    # slack), and a rider rides up to a mapped gate that stands back from the outline (a
    # crossing passes through a gate up to GATE_PASSAGE_SNAP_M away), never further in.
    street = streets["qinghuadonglu"]
    approaches = unary_union([to_plane(street, Point(g.lon, g.lat)).buffer(geo_settings.GATE_PASSAGE_SNAP_M)
                              for g in chosen.gates])
    forbidden = to_plane(street, chosen.polygon).buffer(-12.0).difference(approaches)
    for leg in route["legs"]:
        if leg["mode"] == "ride":
            assert to_plane(street, shape(leg["geometry"])).intersection(forbidden).length < 0.01
    assert route["legs"][-1]["mode"] == "walk" or route["legs"][-1]["mode"] == "park"


@CASES
@given(start=st.integers(0, 199), door=st.integers(0, 10_000), a=st.floats(0, 1),
       b=st.floats(0, 1), c=st.floats(0, 1), d=st.floats(0, 1),
       mode=st.sampled_from(["foot", "ebike", "both"]))
def test_an_office_path_can_only_shorten_a_route(streets, access, start, door, a, b, c, d,
                                                 mode) -> None:
    data = access["bupt"]
    net = AccessNetwork(streets["bupt"], data)
    keys = sorted(k for k, (_n, dr) in net.snapshot.doors.items() if dr.compound_id is not None)
    key = keys[door % len(keys)]
    door_obj = net.snapshot.doors[key][1]
    compound = data.compound(door_obj.compound_id)
    minx, miny, maxx, maxy = compound.polygon.bounds
    line = LineString([(minx + a * (maxx - minx), miny + b * (maxy - miny)),
                       (minx + c * (maxx - minx), miny + d * (maxy - miny)),
                       (door_obj.lon, door_obj.lat)])
    point = _start_points(net)[start]
    try:
        before = route_to_door(net, point, key)["cost_s"]
    except NoRoute:
        before = float("inf")
    net.update(replace(data, paths=(OfficePath(1, line, mode, compound.id, "新路"),)))
    try:
        after = route_to_door(net, point, key)["cost_s"]
    except NoRoute:
        after = float("inf")
    assert after <= before + 1e-6
