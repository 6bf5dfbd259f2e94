"""Compiled cells of the door matrix (numba): one origin's search and what it measures
to each door it settles (``door_row``), and one origin's cell from a backward search
towards a door (``backward_cell``). Seconds and metres include the first piece from the
origin to its seed (``Start.seed_length``/``seed_seconds``) and the parking delays, as
``route_to_door`` counts them. States are ``2 * node + layer`` as in ``_kernels``.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from geo.routing._kernels import path_totals, search

_Float = NDArray[np.float64]
_Int = NDArray[np.int64]
_Index = NDArray[np.integer]


@njit(cache=True, inline="always")
def _with_first_piece(seed: int, metres: float, seconds: float, seeds: _Int,
                      seed_length: _Float, seed_seconds: _Float,
                      park_delay: float) -> tuple[float, float]:
    """Metres and seconds with the piece from the origin to its seed number ``seed``, and
    the parking delay when that seed is already walking."""
    parked = park_delay if seeds[seed] & 1 == 1 else 0.0
    return metres + seed_length[seed], seconds + seed_seconds[seed] + parked


@njit(cache=True)
def door_row(n_base: int, b_indptr: _Index, b_head: _Index, b_cost: _Float,
             o_indptr: _Index, o_head: _Index, o_cost: _Float, o_gate: _Index, park: _Float,
             park_delay: float, gate_ok: _Index, x: _Float, y: _Float, e_length: _Float,
             e_cost: _Float, seeds: _Int, seed_cost: _Float, seed_length: _Float,
             seed_seconds: _Float, targets: _Int, columns: _Int, tx: _Float, ty: _Float,
             inv_speed: _Float, b_walk_m: _Float, o_walk_m: _Float, walk_max: float,
             dist: _Float, pred: _Int, pred_edge: _Int, walked: _Float, stamp: _Int,
             done: _Int, gen: int, heap_key: _Float, heap_val: _Int, row_seconds: _Float,
             row_metres: _Float) -> None:
    """One search from ``seeds`` until every door of ``targets`` (sorted walk states)
    is settled (A* when ``tx``/``ty`` hold the doors' coordinates); for each settled
    door, seconds and metres into ``row_seconds``/``row_metres`` at its entry of
    ``columns``. A door is parked at itself (ridden there, then ``park_delay``) when
    that is no dearer than walking there: a ride state cheaper than the walk state was
    settled before it, so it is known here."""
    found, _settled = search(
        n_base, b_indptr, b_head, b_cost, o_indptr, o_head, o_cost, o_gate, park, -1,
        park_delay, gate_ok, x, y, seeds, seed_cost, targets, targets.shape[0], tx, ty,
        inv_speed, np.inf, b_walk_m, o_walk_m, walk_max, dist, pred, pred_edge, walked, stamp,
        done, gen, heap_key, heap_val)
    ends = np.empty(found.shape[0], dtype=np.int64)
    at_door = np.zeros(found.shape[0], dtype=np.bool_)
    for k in range(found.shape[0]):
        ride = found[k] - 1
        at_door[k] = done[ride] == gen and dist[ride] + park_delay <= dist[found[k]]
        ends[k] = ride if at_door[k] else found[k]
    metres, seconds, first = path_totals(ends, pred, pred_edge, e_length, e_cost, park_delay)
    for k in range(found.shape[0]):
        seed = 0
        while seeds[seed] != first[k]:
            seed += 1
        m, s = _with_first_piece(seed, metres[k], seconds[k], seeds, seed_length, seed_seconds,
                                 park_delay)
        column = columns[np.searchsorted(targets, found[k])]
        row_metres[column] = m
        row_seconds[column] = s + park_delay if at_door[k] else s


@njit(cache=True)
def backward_cell(dist: _Float, succ: _Int, succ_edge: _Int, done: _Int, gen: int,
                  e_length: _Float, e_cost: _Float, park_delay: float, seeds: _Int,
                  seed_cost: _Float, seed_length: _Float,
                  seed_seconds: _Float) -> tuple[float, float]:
    """Seconds and metres from an origin (its ``seeds``) to the target of the last
    backward search, by its cheapest seed; ``inf`` for both when no seed reaches it."""
    best = -1
    best_cost = np.inf
    for j in range(seeds.shape[0]):
        if done[seeds[j]] == gen and seed_cost[j] + dist[seeds[j]] < best_cost:
            best, best_cost = j, seed_cost[j] + dist[seeds[j]]
    if best < 0:
        return np.inf, np.inf
    metres, seconds, _target = path_totals(seeds[best:best + 1], succ, succ_edge, e_length,
                                           e_cost, park_delay)
    m, s = _with_first_piece(best, metres[0], seconds[0], seeds, seed_length, seed_seconds,
                             park_delay)
    return s, m
