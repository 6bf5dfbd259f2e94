"""Coverage: per compound, the riding time from its gates to the nearest open facility of
each kind, and the share of units within 5, 10 and 15 minutes per committee, street and
district.

One multi-source search per kind answers every compound at once: a compiled Dijkstra
(``geo.planning._kernels.multi_source``: the routes' kernel without its paths and walking
bound, neither of which coverage uses, bounded at ``limit`` and stopped once every gate's
state is settled) runs from all facilities of the kind over the *reversed* network, so
the cost it settles at a gate is the cost of the forward trip from that gate to the
nearest facility. Reversing swaps the two layers (riding, then
walking after parking, becomes walking, then riding), which is the one direction the
kernel switches in, and the gate bits the same way. A compound's time is the least over
its connected gates open at ``at`` of the time from the gate's outside node, riding.
Times are seconds (``inf``: nothing within ``COVERAGE_MAX_S``).

The kinds covered are data (``data/planning/coverage_kinds.json``): 驿站, chargers with
rider-priority slots (a charger without any does not count), swap cabinets (chargers of
``charger_type`` ``swap``), parking, toilets, drinking water and lockers, each counted
only when open at the chosen time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidInput
from geo.hours.opening_hours import is_open, local_time
from geo.planning._kernels import multi_source
from geo.routing.inputs import Facility
from geo.routing.network import RIDE_LAYER, WALK_LAYER, Snapshot
from geo.routing.search import run_search

BANDS_MIN = (5, 10, 15)
KINDS_FILE = settings.DATA_DIR / "planning" / "coverage_kinds.json"

@dataclass(eq=False)
class _Reversed:
    """Every edge of a snapshot turned round, all in one CSR (costs with layers swapped)."""

    indptr: NDArray[np.int64]
    head: NDArray[np.int64]
    cost: NDArray[np.float64]
    gate: NDArray[np.int64]
    owner: NDArray[np.int64]  # the compound index of each gate


def _reverse(snap: Snapshot) -> _Reversed:
    """The reversed network of ``snap``, made once for its nodes and edges (kept across
    office gate edits: ``Snapshot.of_edges``)."""
    return snap.of_edges("coverage", _reversed_network)


def _reversed_network(snap: Snapshot) -> _Reversed:
    n = snap.n_nodes
    o_tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(snap.o_indptr))
    tail = np.concatenate([np.asarray(snap.street.tail, dtype=np.int64), o_tail])
    head = np.concatenate([np.asarray(snap.street.head, dtype=np.int64), snap.o_head])
    order = np.argsort(head, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, head + 1, 1)
    return _Reversed(indptr=np.cumsum(indptr), head=tail[order],
                     cost=np.ascontiguousarray(snap.e_cost[order][:, ::-1]),
                     gate=snap.e_gate[order],
                     owner=np.asarray([ci for _g, ci in snap.gates], dtype=np.int64))


def _swap_bits(gate_ok: NDArray[np.integer]) -> NDArray[np.int64]:
    ok = gate_ok.astype(np.int64)
    return ((ok & 1) << 1) | ((ok >> 1) & 1)


def start_states(snap: Snapshot, compound: int, gate_ok: NDArray[np.integer]) -> NDArray[np.int64]:
    """The states a rider leaves compound index ``compound`` from: the outside node of
    each connected gate open at the time ``gate_ok`` was taken for, riding."""
    gates = snap.gates_of(compound)
    usable = gates[snap.gate_connected[gates] & (gate_ok[gates] != 0)]
    states: NDArray[np.int64] = 2 * snap.gate_nodes[usable, 0] + RIDE_LAYER
    return states


def facility_nodes(snap: Snapshot, kind: str, when: datetime, *,
                   where: Callable[[Facility], bool] | None = None) -> NDArray[np.int64]:
    """Nodes of the facilities of ``kind`` open at ``when`` (and passing ``where``)."""
    nodes, facs = snap.facilities_of(kind)
    keep = [int(node) for node, fac in zip(nodes.tolist(), facs, strict=True)
            if is_open(fac.opening_hours, when)[0] and (where is None or where(fac))]
    return np.unique(np.asarray(keep, dtype=np.int64))


@cache
def coverage_kinds() -> dict[str, dict[str, Any]]:
    """The kinds covered, by key, in order: ``zh``, ``facility`` (the facility kind),
    the conditions (``charger_types``, ``min_rider_priority_slots``) and ``new`` (what a
    proposed site is given)."""
    loaded = json.loads(KINDS_FILE.read_text(encoding="utf-8"))
    return {k["kind"]: k for k in loaded["kinds"]}


def counts_as(facility: Facility, kind: str) -> bool:
    """Whether ``facility`` counts for the coverage kind ``kind`` (its facility kind and
    conditions, not its hours)."""
    spec = coverage_kinds()[kind]
    info = dict(facility.info)
    return (facility.kind == spec["facility"]
            and ("charger_types" not in spec or info.get("charger_type") in spec["charger_types"])
            and (info.get("rider_priority_slots") or 0) >= spec.get("min_rider_priority_slots", 0))


def check_kind(kind: str) -> None:
    """Raise ``InvalidInput`` unless ``kind`` is a coverage kind."""
    kinds = coverage_kinds()
    if kind not in kinds:
        raise InvalidInput(f"设施类型“{kind}”无效，可用：{'、'.join(kinds)}",
                           f"unknown facility kind {kind!r}; use one of {', '.join(kinds)}")


def kind_nodes(snap: Snapshot, kind: str, when: datetime) -> NDArray[np.int64]:
    """Nodes of the facilities counting for the coverage kind ``kind`` open at ``when``."""
    check_kind(kind)
    return facility_nodes(snap, coverage_kinds()[kind]["facility"], when,
                          where=lambda f: counts_as(f, kind))


def times_from_facilities(snap: Snapshot, nodes: NDArray[np.int64], *, when: datetime,
                          has_pass: bool = False,
                          limit: float = settings.COVERAGE_MAX_S) -> NDArray[np.float64]:
    """Per compound index: seconds from its gates to the nearest of the facility nodes
    ``nodes`` (reached walking, as ``nearest_facilities`` counts them); ``inf`` if
    none within ``limit``. One search for all."""
    gate_ok = snap.gate_ok(when, has_pass=has_pass)
    out = np.full(len(snap.compounds), np.inf)
    if len(nodes) == 0:
        return out
    rev = _reverse(snap)
    seeds = 2 * nodes + 0  # walking, which is layer 0 once the layers are swapped
    starts, owner = _gate_starts(snap, rev.owner, gate_ok)
    targets = 2 * (starts >> 1) + 1  # riding forward is layer 1 of the reversed search
    found = multi_source(rev.indptr, rev.head, rev.cost, rev.gate, _swap_bits(gate_ok), snap.park,
                         seeds, targets, limit)
    np.minimum.at(out, owner, found)
    return out


def _gate_starts(snap: Snapshot, owner: NDArray[np.int64], gate_ok: NDArray[np.integer]
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The start states of every compound (see ``start_states``) and the compound index
    each belongs to (``owner``: per gate)."""
    usable = np.flatnonzero(snap.gate_connected & (gate_ok != 0))
    return 2 * snap.gate_nodes[usable, 0] + RIDE_LAYER, owner[usable]


def time_from_compound(snap: Snapshot, compound: int, nodes: NDArray[np.int64], *,
                       when: datetime, has_pass: bool = False,
                       limit: float = settings.COVERAGE_MAX_S) -> float:
    """Seconds from compound index ``compound``'s gates to the nearest of ``nodes`` by a
    forward search of its own (what the multi-source search must equal)."""
    gate_ok = snap.gate_ok(when, has_pass=has_pass)
    seeds = start_states(snap, compound, gate_ok)
    if len(seeds) == 0 or len(nodes) == 0:
        return float("inf")
    targets = 2 * nodes + WALK_LAYER
    found, ws = run_search(snap, seeds, np.zeros(len(seeds)), targets, n_need=1,
                           gate_ok=gate_ok, limit=limit)
    return float(ws.dist[found[0]]) if len(found) else float("inf")


def coverage_times(snap: Snapshot, kinds: Iterable[str], *, at: datetime | str | None = None,
                   has_pass: bool = False, limit: float = settings.COVERAGE_MAX_S
                   ) -> dict[str, dict[int, float]]:
    """Per coverage kind, per compound id: seconds from its gates to the nearest facility
    counting for the kind open at ``at`` (``inf`` when none within ``limit`` seconds)."""
    when = local_time(at)
    result = {}
    for kind in kinds:
        times = times_from_facilities(snap, kind_nodes(snap, kind, when), when=when,
                                      has_pass=has_pass, limit=limit)
        result[kind] = {c.id: float(t) for c, t in zip(snap.compounds, times, strict=True)}
    return result


def band_shares(times: Mapping[int, float], units: Mapping[int, int],
                groups: Mapping[int, str], bands_min: Iterable[int] = BANDS_MIN
                ) -> dict[str, dict[str, float]]:
    """Per group: ``units`` (total) and, per band in minutes, the share of units (0–1) in
    compounds whose time is within it. A compound weighs its unit count, at least 1."""
    totals: dict[str, float] = {}
    within: dict[str, dict[int, float]] = {}
    bands = list(bands_min)
    for cid, group in groups.items():
        weight = float(max(units.get(cid, 0), 1))
        totals[group] = totals.get(group, 0.0) + weight
        row = within.setdefault(group, dict.fromkeys(bands, 0.0))
        t = times.get(cid, float("inf"))
        for band in bands:
            if t <= band * 60:
                row[band] += weight
    return {group: {"units": totals[group],
                    **{f"within_{b}": within[group][b] / totals[group] for b in bands}}
            for group in totals}
