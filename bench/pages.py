"""Page weight and time to first render of the rider map on the bundled data.

The three bundled extracts are imported into a scratch SQLite database and the app is
served by a real server thread on 127.0.0.1; Debian's Chromium (headless, through
Playwright) loads pages with a cold cache, every request outside 127.0.0.1 aborted:

- the rider map of every bundled compound (``/r/<code>?gate=<gate>``), phone size;
- the baseline, in the same run: a bare Leaflet map of the same size from the same
  vendored files, with nothing on it (what any Leaflet page costs);
- the planner map of the bundled data and of 2,000 compounds (copies of the real ones).

Each page is loaded once to warm the server, then ``--runs`` times with a cold
browser cache (median). Weight is the bytes of every response (HTML, scripts, styles)
and the same gzipped (what a server with compression sends). Time to first render is
from navigation start to the ``youlu-map-drawn`` performance mark that the page's script
sets once the map is drawn (every feature on it), on loopback and with emulated slow 3G
(400 ms RTT, 400 kbit/s).

    .venv/bin/python bench/pages.py [--runs N] [--json]

With ``--json`` the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from _common import DESKTOP, PHONE, app_for, chromium, import_bundled, serve
from app.db import get_session
from app.demo.service import add_synthetic_compounds
from app.models import Community, Gate

SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
           "uploadThroughput": 400_000 / 8}
BASELINE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/leaflet-1.9.4/leaflet.css">
<script src="/static/vendor/leaflet-1.9.4/leaflet.js"></script></head>
<body style="margin:0"><div id="map" style="height:62vh"></div><script>
L.map('map').setView([39.96, 116.355], 17); performance.mark('youlu-map-drawn');
</script></body></html>"""


def load(browser: Any, url: str, *, context: dict[str, Any], slow: bool) -> dict[str, float]:
    """One cold load of ``url``: bytes, gzipped bytes, ms to the drawn mark."""
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    base = url.split("/", 3)[:3]
    bodies: list[bytes] = []
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith("/".join(base) + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("response", lambda r: bodies.append(r.body()) if r.ok else None)
    if slow:
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.goto(url)
    page.wait_for_function("performance.getEntriesByName('youlu-map-drawn').length > 0",
                           timeout=120_000)
    drawn = page.evaluate("performance.getEntriesByName('youlu-map-drawn')[0].startTime")
    page.wait_for_load_state("networkidle")
    ctx.close()
    if outside:
        raise RuntimeError(f"requests outside the app: {outside[:3]}")
    return {"bytes": sum(map(len, bodies)),
            "gzip_bytes": sum(len(gzip.compress(b, 6)) for b in bodies),
            "first_render_ms": drawn}


def measure(browser: Any, url: str, *, runs: int, context: dict[str, Any],
            slow: bool = False) -> dict[str, float]:
    """Median of ``runs`` loads with a cold browser cache, after one load that warms the
    server (its caches: scores, streets, the street graph are built on first use)."""
    load(browser, url, context=context, slow=False)
    samples = [load(browser, url, context=context, slow=slow) for _ in range(runs)]
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    text = text[: width // 2] if sum(2 if ord(c) > 0x2E7F else 1 for c in text) > width else text
    return text + " " * (width - sum(2 if ord(c) > 0x2E7F else 1 for c in text))


def rider_pages(app: Any) -> list[tuple[str, str, int]]:
    """(name, path, buildings) of every compound's rider map, at its first gate."""
    with app.app_context():
        db = get_session()
        out = []
        for c in db.scalars(select(Community).order_by(Community.id)):
            gate = db.scalars(select(Gate).where(Gate.community_id == c.id).order_by(Gate.id)).first()
            query = f"?gate={gate.code}" if gate is not None else ""
            out.append((c.name, f"/r/{c.code}{query}", len(c.buildings)))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="cold loads per page (median)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = app_for(import_bundled(folder), folder)
        app.add_url_rule("/bench/baseline", "bench_baseline", lambda: BASELINE)
        pages = rider_pages(app)
        rows: list[dict[str, Any]] = []
        with chromium() as (_pw, browser), serve(app) as base:
            baseline = measure(browser, base + "/bench/baseline", runs=args.runs, context=PHONE)
            baseline_slow = measure(browser, base + "/bench/baseline", runs=args.runs,
                                    context=PHONE, slow=True)
            for name, path, buildings in pages:
                rows.append({"page": name, "buildings": buildings,
                             **measure(browser, base + path, runs=args.runs, context=PHONE)})
            heaviest = max(rows, key=lambda r: r["bytes"])
            heavy_path = next(p for n, p, _ in pages if n == heaviest["page"])
            slow = measure(browser, base + heavy_path, runs=args.runs, context=PHONE, slow=True)
            planner = measure(browser, base + "/planner", runs=args.runs, context=DESKTOP)
            with app.app_context():
                add_synthetic_compounds(get_session(), total=2000)
            planner_2000 = measure(browser, base + "/planner", runs=args.runs, context=DESKTOP)
            planner_2000_slow = measure(browser, base + "/planner", runs=1, context=DESKTOP,
                                        slow=True)
        app.extensions["db_engine"].dispose()

    print(f"{'page':<28}{'bldgs':>6}{'KB':>8}{'gz KB':>8}{'render ms':>11}{'vs bare':>9}")
    print(f"{'bare Leaflet (baseline)':<28}{'':>6}{baseline['bytes'] / 1024:>8.0f}"
          f"{baseline['gzip_bytes'] / 1024:>8.0f}{baseline['first_render_ms']:>11.0f}{1:>9.2f}")
    for r in rows:
        print(f"{_pad(r['page'], 28)}{r['buildings']:>6}{r['bytes'] / 1024:>8.0f}"
              f"{r['gzip_bytes'] / 1024:>8.0f}{r['first_render_ms']:>11.0f}"
              f"{r['first_render_ms'] / baseline['first_render_ms']:>9.2f}")
    print(f"\nslow 3G (400 ms RTT, 400 kbit/s), heaviest rider map ({heaviest['page']}): "
          f"{slow['first_render_ms']:.0f} ms to first render; bare Leaflet "
          f"{baseline_slow['first_render_ms']:.0f} ms "
          f"(x{slow['first_render_ms'] / baseline_slow['first_render_ms']:.2f})")
    print(f"planner, bundled data: {planner['bytes'] / 1024:.0f} KB, "
          f"{planner['first_render_ms']:.0f} ms; 2,000 compounds: "
          f"{planner_2000['bytes'] / 1024:.0f} KB, {planner_2000['first_render_ms']:.0f} ms "
          f"(slow 3G {planner_2000_slow['first_render_ms']:.0f} ms)")

    renders = [r["first_render_ms"] for r in rows]
    weights = [r["bytes"] for r in rows]
    summary = {
        "runs": args.runs, "pages": len(rows),
        "rider_bytes_median": statistics.median(weights), "rider_bytes_max": max(weights),
        "rider_gzip_bytes_max": max(r["gzip_bytes"] for r in rows),
        "rider_render_ms_median": statistics.median(renders), "rider_render_ms_max": max(renders),
        "baseline_bytes": baseline["bytes"], "baseline_render_ms": baseline["first_render_ms"],
        "render_vs_baseline": statistics.median(renders) / baseline["first_render_ms"],
        "bytes_vs_baseline": statistics.median(weights) / baseline["bytes"],
        "slow3g_rider_render_ms": slow["first_render_ms"],
        "slow3g_baseline_render_ms": baseline_slow["first_render_ms"],
        "slow3g_vs_baseline": slow["first_render_ms"] / baseline_slow["first_render_ms"],
        "planner_render_ms": planner["first_render_ms"],
        "planner_2000_render_ms": planner_2000["first_render_ms"],
        "planner_2000_bytes": planner_2000["bytes"],
        "planner_2000_slow3g_render_ms": planner_2000_slow["first_render_ms"],
    }
    if args.json:
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                          for k, v in summary.items()}))


if __name__ == "__main__":
    main()
