"""Isochrones (geo/routing/isochrones.py) on the bundled extracts: the streets reached
equal those of a plain networkx Dijkstra with a cutoff over the same states, and each
band's polygon holds every reached piece and reaches no farther than the grid allows."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from geo import settings as geo_settings
from geo.hours.opening_hours import local_time
from geo.routing.isochrones import isochrones, reached_edges
from geo.routing.network import Snapshot
from geo.routing.search import snap_start

BANDS = [5, 10, 15]
CASES = settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _out_edges(snap: Snapshot, state: int, gate_ok: np.ndarray) -> list[tuple[int, int, float]]:
    """(edge number, next state, seconds) of every edge a state may take."""
    node, layer = state >> 1, state & 1
    out = []
    if node < snap.n_base:
        for e in range(int(snap.street.indptr[node]), int(snap.street.indptr[node + 1])):
            w = float(snap.b_cost[e, layer])
            if math.isfinite(w):
                out.append((e, 2 * int(snap.street.head[e]) + layer, w))
    for f in range(int(snap.o_indptr[node]), int(snap.o_indptr[node + 1])):
        w, gate = float(snap.o_cost[f, layer]), int(snap.o_gate[f])
        if math.isfinite(w) and (gate < 0 or (int(gate_ok[gate]) >> layer) & 1):
            out.append((snap.n_edges_base + f, 2 * int(snap.o_head[f]) + layer, w))
    return out


def reference_reach(snap: Snapshot, start: tuple[float, float], seconds: float,
                    gate_ok: np.ndarray) -> dict[int, float]:
    """Per edge: the largest fraction of it reached within ``seconds``, by networkx's
    ``single_source_dijkstra`` with ``cutoff`` from a source joined to the seeds."""
    graph = nx.DiGraph()
    for state in range(2 * snap.n_nodes):
        for _e, nxt, w in _out_edges(snap, state, gate_ok):
            if not graph.has_edge(state, nxt) or graph[state][nxt]["weight"] > w:
                graph.add_edge(state, nxt, weight=w)
        node = state >> 1
        if state & 1 == 0 and math.isfinite(float(snap.park[node])):
            graph.add_edge(state, state + 1, weight=float(snap.park[node]))
    origin = snap_start(snap, *start)
    for state, cost in zip(origin.seeds.tolist(), origin.seed_cost.tolist(), strict=True):
        graph.add_edge("source", state, weight=cost)
    dist, _paths = nx.single_source_dijkstra(graph, "source", cutoff=seconds)
    reach: dict[int, float] = {}
    for state, d in dist.items():
        if state == "source":
            continue
        for e, _nxt, w in _out_edges(snap, state, gate_ok):
            frac = 1.0 if w == 0 else min(1.0, (seconds - d) / w)
            reach[e] = max(reach.get(e, 0.0), frac)
    return reach


def method_reach(snap: Snapshot, start: tuple[float, float], seconds: float,
                 gate_ok: np.ndarray) -> dict[int, float]:
    """The same from ``reached_edges`` (one bounded search of the compiled kernel)."""
    found = reached_edges(snap, start, seconds, gate_ok)
    reach: dict[int, float] = {}
    for e, frac in zip(found.edge.tolist(), found.fraction(seconds).tolist(), strict=True):
        reach[e] = max(reach.get(e, 0.0), frac)
    return reach


@CASES
@given(name=st.sampled_from(["bupt", "qinghuadonglu", "wudaokou"]), pick=st.integers(0, 10_000),
       hour=st.integers(0, 23))
def test_reached_streets_equal_networkx_dijkstra(networks, name, pick, hour) -> None:
    snap = networks[name].snapshot
    facilities = sorted(snap.facilities.values(), key=lambda nf: nf[1].id)
    fac = facilities[pick % len(facilities)][1]
    gate_ok = snap.gate_ok(local_time(f"2025-05-06T{hour:02d}:10"), has_pass=False)
    for minutes in BANDS:
        ours = method_reach(snap, (fac.lon, fac.lat), minutes * 60.0, gate_ok)
        theirs = reference_reach(snap, (fac.lon, fac.lat), minutes * 60.0, gate_ok)
        assert set(ours) == set(theirs)
        assert len(ours) > 10
        for e, frac in theirs.items():
            assert ours[e] == pytest.approx(frac, abs=1e-9)


@pytest.mark.parametrize("name", ["bupt", "qinghuadonglu", "wudaokou"])
def test_each_band_holds_its_streets_and_no_more(networks, name) -> None:
    net = networks[name]
    snap = net.snapshot
    fac = min((f for _n, f in snap.facilities.values()), key=lambda f: f.id)
    at = "2025-05-06T12:00"
    gate_ok = snap.gate_ok(local_time(at), has_pass=False)
    answer = isochrones(net, (fac.lon, fac.lat), BANDS, at=at)
    step = geo_settings.ISOCHRONE_GRID_M
    areas = []
    for feature, minutes in zip(answer["features"], BANDS, strict=True):
        area = shapely.geometry.shape(feature["geometry"])
        reach = method_reach(snap, (fac.lon, fac.lat), minutes * 60.0, gate_ok)
        pieces = _pieces(snap, reach)
        assert len(pieces) == feature["properties"]["edges_reached"]
        lonlat = shapely.transform(shapely.MultiLineString(pieces), lambda xy: np.column_stack(
            snap.street.to_lonlat(xy[:, 0], xy[:, 1])))
        assert area.buffer(1e-9).contains(lonlat)
        # No corner of the outline is farther from a reached piece than the grid allows.
        plane = shapely.transform(area, lambda xy: np.column_stack(
            snap.street.to_plane(xy[:, 0], xy[:, 1])))
        assert feature["properties"]["area_km2"] == pytest.approx(plane.area / 1e6, abs=1e-3)
        corners = shapely.points(shapely.get_coordinates(plane.boundary))
        tree = shapely.STRtree(shapely.linestrings(pieces))
        _idx, far = tree.query_nearest(corners, return_distance=True, all_matches=False)
        assert far.max() <= (2 * math.sqrt(2) + 0.25) * step
        areas.append(area)
    assert areas[0].area < areas[1].area < areas[2].area
    assert isochrones(net, (fac.lon, fac.lat), BANDS, at=at)["features"] == answer["features"]


def _pieces(snap: Snapshot, reach: dict[int, float]) -> list[list[tuple[float, float]]]:
    """Each reached edge as far as reached, plane metres."""
    out = []
    for e, frac in reach.items():
        if e < snap.n_edges_base:
            tail = int(np.searchsorted(snap.street.indptr, e, side="right") - 1)
            head = int(snap.street.head[e])
        else:
            tail = int(np.searchsorted(snap.o_indptr, e - snap.n_edges_base, side="right") - 1)
            head = int(snap.o_head[e - snap.n_edges_base])
        x0, y0 = float(snap.x[tail]), float(snap.y[tail])
        x1 = x0 + frac * (float(snap.x[head]) - x0)
        y1 = y0 + frac * (float(snap.y[head]) - y0)
        out.append([(x0, y0), (x1, y1) if (x1, y1) != (x0, y0) else (x0 + 1e-6, y0)])
    return out
