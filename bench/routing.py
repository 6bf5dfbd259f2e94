"""Access routing speed: ours against a naive networkx baseline and against OSRM.

Two data sets in one run:

- ``bundled``: the real qinghuadonglu extract (data/osm), as imported by geo.osm.extract;
- ``city``: a city-size file made here by tiling that extract ``--tiles`` × ``--tiles``
  times (bench/osm_tiles.py; 16 × 16 gives about 260,000 graph nodes), written under
  ``--cache-dir`` with everything derived from it.

For each: p50/p95 latency of the full access route (gate choice, legs, Chinese
instructions; ``route_*``) and of the same with the API's saved-time comparison against
the compound's centroid (``route_with_saved_*``, one or two more searches), of nearest
parking (k=3) and of 15-minute isochrones; the same access routes by the naive way (the osmnx graph in memory,
``networkx.shortest_path`` once per candidate gate and leg, closed gates hidden with a
subgraph view); OSRM (``osrm-bindings`` in its own Python 3.12 venv made here, bicycle
profile, contraction hierarchies) routing with steps from the same start to the gate
our route chose; graph load from our cache against ``osmnx.load_graphml`` of the same
graph; memory. A third of the gates close at 22:00 and routes are asked at 23:00.

    .venv/bin/python bench/routing.py [--tiles 16] [--queries 200] [--json]

With ``--json`` the last line printed is one JSON object. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from _common import ROOT
from geo import settings
from geo.osm.extract import read_osm_extract
from geo.routing.cache import cache_key, load_street_graph, read_street_graph
from geo.routing.extract_inputs import access_data_from_extract
from geo.routing.inputs import AccessData
from geo.routing.isochrones import isochrones
from geo.routing.nearest import nearest_facilities
from geo.routing.network import AccessNetwork, ride_speed_ms
from geo.routing.route import route_to_door
from geo.routing.street_graph import RIDE, read_osm_network
from osm_tiles import read_template, tile_access, write_city

TEMPLATE = settings.OSM_DIR / "beijing_haidian_qinghuadonglu.osm.bz2"
AT = "2025-05-01T23:00"
NIGHT_HOURS = "Mo-Su 06:00-22:00"
GOALS = {"route_vs_osrm": 5.0, "route_speedup": 10.0, "cache_load_speedup": 20.0}


def rss_mb() -> float:
    """Resident memory of this process now, MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def percentiles(ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def with_night_gates(data: AccessData) -> AccessData:
    """Every third gate closes at 22:00 (as an office would set it)."""
    compounds = []
    for c in data.compounds:
        gates = tuple(replace(g, opening_hours=NIGHT_HOURS) if (i % 3 == 0 and len(c.gates) > 1)
                      else g for i, g in enumerate(c.gates))
        compounds.append(replace(c, gates=gates))
    return replace(data, compounds=tuple(compounds))


def pick_queries(net: AccessNetwork, count: int, seed: int
                 ) -> list[tuple[tuple[float, float], tuple[str, int]]]:
    """Random (start, door): doors in compounds that have gates, starts on streets
    outside compounds in the main component, 300-3000 m from the door in a straight line."""
    rng = np.random.default_rng(seed)
    snap = net.snapshot
    street = snap.street
    outside = np.flatnonzero((snap.node_compound[:snap.n_base] < 0) & np.asarray(street.node_main))
    gated = {c.id for c in snap.compounds if c.gates}
    doors = sorted(k for k, (_n, d) in snap.doors.items() if d.compound_id in gated)
    x, y = np.asarray(street.x), np.asarray(street.y)
    queries = []
    while len(queries) < count:
        key = doors[int(rng.integers(len(doors)))]
        node = snap.doors[key][0]
        d = np.hypot(x[outside] - snap.x[node], y[outside] - snap.y[node])
        near = outside[(d > 300) & (d < 3000)]
        if len(near) == 0:
            continue
        start = int(near[int(rng.integers(len(near)))])
        queries.append(((float(street.lon[start]) + 1e-6, float(street.lat[start]) + 1e-6), key))
    return queries


def time_routes(net: AccessNetwork, queries: list
                ) -> tuple[list[dict[str, Any]], list[float], list[float], list[float]]:
    """Each query's access route (after a warm-up), timed without (``route_ms``, and its
    CPU time ``cpu_ms``: steadier on a shared machine) and with the saved-time comparison
    (``full_ms``); returns (routes, route_ms, full_ms, cpu_ms)."""
    routes, route_ms, full_ms, cpu_ms = [], [], [], []
    for start, key in queries[:5]:  # compile and warm up
        with contextlib.suppress(Exception):  # a warm-up may hit a door with no open gate
            route_to_door(net, start, key, at=AT)
    for start, key in queries:
        # The access route as the issue defines it (gate choice, legs, instructions) …
        t, cpu = time.perf_counter(), time.process_time()
        try:
            result = route_to_door(net, start, key, at=AT, compare=False)
        except Exception as error:  # any failure is counted as that query's result
            result = {"error": type(error).__name__}
        route_ms.append((time.perf_counter() - t) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        routes.append(result)
        # … and as the API answers it, with the saved-time comparison.
        t = time.perf_counter()
        with contextlib.suppress(Exception):  # failures were counted above
            route_to_door(net, start, key, at=AT)
        full_ms.append((time.perf_counter() - t) * 1000)
    return routes, route_ms, full_ms, cpu_ms


def routed(queries: list, routes: list[dict[str, Any]]) -> list[tuple[Any, dict[str, Any]]]:
    """The (query, route) pairs whose route went through a gate."""
    return [(q, r) for q, r in zip(queries, routes, strict=True) if "error" not in r and r["gate"]]


def time_osrm_to_gates(osm: Path, ok: list[tuple[Any, dict[str, Any]]], cache: Path) -> dict[str, Any]:
    """OSRM (its venv and data made once under ``cache``) from each routed query's start
    to the gate our route chose."""
    python = osrm_venv(cache)
    data = osrm_prepare(python, osm, cache)
    return time_osrm(python, data, [[list(q[0]), r["gate"]["location"]] for q, r in ok], cache)


def time_ours(net: AccessNetwork, queries: list, starts: list) -> dict[str, Any]:
    routes, route_ms, full_ms, cpu_ms = time_routes(net, queries)
    nearest_ms, iso_ms = [], []
    for start in starts:
        t = time.perf_counter()
        nearest_facilities(net, start, "parking", at=AT, k=3)
        nearest_ms.append((time.perf_counter() - t) * 1000)
    for start in starts[:max(10, len(starts) // 4)]:
        t = time.perf_counter()
        isochrones(net, start, [15], at=AT)
        iso_ms.append((time.perf_counter() - t) * 1000)
    return {"routes": routes, "route_ms": route_ms, "full_ms": full_ms, "cpu_ms": cpu_ms,
            "nearest_ms": nearest_ms, "iso_ms": iso_ms}


class Naive:
    """The baseline: an osmnx graph in memory, ``nx.shortest_path`` per candidate gate
    and leg, closed gates hidden with ``nx.subgraph_view``."""

    def __init__(self, graph: Any, net: AccessNetwork) -> None:
        import networkx as nx
        self.nx = nx
        speed = ride_speed_ms()
        for _u, _v, data in graph.edges(data=True):
            data["time"] = float(data["length"]) / (speed * float(data["ride_factor"] or 1.0))
        self.graph = graph
        self.net = net
        street = net.street
        self.osmid = np.asarray(street.osmid)
        self.index = net.index

    def node_at(self, lon: float, lat: float) -> int:
        """The osmnx node nearest (lon, lat) (snapping is outside the timed part)."""
        street = self.net.street
        x, y = (float(v) for v in street.to_plane(lon, lat))
        for r in (50.0, 200.0, 1000.0):
            ids = self.index.nodes.query_box(x - r, y - r, x + r, y + r)
            if len(ids):
                best = ids[np.argmin(np.hypot(np.asarray(street.x)[ids] - x, np.asarray(street.y)[ids] - y))]
                return int(self.osmid[best])
        raise ValueError("no node")

    def prepare(self, start: tuple[float, float], key: tuple[str, int]) -> dict[str, Any] | None:
        snap = self.net.snapshot
        _node, door = snap.doors[key]
        compound = snap.compounds[snap.compound_index[door.compound_id]]
        when = __import__("geo.hours.opening_hours", fromlist=["local_time"]).local_time(AT)
        from geo.hours.opening_hours import gate_state
        gates, closed = [], set()
        for gate in compound.gates:
            node = self.node_at(gate.lon, gate.lat)
            if gate_state(gate, when, ebikes_inside=True, has_pass=False).usable:
                gates.append(node)
            else:
                closed.add(node)
        return {"start": self.node_at(*start), "door": self.node_at(door.lon, door.lat),
                "gates": gates, "closed": closed}

    def route(self, q: dict[str, Any]) -> float | None:
        nx, graph = self.nx, self.graph
        closed = q["closed"]
        view = nx.subgraph_view(
            graph, filter_node=lambda n: n not in closed,
            filter_edge=lambda u, v, k: graph[u][v][k]["modes"] & RIDE)
        best = None
        for gate in q["gates"]:
            try:
                ride = nx.shortest_path(view, q["start"], gate, weight="time")
                walk = nx.shortest_path(view, gate, q["door"], weight="time")
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                continue
            cost = nx.path_weight(view, ride, "time") + nx.path_weight(view, walk, "time")
            if best is None or cost < best:
                best = cost
        return best


def time_naive(naive: Naive, queries: list, limit: int) -> list[float]:
    prepared = [naive.prepare(s, k) for s, k in queries[:limit]]
    ms = []
    for q in prepared:
        t = time.perf_counter()
        naive.route(q)
        ms.append((time.perf_counter() - t) * 1000)
    return ms


def osrm_venv(cache: Path) -> Path:
    """A Python 3.12 venv with osrm-bindings, made once under ``cache``."""
    venv = cache / "osrm-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        versions = sorted(p for p in (Path(root) / "versions").glob("3.1[2-9]*"))
        if not versions:
            raise RuntimeError("no Python 3.12+ under pyenv for osrm-bindings")
        subprocess.run([str(versions[0] / "bin" / "python"), "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "osrm-bindings"], check=True)
    return python


def osrm_prepare(python: Path, osm: Path, cache: Path) -> Path:
    """osrm-extract (bicycle profile) and osrm-contract of ``osm``, once."""
    base = cache / (osm.name.split(".")[0])
    data = base.with_suffix(".osrm")
    if not (cache / (data.name + ".hsgr")).exists():
        share = subprocess.run([str(python), "-c", "import osrm, os; print(os.path.dirname(osrm.__file__))"],
                               capture_output=True, text=True, check=True).stdout.strip()
        linked = cache / osm.name
        if not linked.exists():
            linked.symlink_to(osm.resolve())
        subprocess.run([str(python), "-m", "osrm", "extract", "-p",
                        f"{share}/share/profiles/bicycle.lua", str(linked)],
                       check=True, capture_output=True, cwd=cache)
        subprocess.run([str(python), "-m", "osrm", "contract", str(data)], check=True,
                       capture_output=True, cwd=cache)
    return data


def time_osrm(python: Path, data: Path, pairs: list, cache: Path) -> dict[str, Any]:
    queries = cache / f"{data.stem}-queries.json"
    queries.write_text(json.dumps(pairs))
    out = subprocess.run([str(python), str(ROOT / "bench" / "osrm_worker.py"), str(data),
                          str(queries)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cache_load(osm: Path, cache: Path, graph: Any | None) -> dict[str, float]:
    """Our cache load (arrays read fully) against osmnx.load_graphml of the same graph."""
    import osmnx as ox
    entry = cache / "graphs" / cache_key(osm, cache / "graphs")
    t = time.perf_counter()
    street = read_street_graph(entry)
    for name in ("lon", "lat", "indptr", "head", "tail", "length_m", "modes", "ride_factor",
                 "walk_factor", "way", "rev_indptr", "rev_edge", "node_block", "node_main",
                 "osmid", "x", "y"):
        float(np.asarray(getattr(street, name)).sum())
    ours = (time.perf_counter() - t) * 1000
    graphml = cache / f"{entry.name}.graphml"
    if not graphml.exists():
        ox.save_graphml(graph if graph is not None else read_osm_network(osm), graphml)
    before = rss_mb()
    t = time.perf_counter()
    loaded = ox.load_graphml(graphml, node_dtypes={"block": int},
                             edge_dtypes={"modes": int, "ride_factor": float, "walk_factor": float})
    theirs = (time.perf_counter() - t) * 1000
    return {"cache_load_ms": ours, "graphml_load_ms": theirs,
            "graphml_mb": rss_mb() - before, "graph": loaded}


def array_mb(net: AccessNetwork) -> float:
    snap = net.snapshot
    street = snap.street
    total = sum(np.asarray(getattr(street, f)).nbytes for f in (
        "lon", "lat", "x", "y", "osmid", "node_block", "node_main", "indptr", "head", "tail",
        "length_m", "modes", "ride_factor", "walk_factor", "way", "rev_indptr", "rev_edge"))
    total += sum(a.nbytes for a in (snap.x, snap.y, snap.lon, snap.lat, snap.o_indptr,
                                    snap.o_head, snap.e_cost, snap.e_length, snap.e_kind,
                                    snap.e_gate, snap.e_way, snap.e_name, snap.park,
                                    snap.node_compound))
    ws = snap.workspace()
    total += sum(a.nbytes for a in (ws.dist, ws.pred, ws.pred_edge, ws.stamp, ws.done,
                                    ws.heap_key, ws.heap_val))
    return total / 1e6


def run_set(name: str, osm: Path, data: AccessData, cache: Path, args: argparse.Namespace,
            log: Any) -> dict[str, Any]:
    log(f"[{name}] street graph ({osm.name}) …")
    t = time.perf_counter()
    street = load_street_graph(osm, cache_dir=cache / "graphs")
    graph_s = time.perf_counter() - t
    t = time.perf_counter()
    net = AccessNetwork(street, data)
    build_s = time.perf_counter() - t
    log(f"[{name}] {street.n_nodes} nodes, {street.n_edges} edges; network of "
        f"{len(net.snapshot.compounds)} compounds built in {build_s:.1f} s")
    queries = pick_queries(net, args.queries, seed=7)
    starts = [s for s, _k in queries[: max(20, args.queries // 2)]]
    ours = time_ours(net, queries, starts)
    ok = routed(queries, ours["routes"])
    log(f"[{name}] ours: {len(ok)}/{len(queries)} routes through a gate")
    route_p50, route_p95 = percentiles(ours["route_ms"])
    log(f"[{name}] ours: route p50 {route_p50:.2f} ms, p95 {route_p95:.2f} ms; nearest p50 "
        f"{percentiles(ours['nearest_ms'])[0]:.2f} ms; isochrone p50 "
        f"{percentiles(ours['iso_ms'])[0]:.1f} ms")
    loads = cache_load(osm, cache, None)
    log(f"[{name}] cache load {loads['cache_load_ms']:.1f} ms, load_graphml "
        f"{loads['graphml_load_ms']:.0f} ms")
    naive = Naive(loads.pop("graph"), net)
    naive_ms = time_naive(naive, [q for q, _r in ok], args.naive_queries)
    del naive
    log(f"[{name}] naive: p50 {percentiles(naive_ms)[0]:.1f} ms over {len(naive_ms)} routes")
    osrm = time_osrm_to_gates(osm, ok, cache)
    naive_p50, _ = percentiles(naive_ms)
    osrm_p50, osrm_p95 = percentiles(osrm["ms"])
    return {
        "nodes": street.n_nodes, "edges": street.n_edges,
        "compounds": len(net.snapshot.compounds), "gates": len(net.snapshot.gates),
        "doors": len(net.snapshot.doors), "graph_s": round(graph_s, 2),
        "network_build_s": round(build_s, 2), "queries": len(queries), "routed": len(ok),
        "route_p50_ms": route_p50, "route_p95_ms": route_p95,
        "route_cpu_p50_ms": percentiles(ours["cpu_ms"])[0],
        "route_with_saved_p50_ms": percentiles(ours["full_ms"])[0],
        "route_with_saved_p95_ms": percentiles(ours["full_ms"])[1],
        "naive_p50_ms": naive_p50, "naive_queries": len(naive_ms),
        "osrm_p50_ms": osrm_p50, "osrm_p95_ms": osrm_p95, "osrm_ok": osrm["ok"],
        "route_vs_osrm": route_p50 / osrm_p50, "route_speedup": naive_p50 / route_p50,
        "nearest_p50_ms": percentiles(ours["nearest_ms"])[0],
        "nearest_p95_ms": percentiles(ours["nearest_ms"])[1],
        "isochrone_p50_ms": percentiles(ours["iso_ms"])[0],
        "isochrone_p95_ms": percentiles(ours["iso_ms"])[1],
        "cache_load_ms": loads["cache_load_ms"], "graphml_load_ms": loads["graphml_load_ms"],
        "cache_load_speedup": loads["graphml_load_ms"] / loads["cache_load_ms"],
        "ours_arrays_mb": array_mb(net), "graphml_graph_mb": loads["graphml_mb"],
        "rss_mb": rss_mb(), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiles", type=int, default=16, help="city = tiles × tiles extracts")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive-queries", type=int, default=20)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "instance" / "cache" / "bench-routing")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cache = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    bundled_data = with_night_gates(access_data_from_extract(read_osm_extract(TEMPLATE)))
    bundled = run_set("bundled", TEMPLATE, bundled_data, cache, args, log)

    city_osm = cache / f"city-{args.tiles}x{args.tiles}.osm"
    template = read_template(TEMPLATE)
    if not city_osm.exists():
        log(f"[city] writing {city_osm.name} …")
        write_city(template, args.tiles, city_osm)
    city_data = tile_access(bundled_data, template.bounds, args.tiles)
    city = run_set("city", city_osm, city_data, cache, args, log)

    rows = [("nodes", "{:,.0f}"), ("route_p50_ms", "{:.2f}"), ("route_p95_ms", "{:.2f}"),
            ("route_with_saved_p50_ms", "{:.2f}"),
            ("naive_p50_ms", "{:.1f}"), ("osrm_p50_ms", "{:.3f}"), ("route_vs_osrm", "{:.2f}"),
            ("route_speedup", "{:.0f}"), ("nearest_p50_ms", "{:.2f}"),
            ("isochrone_p50_ms", "{:.1f}"), ("cache_load_ms", "{:.1f}"),
            ("graphml_load_ms", "{:.0f}"), ("cache_load_speedup", "{:.0f}"),
            ("network_build_s", "{:.1f}"), ("ours_arrays_mb", "{:.0f}"),
            ("graphml_graph_mb", "{:.0f}")]
    log(f"\n{'metric':<22}{'bundled':>14}{'city':>14}   goal (city)")
    for key, fmt in rows:
        goal = {"route_vs_osrm": "≤ 5", "route_speedup": "≥ 10",
                "cache_load_speedup": "≥ 20"}.get(key, "")
        log(f"{key:<22}{fmt.format(bundled[key]):>14}{fmt.format(city[key]):>14}   {goal}")
    met = {k: (city[k] <= v if k == "route_vs_osrm" else city[k] >= v) for k, v in GOALS.items()}
    log("goals met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met.items()))
    if args.json:
        summary = {k: city[k] for k in city}
        summary.update({"bundled": bundled, "goals_met": met, "tiles": args.tiles, "at": AT})
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
