"""Fixtures and helpers shared by the routing tests (the fixtures are loaded for every test
by the root conftest): street graphs of the three real Beijing extracts compiled once per
session (cached under a temporary folder), their access data read with the OSM importer,
networks joining the two, and the imported app routing on that cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from flask import Flask
from shapely.geometry import LineString, Point

from geo.hours.opening_hours import gate_state, local_time
from geo.routing.cache import load_street_graph
from geo.routing.compound_layer import StreetIndex, to_plane
from geo.routing.extract_inputs import access_data_from_extract
from geo.routing.inputs import AccessData
from geo.routing.network import AccessNetwork, Snapshot, with_building_doors
from geo.routing.street_graph import PUBLIC, StreetGraph
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract

# A time when no test rule closes anything, and one at night.
NOON = "2025-05-01T12:00"
NIGHT = "2025-05-01T23:30"


@pytest.fixture(scope="session")
def routing_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("routing-cache")


@pytest.fixture(scope="session")
def streets(routing_cache: Path) -> dict[str, StreetGraph]:
    """Compiled street graphs of the three extracts, by short name."""
    return {name: load_street_graph(OSM_DIR / filename, cache_dir=routing_cache)
            for name, (filename, _division) in EXTRACTS.items()}


@pytest.fixture(scope="session")
def access(streets: dict[str, StreetGraph]) -> dict[str, AccessData]:
    """Compounds, gates, doors (units, and buildings without units) and facilities."""
    return {name: with_building_doors(access_data_from_extract(read_extract(name)), StreetIndex(street))
            for name, street in streets.items()}


@pytest.fixture(scope="session")
def networks(streets: dict[str, StreetGraph], access: dict[str, AccessData]
             ) -> dict[str, AccessNetwork]:
    """Access networks of the three extracts as imported (tests must not update them)."""
    return {name: AccessNetwork(streets[name], access[name]) for name in streets}


def with_gate_rules(data: AccessData, rules: list[tuple[int, str, str | None]]) -> AccessData:
    """``data`` with each rule (gate number modulo the gates, rider access, opening hours)
    applied to that gate."""
    gates = [g for c in data.compounds for g in c.gates]
    for index, rider_access, hours in rules:
        gate = gates[index % len(gates)]
        data = data.with_gate(gate.id, rider_access=rider_access, opening_hours=hours)
    return data


@pytest.fixture
def routed_app(imported_app: Flask, routing_cache: Path) -> Flask:
    """The app on the shared imported database, routing with the session's graph cache."""
    imported_app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    return imported_app


def state_graph(snap: Snapshot, gate_ok: np.ndarray, door_node: int) -> nx.DiGraph:
    """The search graph of ``snap`` as a plain networkx graph of (node, layer) states:
    every edge with a finite cost in a layer, gate passages only where ``gate_ok`` allows,
    and the switch from riding to walking where parking is allowed."""
    from geo.settings import PARKING_DELAY_S
    graph = nx.DiGraph()
    street = snap.street
    tails = np.concatenate([np.asarray(street.tail, dtype=np.int64),
                            np.repeat(np.arange(snap.n_nodes), np.diff(snap.o_indptr))])
    heads = np.concatenate([np.asarray(street.head, dtype=np.int64), snap.o_head])
    for layer in (0, 1):
        cost = snap.e_cost[:, layer]
        ok = np.isfinite(cost)
        gate = snap.e_gate
        ok &= (gate < 0) | ((gate_ok[np.maximum(gate, 0)] >> layer) & 1 == 1)
        for u, v, w in zip(tails[ok].tolist(), heads[ok].tolist(), cost[ok].tolist(), strict=True):
            if graph.has_edge((u, layer), (v, layer)) and graph[(u, layer)][(v, layer)]["weight"] <= w:
                continue
            graph.add_edge((u, layer), (v, layer), weight=w)
    park = snap.park.copy()
    park[door_node] = PARKING_DELAY_S
    for node in np.flatnonzero(np.isfinite(park)).tolist():
        graph.add_edge((node, 0), (node, 1), weight=float(park[node]))
    return graph


def _crossings(line: LineString, polygon: Any) -> list[tuple[Point, int]]:
    """Where ``line`` (plane metres) goes from inside ``polygon`` to outside or back: the
    line is split at the boundary and consecutive pieces compared (a touch is no
    crossing). Each crossing comes with the index of the line's segment it lies on."""
    hits = line.intersection(polygon.boundary)
    stops = sorted({float(line.project(q)) for g in getattr(hits, "geoms", [hits]) if not g.is_empty
                    for q in ([g] if g.geom_type == "Point" else [Point(c) for c in g.coords])})
    cuts = [0.0, *stops, float(line.length)]
    mids = [(a + b) / 2 for a, b in zip(cuts, cuts[1:], strict=False) if b - a > 1e-6]
    side = [bool(polygon.contains(line.interpolate(m))) for m in mids]
    vertex_at = np.concatenate([[0.0], np.cumsum([LineString(pair).length for pair in
                                                  zip(line.coords, line.coords[1:], strict=False)])])
    out = []
    for k in range(1, len(mids)):
        if side[k] != side[k - 1]:
            d = next(c for c in cuts if mids[k - 1] < c < mids[k])
            out.append((line.interpolate(d), int(np.searchsorted(vertex_at, d, side="right")) - 1))
    return out


def unguarded_crossings(net: AccessNetwork, data: AccessData, route: dict[str, Any], at: str,
                        has_pass: bool, tolerance_m: float = 5.0) -> list[dict[str, Any]]:
    """Where ``route``'s line crosses a compound boundary (split at the boundaries, plane
    metres) other than at a gate of that compound whose state at ``at`` allows the mode
    of the leg crossing there (riding on a ride leg, walking on a walk leg): within
    ``tolerance_m`` of the gate or on the road piece leading to or from it (a gate may be
    mapped up to ``GATE_PASSAGE_SNAP_M`` off the wall). The route's own account of the
    gates it passed (``gates_passed``) is not consulted. Not counted: a crossing on a
    public through road (part of no compound), a straight piece between two points inside
    the compound that cuts a corner of its drawn wall, and the way to and from the inside
    of a gate mapped outside the wall (met from inside and left inside, not passed)."""
    street = net.street
    index = net.snapshot.index
    when = local_time(at)
    modes, tail, head = np.asarray(street.modes), np.asarray(street.tail), np.asarray(street.head)
    bad = []
    lines = [leg for leg in route["legs"] if leg["geometry"]["type"] == "LineString"]
    if not lines:
        return bad
    coords = np.asarray([c for leg in lines for c in leg["geometry"]["coordinates"]])
    riding = np.concatenate([np.full(len(leg["geometry"]["coordinates"]), leg["mode"] == "ride")
                             for leg in lines])  # per vertex: its leg rides
    coords = np.column_stack(street.to_plane(coords[:, 0], coords[:, 1]))
    keep = np.concatenate([[True], np.hypot(*np.diff(coords, axis=0).T) > 1e-9])
    coords, riding = coords[keep], riding[keep]
    if len(coords) > 1:
        line = LineString(coords)
        for c in data.compounds:
            polygon = to_plane(street, c.polygon)
            if not line.intersects(polygon.boundary):
                continue
            gates = []  # (plane point, rides allowed, walks allowed) of each gate at ``at``
            for g in c.gates:
                state = gate_state(g, when, ebikes_inside=c.ebikes_allowed, has_pass=has_pass)
                gates.append((np.asarray(street.to_plane(g.lon, g.lat), dtype=float),
                              state.ride, state.walk))
            inside = [bool(polygon.contains(Point(e))) for e in coords]
            touch = set()  # segments to and from a gate mapped off the wall, met from inside
            for gxy, _ride, _walk in gates:
                for k in np.flatnonzero(np.hypot(*(coords - gxy).T) < 0.5).tolist():
                    if 0 < k < len(coords) - 1 and inside[k - 1] and inside[k + 1]:
                        touch |= {k - 1, k}
            for p, seg in _crossings(line, polygon):
                ends = coords[seg:seg + 2]
                if inside[seg] and inside[seg + 1] or seg in touch:
                    continue  # a road between inside points cutting a corner of the drawn wall
                # the modes of the legs at the crossing (a segment belongs to the leg of its
                # far end): two where a rider parks at the gate and walks through
                near = _segment_distances(coords, np.array([p.x, p.y])) < 0.5
                near[seg] = True
                crossing_modes = {bool(r) for r in riding[1:][near]}
                if any(((ride and True in crossing_modes) or (walk and False in crossing_modes))
                       and (p.distance(Point(gxy)) <= tolerance_m
                            or np.hypot(*(ends - gxy).T).min() < 0.5)
                       for gxy, ride, walk in gates):
                    continue
                rides = bool(riding[seg + 1])
                ids = index.segments.query_box(p.x - 1, p.y - 1, p.x + 1, p.y + 1).tolist()
                if any(LineString([(street.x[index.seg_a[s]], street.y[index.seg_a[s]]),
                                   (street.x[index.seg_b[s]], street.y[index.seg_b[s]])]).distance(p) < 0.5
                       and (modes[((tail == index.seg_a[s]) & (head == index.seg_b[s]))
                                  | ((tail == index.seg_b[s]) & (head == index.seg_a[s]))] & PUBLIC).any()
                       for s in ids):
                    continue
                bad.append({"compound": c.id, "mode": "ride" if rides else "walk",
                            "lonlat": tuple(float(v) for v in street.to_lonlat(p.x, p.y))})
    return bad


def _segment_distances(coords: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Distance (plane metres) from ``point`` to each segment of the polyline ``coords``."""
    a, b = coords[:-1], coords[1:]
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", point - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-18),
                0.0, 1.0)
    return np.hypot(*(a + t[:, None] * ab - point).T)


def no_route_is_expected(net: AccessNetwork, start: tuple[float, float], key: Any, at: str,
                         has_pass: bool) -> bool:
    """Whether the plain state graph (networkx, gates as their state at ``at`` allows) has
    no way from ``start`` (lon, lat) to the door ``key``: a ``NoRoute`` is then right."""
    from geo.routing.search import snap_start
    snap = net.snapshot
    door_node = snap.doors[key][0]
    graph = state_graph(snap, snap.gate_ok(local_time(at), has_pass=has_pass), door_node)
    origin = snap_start(snap, *start)
    for s, c in zip(origin.seeds.tolist(), origin.seed_cost.tolist(), strict=True):
        graph.add_edge("start", (s >> 1, s & 1), weight=c)
    return not nx.has_path(graph, "start", (door_node, 1))
