"""The fresh processes bench/city.py measures (start-up and peak memory are theirs alone).

    python city_worker.py pyosmium FILE            # the floor: one pass with node locations
    python city_worker.py graph FILE CACHE_DIR     # street graph build into CACHE_DIR
    python city_worker.py worker URL DIR OSM FROM TO AT   # a new app's first route

Each prints one JSON object as its last line. Only the standard library is imported at
the top, so that a step's time is what the step itself needs.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def pyosmium_pass(path: str) -> dict[str, Any]:
    """Count nodes, ways and tags in one pass over ``path`` with node locations."""
    import osmium

    nodes = ways = tags = 0
    for obj in osmium.FileProcessor(path).with_locations():
        tags += len(obj.tags)
        if obj.is_node():
            nodes += 1
        elif obj.is_way():
            ways += 1
    return {"nodes": nodes, "ways": ways, "tags": tags}


def graph(path: str, cache_dir: str) -> dict[str, Any]:
    """Build (or load, if ``cache_dir`` holds it) the street graph of ``path``."""
    from geo.routing.cache import load_street_graph

    t = time.perf_counter()
    street = load_street_graph(Path(path), cache_dir=Path(cache_dir))
    return {"nodes": street.n_nodes, "edges": street.n_edges, "s": time.perf_counter() - t}


def worker(url: str, directory: str, osm: str, start: str, to: str, at: str) -> dict[str, Any]:
    """Create the app on ``url`` routing on ``osm`` and answer one route through the API;
    ``answered_at`` is the wall-clock time (s since the epoch) of the answer."""
    from _common import app_for

    app = app_for(url, Path(directory))  # routes on the source import-osm recorded
    response = app.test_client().get("/api/v1/route", query_string={"from": start, "to": to, "at": at})
    answered_at = time.time()
    body = response.get_json() or {}
    return {"answered_at": answered_at, "status": response.status_code,
            "gate": (body.get("gate") or {}).get("id"), "error": body.get("error")}


STEPS = {"pyosmium": pyosmium_pass, "graph": graph, "worker": worker}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](*sys.argv[2:])))
