"""City scale: import, street graph, worker start, office edits and routes on a city-size
OSM file, each against its goal.

The city is the qinghuadonglu extract tiled ``--tiles`` × ``--tiles`` times
(bench/osm_tiles.py; 16 × 16: about 300,000 street nodes and 2,560 compounds) plus a
clipped copy of it (nodes outside a box 5 % smaller on each side dropped, every way kept,
so ways refer to missing nodes, as in a bounding-box extract), both written once under
``--cache-dir``. Measured, in a fresh process where start-up or memory matter
(bench/city_worker.py, ``flask``; peak memory is the process's own VmHWM, read at its exit):

- ``import_s``, ``peak_import_mb``: ``flask --app app import-osm CITY`` into a new SQLite
  database (``init-db`` first; no ``--division``: a city spans many streets, and one
  street's committee numbers at most 999 小区), against the floor: one pyosmium pass over the same file
  with node locations (``import_vs_pyosmium``, both whole processes);
- ``graph_build_s``: ``load_street_graph`` into an empty cache directory;
- ``network_s``: the app's first ``networks()`` with that graph cached (compound layers,
  doors), in this process;
- ``worker_start_s``: a new process that creates the app and answers its first
  ``/api/v1/route``, from process start to the answer, minus ``python -c pass`` (the
  project's bytecode compiled first, as a deployed worker has it);
- ``edit_refresh_ms``: after an office changes one gate's opening_hours through
  ``app.places.editing.update_feature``, the time of the next ``networks()`` (the one
  that brings the change in; ``edit_refresh_cpu_ms`` its CPU time), whether the network
  then has the new hours, and with the next route through that gate's compound (``edit_next_route_ms``);
- ``route_p50_ms``/``route_p95_ms`` for random street-to-door pairs (bench/routing.py's
  queries and timing) against OSRM to the gate our route chose (``route_vs_osrm``);
- the same import and graph build on the clipped copy: ``ok`` or ``failed: <reason>``.

    .venv/bin/python bench/city.py [--tiles 16] [--quick] [--no-osrm] [--json]
    .venv/bin/python bench/city.py --only worker_start [--repeat 5] [--tiles 16]
    .venv/bin/python bench/city.py --only route [--repeat 3] [--tiles 16]

``--only worker_start`` measures only the fresh worker's first route, ``--repeat`` times
(each figure the median, ``worker_start_runs_s`` and ``worker_cpu_runs_s`` every run), on
the city already imported under ``--cache-dir`` (imported first when it is not there).
``--only route`` measures only the routes against OSRM, ``--repeat`` times in one process
(each figure the median of the runs; ``route_p50_runs_ms``, ``osrm_p50_runs_ms``,
``route_vs_osrm_runs`` every run).

With ``--json`` the last line printed is one JSON object. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from _common import ROOT, app_for
from osm_tiles import city_files
from routing import AT, TEMPLATE, percentiles, pick_queries, routed, time_osrm_to_gates, time_routes

TILES, QUICK_TILES = 16, 3
QUERIES, QUICK_QUERIES = 200, 30
WORKER = Path(__file__).resolve().parent / "city_worker.py"
# Goals: (key, bound, "<=" or "<"); printed beside the figures.
GOALS = [("import_vs_pyosmium", 10.0, "≤"), ("peak_import_mb", 1500.0, "<"),
         ("worker_start_s", 2.0, "≤"), ("edit_refresh_ms", 50.0, "≤"), ("route_vs_osrm", 3.0, "≤")]
EDITED_HOURS = ("Mo-Su 06:00-22:00", "Mo-Su 07:00-21:00")


# Runs a script or module as __main__ and, at exit, writes the process's own peak RSS
# (VmHWM, kB) to the file named first. (The ru_maxrss that wait4 or RUSAGE_CHILDREN report
# starts from the parent's high-water mark: subprocess forks with vfork, and Linux keeps
# the old address space's peak across exec; VmHWM is the new address space's alone.)
PEAK_PRELUDE = """
import atexit, runpy, sys
def _peak(path=sys.argv[1]):
    with open('/proc/self/status') as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith('VmHWM:'))
    with open(path, 'w') as f:
        f.write(str(kb))
atexit.register(_peak)
target = sys.argv[2]
sys.argv = sys.argv[2:]
if target.endswith('.py'):
    runpy.run_path(target, run_name='__main__')
else:
    runpy.run_module(target, run_name='__main__', alter_sys=True)
"""


def run_measured(target: str, args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run the script or module ``target`` with ``args`` in a fresh Python process: exit
    code, wall time and CPU time (user + system; s), its own peak RSS (MB), its output,
    and ``started`` (wall clock, s since the epoch). On a shared machine the CPU time is
    the steadier figure."""
    with tempfile.TemporaryDirectory() as tmp:
        peak, out, err = Path(tmp) / "peak", Path(tmp) / "out", Path(tmp) / "err"
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.time()
            t = time.perf_counter()
            rc = subprocess.run([sys.executable, "-c", PEAK_PRELUDE, str(peak), target, *args],
                                stdout=stdout, stderr=stderr, cwd=ROOT,
                                env={**os.environ, **(env or {})}).returncode
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return {"rc": rc, "s": wall, "cpu_s": cpu, "started": started,
                "peak_mb": int(peak.read_text()) / 1024 if peak.exists() else None,
                "stdout": out.read_text(errors="replace"), "stderr": err.read_text(errors="replace")}


def step(name: str, *args: str) -> dict[str, Any]:
    """One step of bench/city_worker.py, measured; ``result`` is its JSON answer."""
    run = run_measured(str(WORKER), [name, *args],
                       env={"PYTHONPATH": os.pathsep.join([str(ROOT), str(WORKER.parent)])})
    run["result"] = json.loads(run["stdout"].strip().splitlines()[-1]) if run["rc"] == 0 else None
    return run


def reason(run: dict[str, Any]) -> str:
    """Why a measured process failed: the domain error it printed, else its last line."""
    for line in reversed(run["stdout"].strip().splitlines()):
        try:
            body = json.loads(line)
        except ValueError:
            continue
        if isinstance(body, dict) and "message_en" in body:
            return str(body["message_en"])
    lines = [line for line in run["stderr"].strip().splitlines() if line.strip()]
    if not lines:
        return f"exit code {run['rc']}"
    last = lines[-1]
    english = re.search(r"\(([^()]*)\)$", last)  # a YouluError: "中文 (English)"
    return (english.group(1) if english else last)[:300]


def import_into(directory: Path, osm: Path) -> dict[str, Any]:
    """``init-db``, then ``import-osm osm`` (measured) into a new SQLite database in
    ``directory``; the database ``url``, ``ok`` and the import's figures or failure."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "city.sqlite3").unlink(missing_ok=True)
    url = f"sqlite:///{directory / 'city.sqlite3'}"
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "YOULU_CACHE_DIR": str(directory / "cache"),
           "YOULU_KEYS_DIR": str(directory / "keys"), "PYTHONPATH": str(ROOT)}
    init = run_measured("flask", ["--app", "app", "init-db"], env)
    if init["rc"] != 0:
        return {"url": url, "ok": False, "error": f"init-db: {reason(init)}"}
    run = run_measured("flask", ["--app", "app", "import-osm", str(osm), "--json"], env)
    out = {"url": url, "ok": run["rc"] == 0, "s": run["s"], "cpu_s": run["cpu_s"], "peak_mb": run["peak_mb"]}
    if run["rc"] == 0:
        out["report"] = json.loads(run["stdout"].strip().splitlines()[-1])
    else:
        out["error"] = reason(run)
    return out


def python_start_s() -> float:
    """The interpreter's own start (``python -c pass``), best of three, s."""
    times = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t)
    return min(times)


def compile_bytecode() -> None:
    """Write the project's bytecode caches (``__pycache__``), as a deployed worker finds
    them: with ``PYTHONDONTWRITEBYTECODE`` set (as on the team's machines) a new worker
    would otherwise compile every module of the project from source (about 0.5 s CPU)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "app", "geo", "maps"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)


def measure_app(url: str, directory: Path, osm: Path, count: int, osrm: bool,
                cache: Path, log: Any) -> dict[str, Any]:
    """In this process, on the imported city: first networks(), routes (and OSRM), one
    office edit and the networks() that brings it in; then a fresh worker's first route."""
    from app.accounts.auth import Actor
    from app.db import get_session
    from app.models import Gate, User
    from app.places.editing import update_feature
    from app.routing.service import networks
    from geo.routing.route import route_to_door

    app = app_for(url, directory)  # routes on the source import-osm recorded
    out: dict[str, Any] = {}
    with app.app_context():
        t = time.perf_counter()
        net = networks(get_session())[0]
        out["network_s"] = time.perf_counter() - t
        snap = net.snapshot
        out.update(compounds=len(snap.compounds), gates=len(snap.gates), doors=len(snap.doors))
        log(f"[city] network of {out['compounds']} compounds in {out['network_s']:.1f} s; "
            f"{count} routes …")
        queries = pick_queries(net, count, seed=7)
        ok, figures = measure_routes(net, queries, osm, osrm, cache, log)
        out.update(figures)

        session = get_session()
        gate = session.get(Gate, ok[0][1]["gate"]["id"])
        hours = EDITED_HOURS[gate.opening_hours == EDITED_HOURS[0]]
        admin = User(username="bench-city-admin", password_hash="x", role="admin")
        session.add(admin)
        session.commit()
        update_feature(session, Actor(user=admin, token=None, via_session=False), "gates", gate.id,
                       {"type": "Feature", "properties": {"opening_hours": hours,
                                                          "version": gate.version}})
        session.commit()  # the office request's boundary
        t, cpu = time.perf_counter(), time.process_time()
        net = networks(get_session())[0]
        out["edit_refresh_ms"] = (time.perf_counter() - t) * 1000
        out["edit_refresh_cpu_ms"] = (time.process_time() - cpu) * 1000  # steadier under load
        out["edit_reflected"] = any(g.id == gate.id and g.opening_hours == hours
                                    for g, _c in net.snapshot.gates)
        (start, key), _route = ok[0]
        t = time.perf_counter()
        route_to_door(net, start, key, at=AT)
        out["edit_next_route_ms"] = out["edit_refresh_ms"] + (time.perf_counter() - t) * 1000
        log(f"[city] edit refresh {out['edit_refresh_ms']:.1f} ms (reflected: {out['edit_reflected']})")
    app.extensions["db_engine"].dispose()

    out.update(worker_start(url, directory, osm, queries[0], 1, log))
    return out


def measure_routes(net: Any, queries: list, osm: Path, osrm: bool, cache: Path, log: Any
                   ) -> tuple[list[tuple[Any, dict[str, Any]]], dict[str, Any]]:
    """Route p50/p95 (wall and CPU, ms) of ``queries`` on ``net`` and, with ``osrm``,
    OSRM's from the same starts to the gates our routes chose; the routed (query,
    route) pairs and the figures."""
    routes, route_ms, full_ms, cpu_ms = time_routes(net, queries)
    ok = routed(queries, routes)
    out: dict[str, Any] = {"queries": len(queries), "routed": len(ok)}
    out["route_p50_ms"], out["route_p95_ms"] = percentiles(route_ms)
    out["route_cpu_p50_ms"], out["route_cpu_p95_ms"] = percentiles(cpu_ms)
    log(f"[city] {len(ok)}/{len(queries)} routed; p50 {out['route_p50_ms']:.2f} ms, "
        f"p95 {out['route_p95_ms']:.2f} ms (CPU p50 {out['route_cpu_p50_ms']:.2f} ms)")
    out["route_with_saved_p50_ms"], out["route_with_saved_p95_ms"] = percentiles(full_ms)
    if osrm:
        log("[city] OSRM …")
        times = time_osrm_to_gates(osm, ok, cache)
        out["osrm_p50_ms"], out["osrm_p95_ms"] = percentiles(times["ms"])
        out["osrm_ok"] = times["ok"]
        out["route_vs_osrm"] = out["route_p50_ms"] / out["osrm_p50_ms"]
        log(f"[city] OSRM p50 {out['osrm_p50_ms']:.3f} ms")
    return ok, out


def measure_route_only(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    """Only the routes against OSRM (``--only route``), ``--repeat`` times in this
    process, on the city imported once under ``--cache-dir``: each figure the median of
    the runs, ``route_p50_runs_ms`` and ``osrm_p50_runs_ms`` every run."""
    from app.db import get_session
    from app.routing.service import networks

    tiles = args.tiles or (QUICK_TILES if args.quick else TILES)
    url, directory, osm = city_imported(tiles, args.cache_dir, log)
    app = app_for(url, directory)
    runs = []
    with app.app_context():
        net = networks(get_session())[0]
        queries = pick_queries(net, QUICK_QUERIES if args.quick else args.queries, seed=7)
        for _ in range(args.repeat):
            runs.append(measure_routes(net, queries, osm, not args.no_osrm, args.cache_dir, log)[1])
    app.extensions["db_engine"].dispose()
    out: dict[str, Any] = {"tiles": tiles, "at": AT}
    for key, first in runs[0].items():  # counts are the same in every run
        out[key] = statistics.median(run[key] for run in runs) if isinstance(first, float) else first
    for key in ("route_p50_ms", "route_cpu_p50_ms", "osrm_p50_ms", "route_vs_osrm"):
        if key in runs[0]:
            out[f"{key.removesuffix('_ms')}_runs{'_ms' if key.endswith('_ms') else ''}"] = [
                run[key] for run in runs]
    return out


def worker_start(url: str, directory: Path, osm: Path, query: tuple[Any, Any], repeat: int,
                 log: Any) -> dict[str, Any]:
    """A fresh worker's first route to ``query`` (start, door), ``repeat`` times: the
    median wall time from process start to the answer minus ``python -c pass`` and the
    median CPU time (s), each run's too."""
    (start, (kind, door)) = query
    log(f"[city] a fresh worker's first route ({repeat}×) …")
    compile_bytecode()
    interpreter = python_start_s()
    walls, cpus, out = [], [], {"python_start_s": interpreter}
    for _ in range(repeat):
        first = step("worker", url, str(directory), str(osm), f"{start[0]},{start[1]}",
                     f"{kind}:{door}", AT)
        if first["rc"] != 0 or first["result"]["status"] != 200:
            out["worker_error"] = reason(first) if first["rc"] else str(first["result"])
            return out
        walls.append(first["result"]["answered_at"] - first["started"] - interpreter)
        cpus.append(first["cpu_s"])
        out["worker_peak_mb"] = first["peak_mb"]
        log(f"[city] worker start {walls[-1]:.2f} s, {cpus[-1]:.2f} s CPU")
    out.update(worker_start_s=statistics.median(walls), worker_cpu_s=statistics.median(cpus),
               worker_start_runs_s=walls, worker_cpu_runs_s=cpus)
    return out


def city_imported(tiles: int, cache: Path, log: Any) -> tuple[str, Path, Path]:
    """The ``tiles`` × ``tiles`` city's database URL, run directory and OSM file under
    ``cache``, with its street graph and import reused when a run left them there."""
    city, _clipped = city_files(TEMPLATE, tiles, cache)
    directory = cache / "runs" / f"{tiles}x{tiles}" / "city"
    database = directory / "city.sqlite3"
    if not (database.exists() and (directory / "cache" / "routing").exists()):
        log("[city] street graph and import-osm (not in the cache) …")
        step("graph", str(city), str(directory / "cache" / "routing"))
        imported = import_into(directory, city)
        if not imported["ok"]:
            raise SystemExit(f"import failed: {imported['error']}")
    return f"sqlite:///{database}", directory, city


def measure_worker_start(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    """Only a fresh worker's first route (``--only worker_start``), to the first query
    the full run would pick, on the city imported once under ``--cache-dir``."""
    from app.db import get_session
    from app.routing.service import networks

    tiles = args.tiles or (QUICK_TILES if args.quick else TILES)
    url, directory, osm = city_imported(tiles, args.cache_dir, log)
    app = app_for(url, directory)
    with app.app_context():
        query = pick_queries(networks(get_session())[0], 1, seed=7)[0]
    app.extensions["db_engine"].dispose()
    return {"tiles": tiles, "at": AT, **worker_start(url, directory, osm, query, args.repeat, log)}


def measure(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    tiles = args.tiles or (QUICK_TILES if args.quick else TILES)
    cache = args.cache_dir
    log(f"[city] {tiles}×{tiles} tiles of {TEMPLATE.name} under {cache} …")
    city, clipped = city_files(TEMPLATE, tiles, cache)
    runs = cache / "runs" / f"{tiles}x{tiles}"
    res: dict[str, Any] = {"tiles": tiles, "file_mb": city.stat().st_size / 1e6, "at": AT}

    log("[city] pyosmium pass …")
    floor = step("pyosmium", str(city))
    res.update(pyosmium_s=floor["s"], pyosmium_cpu_s=floor["cpu_s"], pyosmium_peak_mb=floor["peak_mb"],
               osm_nodes=floor["result"]["nodes"], osm_ways=floor["result"]["ways"],
               osm_tags=floor["result"]["tags"])
    log(f"[city] {res['osm_nodes']:,} OSM nodes, {res['file_mb']:.0f} MB; pyosmium {floor['s']:.1f} s")

    log("[city] street graph build …")
    routing_cache = runs / "city" / "cache" / "routing"
    shutil.rmtree(routing_cache, ignore_errors=True)
    built = step("graph", str(city), str(routing_cache))
    if built["rc"] == 0:
        res.update(nodes=built["result"]["nodes"], edges=built["result"]["edges"],
                   graph_build_s=built["result"]["s"], graph_build_cpu_s=built["cpu_s"],
                   graph_peak_mb=built["peak_mb"])
        log(f"[city] {res['nodes']:,} street nodes; graph built in {res['graph_build_s']:.1f} s")
    else:
        res["graph_error"] = reason(built)
        log(f"[city] graph build failed: {res['graph_error']}")

    log("[city] import-osm …")
    imported = import_into(runs / "city", city)
    if imported["ok"]:
        res.update(import_s=imported["s"], import_cpu_s=imported["cpu_s"], peak_import_mb=imported["peak_mb"],
                   import_vs_pyosmium=imported["s"] / floor["s"],
                   import_vs_pyosmium_cpu=imported["cpu_s"] / floor["cpu_s"],
                   imported=imported["report"]["created"])
        log(f"[city] import {imported['s']:.1f} s, peak {imported['peak_mb']:.0f} MB: {res['imported']}")
    else:
        res.update(import_error=imported["error"], import_failed_after_s=imported.get("s"),
                   import_failed_peak_mb=imported.get("peak_mb"))
        log(f"[city] import failed after {imported.get('s', 0):.0f} s: {imported['error']}")

    if imported["ok"] and built["rc"] == 0:
        res.update(measure_app(imported["url"], runs / "city", city,
                               QUICK_QUERIES if args.quick else args.queries, not args.no_osrm, cache, log))

    log("[clipped] import-osm and street graph …")
    cut = import_into(runs / "clipped", clipped)
    res.update(clipped_import_ok=cut["ok"], clipped_import_s=cut.get("s"),
               clipped_peak_import_mb=cut.get("peak_mb"), clipped_import_error=cut.get("error"))
    if cut["ok"]:
        res["clipped_imported"] = cut["report"]["created"]
    shutil.rmtree(runs / "clipped" / "cache" / "routing", ignore_errors=True)
    cut_graph = step("graph", str(clipped), str(runs / "clipped" / "cache" / "routing"))
    res.update(clipped_graph_ok=cut_graph["rc"] == 0,
               clipped_graph_s=cut_graph["result"]["s"] if cut_graph["rc"] == 0 else None,
               clipped_graph_error=None if cut_graph["rc"] == 0 else reason(cut_graph))
    return res


def outcome(res: dict[str, Any], what: str) -> str:
    """``ok <time>`` or ``failed: <reason>`` of a clipped-copy step."""
    if res[f"clipped_{what}_ok"]:
        return f"ok {res[f'clipped_{what}_s']:.1f} s"
    return f"failed: {res[f'clipped_{what}_error']}"


def table(res: dict[str, Any]) -> list[str]:
    rows = [("tiles", "{:d}"), ("file_mb", "{:.0f}"), ("osm_nodes", "{:,d}"), ("nodes", "{:,d}"),
            ("compounds", "{:,d}"), ("doors", "{:,d}"), ("pyosmium_s", "{:.1f}"),
            ("pyosmium_cpu_s", "{:.1f}"), ("import_s", "{:.1f}"), ("import_cpu_s", "{:.1f}"),
            ("import_vs_pyosmium", "{:.1f}"), ("import_vs_pyosmium_cpu", "{:.1f}"),
            ("peak_import_mb", "{:.0f}"), ("graph_build_s", "{:.1f}"), ("graph_build_cpu_s", "{:.1f}"),
            ("graph_peak_mb", "{:.0f}"), ("network_s", "{:.1f}"),
            ("python_start_s", "{:.2f}"), ("worker_start_s", "{:.1f}"), ("worker_cpu_s", "{:.1f}"),
            ("worker_peak_mb", "{:.0f}"),
            ("edit_refresh_ms", "{:.1f}"), ("edit_refresh_cpu_ms", "{:.1f}"), ("edit_reflected", "{}"),
            ("edit_next_route_ms", "{:.1f}"), ("routed", "{:d}"),
            ("route_p50_ms", "{:.2f}"), ("route_p95_ms", "{:.2f}"), ("route_cpu_p50_ms", "{:.2f}"),
            ("osrm_p50_ms", "{:.3f}"),
            ("route_vs_osrm", "{:.1f}")]
    goals = {key: f"{op} {bound:g}" for key, bound, op in GOALS}
    lines = [f"{'metric':<24}{'value':>12}   goal"]
    for key, fmt in rows:
        value = fmt.format(res[key]) if res.get(key) is not None else "—"
        lines.append(f"{key:<24}{value:>12}   {goals.get(key, '')}")
    for key in ("graph_error", "import_error", "worker_error"):
        if key in res:
            lines.append(f"{key:<24}failed: {res[key]}")
    if "clipped_import_ok" in res:  # not measured with --only
        lines.append(f"{'clipped import':<24}{outcome(res, 'import')}")
        lines.append(f"{'clipped graph':<24}{outcome(res, 'graph')}")
    return lines


def goals_met(res: dict[str, Any]) -> dict[str, bool | None]:
    """Each goal: met, not met, or None when its figure could not be measured."""
    return {key: None if res.get(key) is None else (res[key] <= bound if op == "≤" else res[key] < bound)
            for key, bound, op in GOALS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiles", type=int,
                        help=f"city = tiles × tiles extracts ({TILES}; --quick {QUICK_TILES})")
    parser.add_argument("--quick", action="store_true", help="a small city, for a smoke run")
    parser.add_argument("--queries", type=int, default=QUERIES)
    parser.add_argument("--no-osrm", action="store_true", help="skip OSRM (if its venv cannot be built)")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "instance" / "cache" / "bench-city")
    parser.add_argument("--only", choices=["worker_start", "route"],
                        help="measure only this, on the city imported under --cache-dir")
    parser.add_argument("--repeat", type=int, default=1,
                        help="fresh workers to start, or route runs (--only)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    only = {"worker_start": measure_worker_start, "route": measure_route_only}
    res = only[args.only](args, log) if args.only else measure(args, log)
    log("")
    for line in table(res):
        log(line)
    met = goals_met(res)
    log("goals met: " + ", ".join(f"{k} {'—' if v is None else 'yes' if v else 'NO'}"
                                  for k, v in met.items()))
    if args.json:
        print(json.dumps({**res, "goals_met": met}))


if __name__ == "__main__":
    main()
