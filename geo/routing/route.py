"""Access routes: from where a rider is, at a time, to a unit's door.

``route_to_door`` answers with legs (ride, park, walk), each with distance (m),
duration (s), GeoJSON geometry and Chinese instructions; the gate used; the gates of
the destination compound that were skipped and why; and the metres and seconds saved
against navigating to the compound's centroid and finding the way from there. When no
route exists it raises ``NoRoute`` with the reasons and, for gates closed at that hour,
when the next one opens. Coordinates are ``(lon, lat)`` WGS-84.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo import settings
from geo.errors import NoRoute, NotFound
from geo.hours.opening_hours import gate_state, local_time, reason_text
from geo.routing._kernels import PARK_EDGE, path_runs
from geo.routing.compound_layer import LINK
from geo.routing.door_side import door_side, route_path
from geo.routing.inputs import Door
from geo.routing.instructions import (
    SHORT_LINK_M,
    STRAIGHT_DEG,
    UNCONFIRMED_GATE_ZH,
    Piece,
    Step,
    bearing,
    distance_text,
    steps,
)
from geo.routing.network import (
    RIDE_LAYER,
    WALK_LAYER,
    AccessNetwork,
    Snapshot,
)
from geo.routing.search import (
    Path,
    Start,
    length_time,
    line_coordinates,
    place_details,
    round_point,
    run_search,
    snap_start,
    trace_path,
)

# ``saved`` looks for the centroid's road point only this many times as far as the door
# (plus ten minutes); beyond that it is left out.
_NAV_STRETCH = 2.0


def _gate_label(snap: Snapshot, gate: int) -> str:
    return snap.gates[gate][0].label


def _pieces(snap: Snapshot, path: Path, start: Start | None) -> list[tuple[str, Any]]:
    """The route as ('piece', Piece) and ('park', where) items in order.

    Consecutive edges on the same road, in the same layer, that do not turn are joined
    into one piece (``path_runs``, compiled), so that Python handles runs, not edges. A
    piece's ``span`` is the range of path states its line runs through.
    """
    street = snap.street
    items: list[tuple[str, Any]] = []
    if start is not None and len(path.states):
        i = int(np.flatnonzero(start.seeds == path.states[0])[0])
        e0 = int(start.seed_edge[i])
        node = int(path.states[0]) >> 1
        frm = (float(start.seed_from[i, 0]), float(start.seed_from[i, 1]))
        qx, qy = street.to_plane(*frm)
        if int(path.states[0]) & 1 == WALK_LAYER:
            items.append(("park", ("start", frm)))
        items.append(("piece", Piece(
            int(start.seed_layer[i]), snap.edge_name(e0) if e0 >= 0 else None,
            street.way_highway[int(street.way[e0])] if e0 >= 0 else None,
            float(start.seed_length[i]), float(start.seed_seconds[i]),
            bearing((float(qx), float(qy)), (float(snap.x[node]), float(snap.y[node]))),
            frm, snap.lonlat(node), span=(0, 0), origin=frm)))
    states, edges = path.states, path.edges[1:]
    if len(edges) == 0:
        return items
    rows, length, seconds, bearings = path_runs(
        states, edges, snap.e_length, snap.e_cost, snap.e_kind, snap.e_gate, snap.e_name,
        snap.e_way, snap.x, snap.y, LINK, SHORT_LINK_M, STRAIGHT_DEG)
    starts = rows[:, 0]
    lengths, secs = np.add.reduceat(length, starts), np.add.reduceat(seconds, starts)
    first, last = states[starts] >> 1, states[rows[:, 1]] >> 1
    ends = np.column_stack([snap.lon[first], snap.lat[first], snap.lon[last], snap.lat[last]])
    gate_in = snap.gate_nodes[:, 1] if len(snap.gate_nodes) else np.empty(0, np.int64)
    names, highways, gates = snap.names, street.way_highway, snap.gates
    for (s0, s1, e, g, layer, u, v, nm, way, kind), (b0, b1), (lon0, lat0, lon1, lat1), \
            run_len, run_s in zip(rows.tolist(), bearings.tolist(), ends.tolist(),
                                  lengths.tolist(), secs.tolist(), strict=True):
        if e == PARK_EDGE:
            items.append(("park", ("node", u)))
            continue
        items.append(("piece", Piece(
            layer, names[nm] if nm >= 0 else None, highways[way] if way >= 0 else None,
            run_len, run_s, b0, (lon0, lat0), (lon1, lat1),
            gate=gates[g][0].label if g >= 0 else None,
            gate_unconfirmed=g >= 0 and gates[g][0].origin != "mapped",
            entering=g >= 0 and v == int(gate_in[g]), link=kind == LINK,
            gate_index=g, last_bearing=b1, span=(s0, s1))))
    return items


def _park_place(snap: Snapshot, where: tuple[str, Any], door: Door) -> tuple[str, tuple[float, float]]:
    kind, ref = where
    if kind == "start":
        return "起点路边", ref
    node = int(ref)
    lonlat = snap.lonlat(node)
    what, value = snap.node_role(node)
    if what == "facility":
        return value.name or "停车点", lonlat
    if what == "gate_out":
        return f"{snap.gates[value][0].label}外", lonlat
    if what == "gate_in":
        return f"{snap.gates[value][0].label}内", lonlat
    if what == "door":
        return f"{value.label}门口", lonlat
    return "路边", lonlat


def _legs(snap: Snapshot, path: Path, items: list[tuple[str, Any]], door: Door
          ) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    """Legs (ride, park, walk) with instructions; and the gates passed, in order, with
    the layer (riding 0, walking 1) they were passed in. ``items`` are ``_pieces`` of
    ``path``."""
    path_nodes = path.states >> 1
    legs: list[dict[str, Any]] = []
    gates_used: list[tuple[int, int]] = []
    heading: float | None = None
    current: list[Piece] = []

    def close() -> None:
        nonlocal heading, current
        if not current:
            return
        leg_steps = steps(current, heading=heading)
        if leg_steps:
            heading = next((s.last_bearing for s in reversed(leg_steps) if s.type != "gate"), heading)
        legs.append(_leg("ride" if current[0].layer == RIDE_LAYER else "walk", current,
                         leg_steps, _leg_points(snap, path_nodes, current)))
        current = []

    for kind, value in items:
        if kind == "park":
            close()
            place, lonlat = _park_place(snap, value, door)
            legs.append({
                "mode": "park", "distance_m": 0.0, "duration_s": settings.PARKING_DELAY_S,
                "geometry": {"type": "Point", "coordinates": round_point(lonlat)},
                "place": place, "instructions": [f"在{place}停车"],
                "steps": [{"instruction": f"在{place}停车", "distance_m": 0.0,
                           "duration_s": settings.PARKING_DELAY_S, "type": "park",
                           "modifier": None, "name": None, "location": round_point(lonlat)}]})
            continue
        if current and current[-1].layer != value.layer:
            close()
        current.append(value)
        if value.gate_index >= 0:
            gates_used.append((value.gate_index, value.layer))
    close()
    if legs and legs[-1]["mode"] != "park":
        arrive = f"到达{door.label}"
        legs[-1]["instructions"].append(arrive)
        legs[-1]["steps"].append({"instruction": arrive, "distance_m": 0.0, "duration_s": 0.0,
                                  "type": "arrive", "modifier": None, "name": None,
                                  "location": round_point((door.lon, door.lat))})
    elif legs:
        legs[-1]["instructions"].append(f"到达{door.label}")
    return legs, gates_used


def _leg_points(snap: Snapshot, path_nodes: NDArray[np.int64], pieces: list[Piece]
                ) -> NDArray[np.float64]:
    """(lon, lat) rows of a leg's line: the nodes of its pieces' spans, after the start's
    own point when the leg begins at the start."""
    first, last = pieces[0].span, pieces[-1].span
    nodes = path_nodes[first[0]:last[1] + 1]
    points = np.column_stack([snap.lon[nodes], snap.lat[nodes]])
    origin = pieces[0].origin
    return points if origin is None else np.vstack([np.asarray([origin]), points])


def _leg(mode: str, pieces: list[Piece], leg_steps: list[Step],
         coords: NDArray[np.float64]) -> dict[str, Any]:
    clean = line_coordinates(coords)
    return {
        "mode": mode,
        "distance_m": round(sum(p.length for p in pieces), 1),
        "duration_s": round(sum(p.seconds for p in pieces), 1),
        "geometry": {"type": "LineString", "coordinates": clean},
        "instructions": [s.text for s in leg_steps],
        "steps": [s.as_dict() for s in leg_steps],
    }


def _gate_dict(snap: Snapshot, gate: int) -> dict[str, Any]:
    g = snap.gates[gate][0]
    return {"id": g.id, "name": g.name, "number": g.number, "code": g.code, "label": g.label,
            "location": round_point((g.lon, g.lat)), "origin": g.origin,
            "note_zh": UNCONFIRMED_GATE_ZH if g.origin != "mapped" else None}


def gate_report(snap: Snapshot, compound: int, at: datetime, *, has_pass: bool,
                used: set[int]) -> list[dict[str, Any]]:
    """The gates of ``compound`` not used, with their reasons (only gates with one)."""
    c = snap.compounds[compound]
    out = []
    for gi in snap.gates_of(compound).tolist():
        gate = snap.gates[gi][0]
        if gi in used:
            continue
        state = gate_state(gate, at, ebikes_inside=c.ebikes_allowed, has_pass=has_pass)
        reasons = list(state.reasons)
        if not snap.gate_connected[gi]:
            reasons.append("not_connected")
        if not reasons:
            continue
        out.append({**_gate_dict(snap, gi), "reasons": [
            {"code": r, "message": reason_text(r)[0], "message_en": reason_text(r)[1]}
            for r in reasons],
            "next_open": state.next_open.isoformat() if state.next_open else None})
    return out


def find_door(snap: Snapshot, key: tuple[str, int]) -> tuple[int, Door]:
    """The node and ``Door`` of ``key`` (``("unit", 12)``); ``NotFound`` if not joined."""
    try:
        return snap.doors[key]
    except KeyError:
        raise NotFound(f"路网中没有这个目的地（{key[0]} {key[1]}）",
                       f"destination {key[0]} {key[1]} is not on the routing network") from None


def route_to_door(network: AccessNetwork, start: tuple[float, float], door: tuple[str, int], *,
                  at: datetime | str | None = None, has_pass: bool = False,
                  compare: bool = True, at_gate: int | None = None) -> dict[str, Any]:
    """The access route from ``start`` (lon, lat) to ``door`` (kind, id) at ``at``.

    ``compare`` adds ``saved`` (one or two more searches); without it ``saved`` is None.
    ``at_gate``: the start is that gate, outside it (see ``snap_start``).

    Raises ``NoRoute`` (with reasons and the next opening time of closed gates),
    ``NotFound`` for an unknown door, ``InvalidCoordinates`` for a start off the map.
    """
    snap = network.snapshot
    when = local_time(at)
    door_node, door_info = find_door(snap, door)
    origin = snap_start(snap, *start, at_gate=at_gate)
    gate_ok = snap.gate_ok(when, has_pass=has_pass)
    target = 2 * door_node + WALK_LAYER
    compound = int(snap.node_compound[door_node])
    if compound >= 0 and not _any_gate_usable(snap, compound, gate_ok):
        raise _no_route(snap, compound, when, has_pass, door_info, origin)
    # From outside the door's compound, search only to its gates (``door_side``).
    side = door_side(snap, compound, door_node, gate_ok, origin.seeds) if compound >= 0 else None
    nav = snap.nav.get(compound) if compound >= 0 else None
    keep = 2 * nav + RIDE_LAYER if nav is not None else None
    for walk_max in (settings.WALK_AFTER_PARKING_MAX_M, np.inf):  # the bound, else none
        # The main search often settles the centroid's road point on its way: it is kept.
        if side is not None:
            path, nav_path = route_path(snap, side, origin.seeds, origin.seed_cost,
                                        gate_ok=gate_ok, door_node=door_node, walk_max=walk_max,
                                        keep=keep)
        else:
            found, ws = run_search(snap, origin.seeds, origin.seed_cost,
                                   np.asarray([target], np.int64), n_need=1, gate_ok=gate_ok,
                                   door=door_node, heuristic_nodes=[door_node], walk_max=walk_max)
            path = trace_path(ws, target) if len(found) else None
            nav_path = trace_path(ws, keep) if keep is not None and ws.done[keep] == ws.gen else None
        if path is not None or walk_max == np.inf:
            break
    if path is None:
        raise _no_route(snap, compound, when, has_pass, door_info, origin)
    items = _pieces(snap, path, origin)
    legs, gates_used = _legs(snap, path, items, door_info)
    distance = sum(leg["distance_m"] for leg in legs)
    duration = sum(leg["duration_s"] for leg in legs)
    used = {g for g, _layer in gates_used}
    entry = next((g for g, _layer in gates_used if snap.gates[g][1] == compound), None)
    saved = None
    if nav is not None and compare:
        saved = _saved(snap, origin, nav, gate_ok, door_node, path, distance, nav_path)
    result: dict[str, Any] = {
        "from": {"location": round_point(start), "snapped": round_point(origin.snapped),
                 "snap_distance_m": round(origin.snap_m, 1)},
        "to": {"kind": door_info.kind, "id": door_info.id, "label": door_info.label,
               "code": door_info.code, "location": round_point((door_info.lon, door_info.lat)),
               "compound": _compound_dict(snap, compound)},
        "at": when.isoformat(),
        "pass": has_pass,
        "distance_m": round(distance, 1),
        "duration_s": round(duration, 1),
        "cost_s": path.cost,
        "legs": legs,
        "instructions": "，".join(i for leg in legs for i in leg["instructions"]) + "。",
        "gate": _gate_dict(snap, entry) if entry is not None else None,
        "gates_passed": [{**_gate_dict(snap, g), "mode": "ride" if layer == RIDE_LAYER else "walk"}
                         for g, layer in gates_used],
        "gates_skipped": gate_report(snap, compound, when, has_pass=has_pass, used=used)
        if compound >= 0 else [],
        "saved": saved,
    }
    return result


def _any_gate_usable(snap: Snapshot, compound: int, gate_ok: NDArray[np.uint8]) -> bool:
    """Whether some connected gate of ``compound`` lets riders or walkers through now."""
    mine = snap.gates_of(compound)
    return bool(np.any((gate_ok[mine] > 0) & snap.gate_connected[mine]))


def _compound_dict(snap: Snapshot, compound: int) -> dict[str, Any] | None:
    if compound < 0:
        return None
    c = snap.compounds[compound]
    return {"id": c.id, "name": c.name, "code": c.code, "ebikes_allowed": c.ebikes_allowed}


def _saved(snap: Snapshot, origin: Start, nav: int, gate_ok: NDArray[np.uint8], door_node: int,
           route: Path, distance: float, nav_path: Path | None) -> dict[str, Any] | None:
    """What the route saves against riding to the road point nearest the compound's
    centroid (where a navigation app leads) and finding the way to the door from there.

    ``seconds`` compares search costs (travel time plus the parking penalty), so it is
    never negative; ``metres`` may be, when the quicker way is longer. Left out (None)
    when that point is more than ``_NAV_STRETCH`` times as far as the door.
    """
    there = 2 * nav + RIDE_LAYER
    if nav_path is None:
        found, ws = run_search(snap, origin.seeds, origin.seed_cost,
                               np.asarray([there], np.int64), n_need=1, gate_ok=gate_ok,
                               heuristic_nodes=[nav], limit=route.cost * _NAV_STRETCH + 600.0)
        if len(found) == 0:
            return None
        nav_path = trace_path(ws, there)
    target = 2 * door_node + WALK_LAYER
    found, ws = run_search(snap, np.asarray([there], np.int64), np.zeros(1),
                           np.asarray([target], np.int64), n_need=1, gate_ok=gate_ok,
                           heuristic_nodes=[door_node], door=door_node)
    if len(found) == 0:
        return None
    rest = trace_path(ws, target)
    base_len = length_time(snap, nav_path)[0] + length_time(snap, rest)[0]
    base_cost = nav_path.cost + rest.cost
    return {"against": "compound_centroid", "centroid_point": round_point(snap.lonlat(nav)),
            "baseline_distance_m": round(base_len, 1), "baseline_cost_s": round(base_cost, 1),
            "metres": round(base_len - distance, 1), "seconds": round(base_cost - route.cost, 1)}


def _no_route(snap: Snapshot, compound: int, when: datetime, has_pass: bool,
              door: Door, origin: Start) -> NoRoute:
    """Why no route reaches ``door``; ``details`` always says where the start and the
    destination are (``reason``, ``from``: its place, ``to``: the door's)."""
    details: dict[str, Any] = {
        "reason": "no_way_from_start",
        "from": place_details(snap, origin.lon, origin.lat, "start"),
        "to": {"lon": door.lon, "lat": door.lat, "compound": _compound_dict(snap, compound),
               "gates": [snap.gates[g][0].id for g in snap.gates_of(compound).tolist()]
               if compound >= 0 else []}}
    if compound < 0:
        return NoRoute(f"从起点无法到达{door.label}", f"no way from the start to {door.label}",
                       details=details)
    c = snap.compounds[compound]
    report = gate_report(snap, compound, when, has_pass=has_pass, used=set())
    gates = snap.gates_of(compound)
    blocked = {g["id"] for g in report if any(
        r["code"] in ("closed_at_time", "closed_to_riders", "pass_required", "not_connected")
        for r in g["reasons"])}
    details.update({"compound": _compound_dict(snap, compound), "gates": report})
    if len(gates) == 0:
        details["reason"] = "no_gates"
        return NoRoute(f"{c.name}没有登记任何出入口，无法规划进入路线",
                       f"{c.name} has no gates on record", details=details)
    if len(blocked) == len(gates):
        opens = sorted((g["next_open"], g["label"]) for g in report if g["next_open"])
        details["reason"] = "no_usable_gate"
        if opens:
            details["next_open"] = opens[0][0]
            t = datetime.fromisoformat(opens[0][0])
            return NoRoute(
                f"{c.name}的出入口此时都不能通行；最早{t:%m月%d日%H:%M}{opens[0][1]}开门",
                f"no gate of {c.name} can be used now; {opens[0][1]} opens first, at "
                f"{t:%Y-%m-%d %H:%M}", details=details)
        codes = {r["code"] for g in report for r in g["reasons"]}
        if codes & {"closed_to_riders", "pass_required"}:
            return NoRoute(f"{c.name}的出入口都不对骑手开放",
                           f"no gate of {c.name} is open to riders", details=details)
        return NoRoute(f"{c.name}的出入口都没有与路网相连",
                       f"no gate of {c.name} joins the street network", details=details)
    return NoRoute(f"从起点无法经可用的出入口到达{door.label}",
                   f"no way from the start through a usable gate to {door.label}", details=details)


__all__ = ["Start", "distance_text", "find_door", "gate_report", "route_to_door", "run_search",
           "snap_start"]
