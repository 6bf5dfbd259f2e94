"""Runs inside the benchmark's own Python 3.12 venv with ``osrm-bindings``: times OSRM's
table service (bicycle, contraction hierarchies) on given origins and destinations.

    python osrm_table_worker.py DATA.osrm TABLE.json

TABLE.json is {"origins": [[lon, lat], ...], "destinations": [[lon, lat], ...]}; prints one
JSON object: {"ms": [...] (one per repeat), "pairs": n, "null": n}.
"""

import json
import sys
import time

import osrm

REPEATS = 5


def main() -> None:
    engine = osrm.OSRM(storage_config=sys.argv[1], algorithm="CH", use_shared_memory=False)
    with open(sys.argv[2]) as f:
        table = json.load(f)
    coords = [tuple(p) for p in table["origins"]] + [tuple(p) for p in table["destinations"]]
    n = len(table["origins"])
    params = osrm.TableParameters(
        coordinates=coords, sources=list(range(n)), destinations=list(range(n, len(coords))),
        annotations=["duration", "distance"])
    times, nulls = [], 0
    for i in range(REPEATS + 1):  # the first call warms caches and is not timed
        t = time.perf_counter()
        result = engine.Table(params)
        if i:
            times.append((time.perf_counter() - t) * 1000)
    nulls = sum(v is None for row in result["durations"] for v in row)
    print(json.dumps({"ms": times, "pairs": n * (len(coords) - n), "null": nulls}))


if __name__ == "__main__":
    main()
