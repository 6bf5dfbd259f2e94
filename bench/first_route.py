"""First-route latency on a fresh server: the first ``/api/v1/route`` of a new process,
cold and after the start-up warming (``app.routing.warm``), against a warm route (the
same request again, in the same process) as the baseline.

The demo database (``flask demo``'s data) is built once in a scratch folder; each mode
runs in its own new Python process, as a freshly started server would:

- ``cold``: the app built with warming off; the first route pays for loading the street
  graphs, joining the compounds and loading the compiled kernels;
- ``warmed``: the app built, its warming thread joined, then the first route.

    .venv/bin/python bench/first_route.py [--runs 2] [--json]

Prints a table of milliseconds and ratios to the warm route; with ``--json`` the last
line is one JSON object. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import app_for


def build(directory: Path) -> str:
    """The demo database in ``directory``; returns its URL."""
    from app.addresses.commands import init_database
    from app.db import get_session
    from app.demo.service import build_demo
    from app.routing.service import cache_dir

    url = f"sqlite:///{directory / 'demo.sqlite3'}"
    app = app_for(url, directory)
    with app.app_context():
        init_database(get_session())
        build_demo(get_session(), cache_dir=cache_dir())
        get_session().commit()
    app.extensions["db_engine"].dispose()
    return url


def _query(app: Any) -> dict[str, str]:
    """From 双泉嘉苑's 南门 to its first unit door."""
    from sqlalchemy import select

    from app.db import get_session
    from app.models import Community, Gate, Unit

    with app.app_context():
        db = get_session()
        compound = db.scalar(select(Community).where(Community.name == "双泉嘉苑"))
        gate = db.scalar(select(Gate).where(Gate.community_id == compound.id, Gate.name == "南门"))
        unit = db.scalar(select(Unit).where(Unit.community_id == compound.id).order_by(Unit.id))
        return {"from": f"{gate.geom.x:.7f},{gate.geom.y:.7f}", "to": f"unit:{unit.id}",
                "at": "2026-05-01T12:00"}


def child(mode: str, url: str, directory: Path) -> dict[str, float]:
    """In a fresh process: milliseconds of the first route and of the same route again."""
    from app.routing import warm

    started = time.perf_counter()
    app = app_for(url, directory, ROUTING_WARM=False)
    query = _query(app)
    warm_s = 0.0
    if mode == "warmed":
        t = time.perf_counter()
        warm.start(app).join()
        warm_s = time.perf_counter() - t
    client = app.test_client()
    timings = []
    for _ in range(3):
        t = time.perf_counter()
        answer = client.get("/api/v1/route", query_string=query)
        timings.append(time.perf_counter() - t)
        assert answer.status_code == 200, answer.get_json()
    return {"first_ms": timings[0] * 1000, "warm_ms": min(timings[1:]) * 1000,
            "warming_ms": warm_s * 1000, "start_ms": (time.perf_counter() - started) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="fresh processes per mode")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("cold", "warmed"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.url, Path(args.dir))))
        return
    with tempfile.TemporaryDirectory(prefix="youlu-first-route-") as tmp:
        directory = Path(tmp)
        url = build(directory)
        results: dict[str, list[dict[str, float]]] = {"cold": [], "warmed": []}
        for _ in range(args.runs):
            for mode in results:
                out = subprocess.run([sys.executable, __file__, "--child", mode, "--url", url,
                                      "--dir", str(directory)], check=True, capture_output=True,
                                     text=True).stdout
                results[mode].append(json.loads(out.strip().splitlines()[-1]))
    warm_ms = statistics.median(r["warm_ms"] for rs in results.values() for r in rs)
    rows = {mode: {"first_ms": statistics.median(r["first_ms"] for r in rs),
                   "warming_ms": statistics.median(r["warming_ms"] for r in rs)}
            for mode, rs in results.items()}
    print(f"{'first route':<28}{'ms':>10}{'× warm route':>14}")
    print(f"{'warm route (baseline)':<28}{warm_ms:>10.1f}{1.0:>14.2f}")
    for mode, row in rows.items():
        print(f"{'first, ' + mode:<28}{row['first_ms']:>10.1f}{row['first_ms'] / warm_ms:>14.2f}")
    print(f"{'start-up warming (thread)':<28}{rows['warmed']['warming_ms']:>10.1f}"
          f"{rows['warmed']['warming_ms'] / warm_ms:>14.2f}")
    if args.json:
        print(json.dumps({"warm_route_ms": round(warm_ms, 1),
                          "first_cold_ms": round(rows["cold"]["first_ms"], 1),
                          "first_warmed_ms": round(rows["warmed"]["first_ms"], 1),
                          "warming_ms": round(rows["warmed"]["warming_ms"], 1),
                          "cold_ratio": round(rows["cold"]["first_ms"] / warm_ms, 2),
                          "warmed_ratio": round(rows["warmed"]["first_ms"] / warm_ms, 2),
                          "runs": args.runs}))


if __name__ == "__main__":
    main()
