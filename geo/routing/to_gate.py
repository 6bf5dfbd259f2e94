"""The way from a point to a compound's gate, on the street side: what a rider at a
closed gate needs to reach the open one. Coordinates ``(lon, lat)``, metres, seconds."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.errors import NoRoute, NotFound
from geo.geometry.coords import from_metres, to_metres
from geo.hours.opening_hours import local_time
from geo.routing.inputs import Door
from geo.routing.network import RIDE_LAYER, WALK_LAYER, AccessNetwork
from geo.routing.route import _gate_dict, _legs, _pieces
from geo.routing.search import round_point, run_search, snap_start, trace_path


def street_side(outline: BaseGeometry, lon: float, lat: float, *,
                metres: float | None = None) -> tuple[float, float]:
    """The (lon, lat) ``metres`` (``GATE_STREET_SIDE_M``) outside the compound ``outline``
    from the gate at ``(lon, lat)``: where a rider at the gate stands, on the street."""
    step = settings.GATE_STREET_SIDE_M if metres is None else metres
    origin = (lon, lat)
    plane = to_metres(outline, origin=origin)
    gate = to_metres(Point(lon, lat), origin=origin)
    candidates = [Point(gate.x + step * math.sin(a), gate.y + step * math.cos(a))
                  for a in np.linspace(0, 2 * math.pi, 16, endpoint=False)]
    best = max(candidates, key=plane.distance)  # the one farthest out (0 inside)
    if plane.distance(best) == 0:
        return lon, lat
    point = from_metres(best, origin=origin)
    return float(point.x), float(point.y)


def route_to_gate(network: AccessNetwork, start: tuple[float, float], gate_id: int, *,
                  at: datetime | str | None = None, has_pass: bool = False,
                  at_gate: int | None = None) -> dict[str, Any]:
    """The route from ``start`` (lon, lat) to the street side of gate ``gate_id``, riding
    or walking; the same legs and steps as ``route_to_door``. ``NotFound`` for a gate not
    on the network, ``NoRoute`` when it cannot be reached. ``at_gate``: see ``snap_start``."""
    snap = network.snapshot
    index = snap.gate_index(gate_id)
    if index is None:
        raise NotFound(f"路网中没有这个出入口（{gate_id}）", f"gate {gate_id} is not on the network")
    gate, compound = snap.gates[index]
    outside = int(snap.gate_nodes[index][0])
    when = local_time(at)
    origin = snap_start(snap, *start, at_gate=at_gate)
    targets = np.asarray(sorted({2 * outside + RIDE_LAYER, 2 * outside + WALK_LAYER}), np.int64)
    found, ws = run_search(snap, origin.seeds, origin.seed_cost, targets, n_need=1,
                           gate_ok=snap.gate_ok(when, has_pass=has_pass))
    if len(found) == 0:
        raise NoRoute(f"从起点无法到达{gate.label}", f"no way from the start to {gate.label}",
                      details={"reason": "gate_unreachable", "gate_id": gate_id})
    path = trace_path(ws, int(found[0]))
    end = Door(id=gate.id, lon=gate.lon, lat=gate.lat, compound_id=snap.compounds[compound].id,
               label=gate.label, kind="gate", code=gate.code)
    legs, _gates = _legs(snap, path, _pieces(snap, path, origin), end)
    return {
        "from": {"location": round_point(start), "snapped": round_point(origin.snapped),
                 "snap_distance_m": round(origin.snap_m, 1)},
        "to": {"kind": "gate", "id": gate.id, "label": gate.label, "code": gate.code,
               "location": round_point((gate.lon, gate.lat)), "compound": None},
        "at": when.isoformat(), "pass": has_pass,
        "distance_m": round(sum(leg["distance_m"] for leg in legs), 1),
        "duration_s": round(sum(leg["duration_s"] for leg in legs), 1),
        "legs": legs, "gate": _gate_dict(snap, index), "gates_passed": [], "gates_skipped": [],
        "saved": None,
    }
