"""Gaps and siting: the compounds a kind of facility does not reach within a time, and
the k new sites that would reach the most of their units.

Choosing the sites is the maximal covering location problem (Church & ReVelle 1974):
maximise the units of the uncovered compounds reached, with ``k`` sites among the
candidates. It is solved exactly as an integer programme with PuLP and its bundled CBC.
What a candidate reaches is measured on the network the candidates would make
(``AccessNetwork.what_if``: each becomes a facility joined to the streets as real ones
are), by one search from it bounded by the time limit over the reversed network, the
same search as coverage. Times are seconds, coordinates ``(lon, lat)`` WGS-84.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidInput
from geo.hours.opening_hours import local_time
from geo.planning.coverage import check_kind, coverage_kinds, kind_nodes, times_from_facilities
from geo.routing.inputs import Facility
from geo.routing.network import AccessNetwork, Snapshot

_SITE_COST = 1e-3  # per chosen site, as a share of the least demand weight


def mclp(cover: Sequence[frozenset[int]], weights: Mapping[int, float], k: int) -> list[int]:
    """The indices of at most ``k`` candidates whose covers (sets of demand ids) together
    hold the largest weight, in candidate order (an optimum of the MCLP, by CBC); no site
    is chosen that adds no weight."""
    import pulp  # here: a worker that never sites a facility does not load the solver

    if k < 1 or not cover:
        return []
    demand = sorted({d for c in cover for d in c if weights.get(d, 0) > 0})
    problem = pulp.LpProblem("mclp", pulp.LpMaximize)
    pick = [problem.add_variable(f"x{j}", cat="Binary") for j in range(len(cover))]
    reached = {d: problem.add_variable(f"y{d}", lowBound=0, upBound=1) for d in demand}
    # A site that adds nothing costs a little, so no useless site is chosen.
    cost = _SITE_COST * min((weights[d] for d in demand), default=1.0)
    problem += pulp.lpSum(weights[d] * reached[d] for d in demand) - cost * pulp.lpSum(pick)
    problem += pulp.lpSum(pick) <= k
    by_demand: dict[int, list[int]] = {d: [] for d in demand}
    for j, c in enumerate(cover):
        for d in c:
            if d in by_demand:
                by_demand[d].append(j)
    for d, sites in by_demand.items():
        problem += reached[d] <= pulp.lpSum(pick[j] for j in sites)
    problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=settings.SITING_SOLVER_MAX_S))
    if pulp.LpStatus[problem.status] != "Optimal":
        msg = f"MCLP solver ended {pulp.LpStatus[problem.status]}"
        raise RuntimeError(msg)
    return [j for j, x in enumerate(pick) if (x.value() or 0) > 0.5]


def street_candidates(snap: Snapshot, compounds: Sequence[int], *,
                      radius_m: float = settings.SITING_CANDIDATE_RADIUS_M,
                      spacing_m: float = settings.SITING_CANDIDATE_SPACING_M,
                      limit: int = settings.SITING_MAX_CANDIDATES) -> list[tuple[float, float]]:
    """Street points near the gates of compound indices ``compounds``: nodes of the main
    street network outside every compound within ``radius_m`` of a gate, at most one per
    ``spacing_m`` square, at most ``limit`` (lon, lat)."""
    street = snap.street
    gates = np.concatenate([snap.gates_of(ci) for ci in compounds] or [np.empty(0, np.intp)])
    if len(gates) == 0:
        return []
    gx = snap.x[snap.gate_nodes[gates, 0]]
    gy = snap.y[snap.gate_nodes[gates, 0]]
    ok = np.flatnonzero((snap.node_compound[:snap.n_base] < 0) & np.asarray(street.node_main))
    tree = shapely.STRtree(shapely.points(gx, gy))
    pairs = tree.query(shapely.points(snap.x[ok], snap.y[ok]), predicate="dwithin", distance=radius_m)
    nodes = ok[np.unique(pairs[0])]
    cells = np.column_stack([np.floor(snap.x[nodes] / spacing_m), np.floor(snap.y[nodes] / spacing_m)])
    _cells, first = np.unique(cells, axis=0, return_index=True)
    chosen = nodes[np.sort(first)][:limit]
    return [snap.lonlat(int(n)) for n in chosen]


@dataclass
class Siting:
    """The answer: compound ids uncovered before, the chosen candidates (indices into the
    candidates given), what each covers, and seconds per compound id before and after."""

    uncovered: list[int]
    chosen: list[int]
    covers: dict[int, list[int]]
    before: dict[int, float]
    after: dict[int, float]

    def as_dict(self, candidates: Sequence[tuple[float, float]],
                units: Mapping[int, int]) -> dict[str, Any]:
        """JSON-ready, with the units covered before and after among the compounds."""
        def covered(times: Mapping[int, float], limit: float) -> int:
            return sum(max(units.get(c, 0), 1) for c, t in times.items() if t <= limit)
        return {"uncovered": self.uncovered,
                "sites": [{"candidate": j, "location": [round(candidates[j][0], 7),
                                                       round(candidates[j][1], 7)],
                           "covers": self.covers[j],
                           "units": sum(max(units.get(c, 0), 1) for c in self.covers[j])}
                          for j in self.chosen],
                "before": {str(c): _seconds(t) for c, t in self.before.items()},
                "after": {str(c): _seconds(t) for c, t in self.after.items()}}


def _seconds(t: float) -> float | None:
    return round(t, 1) if np.isfinite(t) else None


def site(network: AccessNetwork, kind: str, candidates: Sequence[tuple[float, float]], *,
         minutes: float, k: int, units: Mapping[int, int], among: set[int] | None = None,
         at: datetime | str | None = None) -> Siting:
    """The ``k`` best of ``candidates`` (lon, lat) for a new facility of the coverage kind
    ``kind``: the MCLP over the compounds (ids; ``among`` only, if given) further than
    ``minutes`` from an open one counting for it, weighted by ``units`` (at least 1 each)."""
    check_kind(kind)
    if not 0 < minutes <= settings.COVERAGE_MAX_S / 60:
        raise InvalidInput(f"时间应在 0 到 {settings.COVERAGE_MAX_S / 60:g} 分钟之间",
                           f"minutes must be in (0, {settings.COVERAGE_MAX_S / 60:g}]")
    if not 1 <= k <= settings.SITING_MAX_K:
        raise InvalidInput(f"k 应在 1 到 {settings.SITING_MAX_K} 之间",
                           f"k must be between 1 and {settings.SITING_MAX_K}")
    if len(candidates) > settings.SITING_MAX_CANDIDATES:
        raise InvalidInput(f"候选点最多 {settings.SITING_MAX_CANDIDATES} 个",
                           f"at most {settings.SITING_MAX_CANDIDATES} candidates")
    when = local_time(at)
    limit = minutes * 60.0
    snap = network.snapshot
    ids = [c.id for c in snap.compounds]
    before = times_from_facilities(snap, kind_nodes(snap, kind, when), when=when)
    demand = [i for i, cid in enumerate(ids) if before[i] > limit and (among is None or cid in among)]
    trial, nodes = _with_candidates(network, kind, candidates)
    open_nodes = kind_nodes(trial, kind, when)
    open_nodes = open_nodes[~np.isin(open_nodes, nodes)]
    demand_set = set(demand)
    cover: list[frozenset[int]] = []
    for node in nodes.tolist():
        reach = times_from_facilities(trial, np.asarray([node], dtype=np.int64), when=when,
                                      limit=limit)
        cover.append(frozenset(i for i in np.flatnonzero(reach <= limit).tolist()
                               if i in demand_set))
    weights = {i: float(max(units.get(ids[i], 0), 1)) for i in demand}
    chosen = mclp(cover, weights, k)
    after = times_from_facilities(trial, np.concatenate([open_nodes, nodes[chosen]]), when=when)
    return Siting(uncovered=[ids[i] for i in demand], chosen=chosen,
                  covers={j: sorted(ids[i] for i in cover[j]) for j in chosen},
                  before=dict(zip(ids, before.tolist(), strict=True)),
                  after=dict(zip(ids, after.tolist(), strict=True)))


def _with_candidates(network: AccessNetwork, kind: str,
                     candidates: Sequence[tuple[float, float]]) -> tuple[Snapshot, NDArray[np.int64]]:
    """The network with every candidate as a facility counting for the coverage kind
    ``kind`` (ids -1, -2, …; open always) and the candidates' nodes in order."""
    snap = network.snapshot
    spec = coverage_kinds()[kind]
    extra = []
    for j, (lon, lat) in enumerate(candidates):
        inside = snap.compound_at(lon, lat)
        extra.append(Facility(id=-1 - j, kind=spec["facility"], lon=lon, lat=lat, name="候选点",
                              compound_id=snap.compounds[inside].id if inside >= 0 else None,
                              info=tuple(spec["new"].items())))
    data = network.data
    trial = network.what_if(replace(data, facilities=data.facilities + tuple(extra)))
    nodes = np.asarray([trial.facilities[-1 - j][0] for j in range(len(candidates))],
                       dtype=np.int64)
    return trial, nodes
