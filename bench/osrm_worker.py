"""Runs inside the benchmark's own Python 3.12 venv with ``osrm-bindings``: times OSRM
bicycle routes with steps (contraction hierarchies) between given points.

    python osrm_worker.py DATA.osrm QUERIES.json

QUERIES.json is a list of [[lon, lat], [lon, lat]]; prints one JSON object:
{"ms": [...], "ok": n, "distance_m": [...]}.
"""

import json
import sys
import time

import osrm


def main() -> None:
    engine = osrm.OSRM(storage_config=sys.argv[1], algorithm="CH", use_shared_memory=False)
    with open(sys.argv[2]) as f:
        queries = json.load(f)
    times, distances, ok = [], [], 0
    for _ in range(2):  # first pass warms caches; the second is timed
        times, distances, ok = [], [], 0
        for start, end in queries:
            t = time.perf_counter()
            result = engine.Route(osrm.RouteParameters(
                coordinates=[tuple(start), tuple(end)], steps=True, overview="full",
                geometries="geojson"))
            times.append((time.perf_counter() - t) * 1000)
            if result["code"] == "Ok":
                ok += 1
                distances.append(float(result["routes"][0]["distance"]))
    print(json.dumps({"ms": times, "ok": ok, "distance_m": distances}))


if __name__ == "__main__":
    main()
