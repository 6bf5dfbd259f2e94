"""Delivery-platform speed: batch routes, the door matrix against OSRM's table service,
and the change feed's throughput, on the real qinghuadonglu extract (data/osm).

- ``routes_per_order_ms``: ``POST /api/v1/routes`` with 500 orders (in-process HTTP,
  a scratch SQLite database with the extract imported), per order; the baseline in the
  same run is 500 single ``GET /api/v1/route`` calls (``single_route_ms``).
- ``matrix_per_pair_ms``: ``geo.routing.batch.door_matrix`` on origins × doors, per pair
  (median of 5 calls after a warm-up call, as the table is timed; ``matrix_cpu_ms`` its CPU);
  ``osrm_table_per_pair_ms``: OSRM's table (``osrm-bindings`` in its own Python 3.12 venv,
  bicycle profile, contraction hierarchies, as ``bench/routing.py`` runs it) on the same
  origins and, for each door, the gate our route enters by; ``matrix_vs_osrm`` (goal ≤ 3).
  ``matrix_prep_ms``: what the matrix works out once per snapshot (the reversed edges and
  the moves by state; not timed in the matrix). The timed calls find the backward searches
  of the first call kept (per snapshot, gate state and door): ``matrix_cold_ms`` is the
  first call on a new snapshot (the median of 3), moves and backward searches included.
  On a machine shared with other work the wall times swing with its load:
  ``matrix_vs_osrm_cpu`` compares the CPU times of the same calls.
- ``feed_changes_per_s``: the whole feed read from cursor 0 through HTTP (the import's
  changes), against listing the same features through ``/api/v1/<resource>``.

    .venv/bin/python bench/platforms.py [--origins 20] [--doors 50] [--json]

With ``--json`` the last line printed is one JSON object. Not part of the test suite.
"""

from __future__ import annotations

import sys

# This script's folder comes first on sys.path, and its name would shadow the standard
# library's ``platform`` (which pandas imports): look there last.
sys.path.append(sys.path.pop(0))

import argparse
import json
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from _common import ROOT, app_for
from geo.osm.extract import read_osm_extract
from geo.routing.batch import door_matrix, prepare_matrix
from geo.routing.cache import load_street_graph
from geo.routing.compound_layer import StreetIndex
from geo.routing.extract_inputs import access_data_from_extract
from geo.routing.network import AccessNetwork, with_building_doors
from geo.routing.route import route_to_door
from routing import TEMPLATE, osrm_prepare, osrm_venv, pick_queries

AT = "2025-05-01T12:00"
GOALS = {"matrix_vs_osrm": 3.0}
ORDERS = 500
REPEATS = 5  # timed matrix calls, as bench/osrm_table_worker.py times the table


def scratch_app(directory: Path) -> tuple[Any, str]:
    """An app on a new SQLite database with the extract imported as a ready source, and a
    platform token."""
    from app.accounts.auth import issue_token
    from app.addresses.divisions import load_national_divisions
    from app.db import get_session, upgrade_schema
    from app.imports.importer import import_osm
    from app.imports.sources import record_source

    app = app_for(f"sqlite:///{directory / 'platform.sqlite3'}", directory)
    upgrade_schema(app.extensions["db_engine"])
    with app.app_context():
        session = get_session()
        load_national_divisions(session)
        extract = read_osm_extract(TEMPLATE)
        report = import_osm(session, TEMPLATE, division="110108010", extract=extract)
        record_source(session, extract, report, cache_dir=directory / "cache" / "routing")
        row, secret = issue_token("bench platform", scope="read")
        session.add(row)
        session.commit()
    return app, secret


def db_key(app: Any, key: tuple[str, int]) -> str:
    """The ``to`` of a door of the extract (keyed by OSM id) in the imported database."""
    from sqlalchemy import select

    from app.db import get_session
    from app.models import Building, Unit
    model = Unit if key[0] == "unit" else Building
    with app.app_context():
        return f"{key[0]}:{get_session().scalar(select(model.id).where(model.osm_id == key[1]))}"


def time_routes(app: Any, token: str, queries: list) -> dict[str, float]:
    """500 orders in one POST against 500 single GETs (after a warm-up)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    orders = [{"from": f"{s[0]},{s[1]}", "to": db_key(app, k), "at": AT}
              for s, k in (queries * (ORDERS // len(queries) + 1))[:ORDERS]]
    client.post("/api/v1/routes", json={"orders": orders[:5]}, headers=headers)  # warm-up
    t = time.perf_counter()
    response = client.post("/api/v1/routes", json={"orders": orders}, headers=headers)
    batch_s = time.perf_counter() - t
    assert response.status_code == 200, response.get_json()["message_en"]
    ok = sum(a["status"] == "ok" for a in response.get_json()["routes"])
    t = time.perf_counter()
    for order in orders:
        client.get("/api/v1/route", query_string=order)
    single_s = time.perf_counter() - t
    return {"routes_per_order_ms": batch_s * 1000 / ORDERS,
            "single_route_ms": single_s * 1000 / ORDERS, "routes_ok": ok}


def time_feed(app: Any, token: str) -> dict[str, float]:
    """The whole feed from cursor 0, against listing the same features."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    t = time.perf_counter()
    since, count = "0", 0
    while True:
        body = client.get("/api/v1/changes", query_string={"since": since, "limit": 2000},
                          headers=headers).get_json()
        count += len(body["changes"])
        since = body["next"]
        if not body["more"]:
            break
    feed_s = time.perf_counter() - t
    t = time.perf_counter()
    listed = 0
    for resource in ("communities", "gates", "buildings", "units", "paths", "facilities"):
        offset = 0
        while True:
            page = client.get(f"/api/v1/{resource}", query_string={
                "limit": 1000, "offset": offset}).get_json()
            listed += page["numberReturned"]
            offset += page["numberReturned"]
            if offset >= page["numberMatched"] or not page["numberReturned"]:
                break
    list_s = time.perf_counter() - t
    return {"feed_changes": count, "feed_changes_per_s": count / feed_s,
            "list_features_per_s": listed / list_s}


def time_matrix(net: AccessNetwork, origins: list, doors: list,
                fresh: Callable[[], AccessNetwork]) -> dict[str, Any]:
    """Our matrix, the median of ``REPEATS`` calls after a warm-up call, as OSRM's table
    is timed (wall and CPU ms; what is built once per snapshot is timed apart as
    ``prep_ms``), and the first call on each of 3 ``fresh()`` networks (``cold_ms``); the
    gate each door is entered by from origin 0."""
    t = time.perf_counter()
    net.snapshot.reverse_adjacency()
    prepare_matrix(net.snapshot)
    prep_ms = (time.perf_counter() - t) * 1000
    times, cpu = [], []
    for i in range(REPEATS + 1):  # as OSRM's worker: the first call warms up and is not timed
        t, c = time.perf_counter(), time.process_time()
        m = door_matrix(net, origins, [(d,) for d in doors], at=AT)
        if i:
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    ms, cpu_ms = float(np.median(times)), float(np.median(cpu))
    cold, cold_cpu = [], []
    for _ in range(3):
        other = fresh()
        t, c = time.perf_counter(), time.process_time()
        door_matrix(other, origins, [(d,) for d in doors], at=AT)
        cold.append((time.perf_counter() - t) * 1000)
        cold_cpu.append((time.process_time() - c) * 1000)
    gates = []
    for door in doors:
        try:
            gate = route_to_door(net, origins[0], door, at=AT, compare=False)["gate"]
        except Exception:  # no route from there: OSRM goes to the door itself
            gate = None
        snap = net.snapshot
        gates.append(gate["location"] if gate else
                     [snap.doors[door][1].lon, snap.doors[door][1].lat])
    nulls = sum(v is None for row in m.durations for v in row)
    return {"ms": ms, "cpu_ms": cpu_ms, "prep_ms": prep_ms, "cold_ms": float(np.median(cold)),
            "cold_cpu_ms": float(np.median(cold_cpu)),
            "pairs": len(origins) * len(doors), "null": nulls, "gates": gates}


def time_osrm_table(origins: list, gates: list, cache: Path) -> dict[str, Any]:
    python = osrm_venv(cache)
    data = osrm_prepare(python, TEMPLATE, cache)
    table = cache / "table.json"
    table.write_text(json.dumps({"origins": [list(o) for o in origins], "destinations": gates}))
    import subprocess
    out = subprocess.run([str(python), str(ROOT / "bench" / "osrm_table_worker.py"), str(data),
                          str(table)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origins", type=int, default=20)
    parser.add_argument("--doors", type=int, default=50)
    parser.add_argument("--cache-dir", type=Path,
                        default=ROOT / "instance" / "cache" / "bench-platform")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cache = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    street = load_street_graph(TEMPLATE, cache_dir=cache / "graphs")
    data = with_building_doors(access_data_from_extract(read_osm_extract(TEMPLATE)),
                               StreetIndex(street))
    net = AccessNetwork(street, data)
    queries = pick_queries(net, max(args.origins, args.doors), seed=11)
    origins = [s for s, _k in queries[:args.origins]]
    doors = sorted({k for _s, k in queries})[:args.doors]
    log(f"matrix: {len(origins)} origins × {len(doors)} doors …")
    ours = time_matrix(net, origins, doors, lambda: AccessNetwork(street, data))
    osrm = time_osrm_table(origins, ours["gates"], cache)
    matrix_pair = ours["ms"] / ours["pairs"]
    osrm_pair = float(np.median(osrm["ms"])) / osrm["pairs"]

    log("routes and feed on a scratch database …")
    with tempfile.TemporaryDirectory() as folder:
        app, token = scratch_app(Path(folder))
        routes = time_routes(app, token, queries)
        feed = time_feed(app, token)
        app.extensions["db_engine"].dispose()

    result = {"routes_per_order_ms": routes["routes_per_order_ms"],
              "single_route_ms": routes["single_route_ms"],
              "routes_vs_single": routes["routes_per_order_ms"] / routes["single_route_ms"],
              "routes_ok": routes["routes_ok"], "orders": ORDERS,
              "matrix_per_pair_ms": matrix_pair, "osrm_table_per_pair_ms": osrm_pair,
              "matrix_vs_osrm": matrix_pair / osrm_pair, "matrix_pairs": ours["pairs"],
              "matrix_prep_ms": ours["prep_ms"], "matrix_cpu_ms": ours["cpu_ms"],
              "matrix_ms": ours["ms"], "matrix_cold_ms": ours["cold_ms"],
              "matrix_cold_cpu_ms": ours["cold_cpu_ms"],
              "osrm_table_ms": float(np.median(osrm["ms"])),
              "osrm_table_cpu_ms": float(np.median(osrm["cpu_ms"])),
              "matrix_vs_osrm_cpu": ours["cpu_ms"] / float(np.median(osrm["cpu_ms"])),
              "matrix_null": ours["null"], "osrm_null": osrm["null"],
              "feed_changes": feed["feed_changes"],
              "feed_changes_per_s": feed["feed_changes_per_s"],
              "list_features_per_s": feed["list_features_per_s"],
              "feed_vs_list": feed["feed_changes_per_s"] / feed["list_features_per_s"]}
    rows = [("routes_per_order_ms", "{:.2f}"), ("single_route_ms", "{:.2f}"),
            ("routes_vs_single", "{:.2f}"), ("matrix_per_pair_ms", "{:.4f}"),
            ("osrm_table_per_pair_ms", "{:.4f}"), ("matrix_vs_osrm", "{:.2f}"),
            ("matrix_ms", "{:.2f}"), ("matrix_cpu_ms", "{:.2f}"), ("matrix_cold_ms", "{:.2f}"),
            ("matrix_cold_cpu_ms", "{:.2f}"), ("osrm_table_ms", "{:.2f}"),
            ("osrm_table_cpu_ms", "{:.2f}"), ("matrix_vs_osrm_cpu", "{:.2f}"),
            ("feed_changes_per_s", "{:,.0f}"), ("list_features_per_s", "{:,.0f}"),
            ("feed_vs_list", "{:.2f}")]
    log(f"\n{'metric':<26}{'value':>14}   goal")
    for key, fmt in rows:
        log(f"{key:<26}{fmt.format(result[key]):>14}   {'≤ 3' if key == 'matrix_vs_osrm' else ''}")
    met = {k: result[k] <= v for k, v in GOALS.items()}
    log("goals met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met.items()))
    if args.json:
        print(json.dumps({**result, "goals_met": met, "at": AT}))


if __name__ == "__main__":
    main()
