"""Compiled seeding of a start on the street segments near it (numba): the states a
search starts from, with their costs and first pieces (``search.snap_start``). States
are ``2 * node + layer`` as in ``_kernels``; plane coordinates in metres, costs seconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

_Float = NDArray[np.float64]
_Int = NDArray[np.int64]
_Index = NDArray[np.integer]

RIDE, WALK = 0, 1


@njit(cache=True, inline="always")
def _add(rows: _Float, n: int, state: int, cost: float, qx: float, qy: float, edge: int,
         metres: float, seconds: float, layer: int) -> int:
    """Keep the cheapest row per state (a state keeps the place it was first added at);
    returns the number of rows."""
    row = n
    for k in range(n):
        if rows[k, 0] == state:
            if cost >= rows[k, 1]:
                return n
            row = k
            break
    rows[row, 0] = state
    rows[row, 1] = cost
    rows[row, 2] = qx
    rows[row, 3] = qy
    rows[row, 4] = edge
    rows[row, 5] = metres
    rows[row, 6] = seconds
    rows[row, 7] = layer
    return n + 1 if row == n else n


@njit(cache=True)
def segment_seeds(segs: _Int, dists: _Float, fracs: _Float, seg_a: _Index, seg_b: _Index,
                  x: _Float, y: _Float, indptr: _Index, head: _Index, b_cost: _Float,
                  length_m: _Float, park_here: float, push_max_m: float,
                  walk_speed_ms: float) -> tuple[_Float, float, float, float]:
    """Seeds of a start whose nearest segments are ``segs`` (best first, at ``dists``
    metres, the nearest point at ``fracs`` along each): riding on along each street edge
    of a segment, walking on after parking (``park_here`` s, ``inf``: not here), or
    pushing the e-bike up to ``push_max_m`` where it may not be ridden. Segments up to
    ``push_max_m`` farther than the nearest one that gives a seed cost the walk there.

    Returns rows (state, cost s, snapped x, y, street edge, metres, seconds, layer of
    the first piece), and the snapped point (x, y) and distance (m) on the nearest
    segment that gives a seed (distance -1: none does).
    """
    capacity = 0
    for k in range(segs.shape[0]):
        a, b = seg_a[segs[k]], seg_b[segs[k]]
        capacity += 3 * (indptr[a + 1] - indptr[a] + indptr[b + 1] - indptr[b])
    rows = np.empty((capacity, 8))
    n = 0
    nearest_x = nearest_y = 0.0
    nearest_d = -1.0
    can_park = park_here < np.inf
    for k in range(segs.shape[0]):
        d = dists[k]
        if nearest_d >= 0 and d > nearest_d + push_max_m:
            continue
        push = 0.0 if nearest_d < 0 else max(d - nearest_d, 0.0) / walk_speed_ms
        a, b = seg_a[segs[k]], seg_b[segs[k]]
        f = fracs[k]
        qx = x[a] + f * (x[b] - x[a])
        qy = y[a] + f * (y[b] - y[a])
        found = False
        for side in range(2):
            tail, to, along = (a, b, 1.0 - f) if side == 0 else (b, a, f)
            for e in range(indptr[tail], indptr[tail + 1]):
                if head[e] != to:
                    continue
                ride, walk = b_cost[e, 0], b_cost[e, 1]
                can_ride, can_walk = ride < np.inf, walk < np.inf and can_park
                metres = length_m[e] * along
                found |= can_ride or can_walk
                if can_ride:
                    n = _add(rows, n, 2 * to + RIDE, push + ride * along, qx, qy, e, metres,
                             ride * along, RIDE)
                if can_walk:
                    n = _add(rows, n, 2 * to + WALK, push + walk * along + park_here, qx, qy, e,
                             metres, walk * along, WALK)
                    if not can_ride and metres <= push_max_m:
                        n = _add(rows, n, 2 * to + RIDE, push + walk * along, qx, qy, e,
                                 metres, walk * along, WALK)
        if found and nearest_d < 0:
            nearest_x, nearest_y, nearest_d = qx, qy, d
    return rows[:n], nearest_x, nearest_y, nearest_d
