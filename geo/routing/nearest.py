"""Nearest facilities of a kind by network time.

The search starts from a point with the same rules as access routes: the rider rides
where e-bikes may go, may leave the e-bike and walk, and passes only gates open at
``at``. Times are seconds, distances metres, coordinates ``(lon, lat)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from geo import settings
from geo.errors import InvalidInput
from geo.hours.opening_hours import is_open, local_time
from geo.hours.text import hours_zh
from geo.routing.inputs import Facility
from geo.routing.network import WALK_LAYER, AccessNetwork
from geo.routing.search import (
    length_time,
    line_coordinates,
    mode_metres,
    run_search,
    snap_start,
    trace_path,
)

FACILITY_KINDS = ("station", "charger", "parking", "toilet", "water", "locker", "first_aid")


def nearest_facilities(network: AccessNetwork, start: tuple[float, float], kind: str, *,
                       at: datetime | str | None = None, open_now: bool = False, k: int = 3,
                       has_pass: bool = False, at_gate: int | None = None) -> list[dict[str, Any]]:
    """Up to ``k`` facilities of ``kind`` nearest to ``start`` by network time, within
    ``NEAREST_MAX_S``; with ``open_now`` only those open at ``at``; ``at_gate``: the start
    is that gate's street side (see ``snap_start``)."""
    if kind not in FACILITY_KINDS:
        raise InvalidInput(f"设施类型“{kind}”无效，可用：{'、'.join(FACILITY_KINDS)}",
                           f"unknown facility kind {kind!r}; use one of {', '.join(FACILITY_KINDS)}")
    if not 1 <= k <= settings.NEAREST_MAX_K:
        raise InvalidInput(f"k 应在 1 到 {settings.NEAREST_MAX_K} 之间",
                           f"k must be between 1 and {settings.NEAREST_MAX_K}")
    snap = network.snapshot
    when = local_time(at)
    origin = snap_start(snap, *start, at_gate=at_gate)
    nodes, facs = snap.facilities_of(kind)
    if open_now:
        keep = [i for i, f in enumerate(facs) if is_open(f.opening_hours, when)[0]]
        nodes, facs = nodes[keep], [facs[i] for i in keep]
    if not facs:
        return []
    states = 2 * nodes + WALK_LAYER
    at_state: dict[int, list[Facility]] = {}  # facilities sharing a node are all answers
    for state, fac in zip(states.tolist(), facs, strict=True):
        at_state.setdefault(state, []).append(fac)
    targets = np.array(sorted(at_state), dtype=np.int64)
    found, ws = run_search(snap, origin.seeds, origin.seed_cost, targets, n_need=k,
                           gate_ok=snap.gate_ok(when, has_pass=has_pass),
                           limit=settings.NEAREST_MAX_S)
    out: list[dict[str, Any]] = []
    for state, fac in ((s, f) for s in found.tolist() for f in at_state[s]):
        if len(out) == k:
            break
        path = trace_path(ws, state)
        metres, seconds = length_time(snap, path)
        ride_m, walk_m = mode_metres(snap, path)
        coords = [origin.snapped] + [snap.lonlat(int(s) >> 1) for s in path.states]
        _open, change, _ = is_open(fac.opening_hours, when)
        out.append({
            "id": fac.id, "kind": fac.kind, "name": fac.name,
            "location": [round(fac.lon, 7), round(fac.lat, 7)],
            "opening_hours": fac.opening_hours, "opening_hours_zh": hours_zh(fac.opening_hours),
            "open_now": _open,
            "next_change": change.isoformat() if change else None,
            "distance_m": round(metres, 1), "duration_s": round(seconds, 1),
            "ride_m": round(ride_m, 1), "walk_m": round(walk_m, 1),
            "geometry": {"type": "LineString", "coordinates": line_coordinates(coords)},
            **dict(fac.info)})
    return out
