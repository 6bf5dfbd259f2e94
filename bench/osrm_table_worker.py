"""Runs inside the benchmark's own Python 3.12 venv with ``osrm-bindings``: times OSRM's
table service (bicycle, contraction hierarchies) on given origins and destinations.

    python osrm_table_worker.py DATA.osrm TABLE.json

TABLE.json is {"origins": [[lon, lat], ...], "destinations": [[lon, lat], ...]}; prints one
JSON object: {"ms": [...] (one per repeat), "cpu_ms": [...] (the same calls' CPU time),
"pairs": n, "null": n}.
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
    times, cpu, nulls = [], [], 0
    for i in range(REPEATS + 1):  # the first call warms caches and is not timed
        t, c = time.perf_counter(), time.process_time()
        result = engine.Table(params)
        if i:
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    nulls = sum(v is None for row in result["durations"] for v in row)
    print(json.dumps({"ms": times, "cpu_ms": cpu, "pairs": n * (len(coords) - n), "null": nulls}))


if __name__ == "__main__":
    main()
