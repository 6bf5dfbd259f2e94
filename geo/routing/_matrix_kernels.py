"""Compiled cells of the door matrix (numba): every origin's search and what it measures
to each door it settles (``door_rows``), and an origin's cell from a backward search
towards a door (``backward_cell``, ``backward_cells``). Seconds and metres include the first piece from the
origin to its seed (``Start.seed_length``/``seed_seconds``) and the parking delays, as
``route_to_door`` counts them. States are ``2 * node + layer`` as in ``_kernels``.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from geo.routing._kernels import heap_pop, heap_push, path_totals

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


# Columns of ``door_rows``'s labels per state and of its moves.
_DIST, _WALKED, _METRES, _SECONDS = 0, 1, 2, 3
_COST, _MOVE_S, _MOVE_M, _WALK_M = 0, 1, 2, 3


@njit(cache=True, inline="always")
def _relax(t: int, c: float, s: int, metres: float, seconds: float, walk: float,
           label: _Float, mark: _Int, first: _Int, gen: int, heap_key: _Float, heap_val: _Int,
           size: int) -> int:
    """Record cost ``c`` at state ``t`` (from ``s``) if it is not settled and this is
    cheaper than what it has, with the walked metres, the metres and seconds so far and
    ``s``'s first seed, and queue it; the new heap size. ``mark`` is ``2 * gen`` for a
    state reached in this search, ``2 * gen + 1`` once settled."""
    if mark[t] == 2 * gen + 1 or (mark[t] == 2 * gen and c >= label[t, _DIST]):
        return size
    mark[t] = 2 * gen
    first[t] = first[s]
    label[t, _DIST] = c
    label[t, _WALKED] = walk
    label[t, _METRES] = metres
    label[t, _SECONDS] = seconds
    return heap_push(heap_key, heap_val, size, c, t)


@njit(cache=True)
def door_rows(indptr: _Index, head: _Index, move: _Float, gate: _Index, gate_ok: _Index,
              park_delay: float, walk_max: float, seed_start: _Int, seeds: _Int,
              seed_cost: _Float, seed_length: _Float, seed_seconds: _Float, column_of: _Int,
              n_targets: int, label: _Float, mark: _Int, first: _Int, heap_key: _Float,
              heap_val: _Int, seconds: _Float, metres: _Float) -> None:
    """For each origin ``i`` (its seeds ``seed_start[i]:seed_start[i + 1]``), the search
    ``_kernels.search`` makes as Dijkstra walking at most ``walk_max`` m after parking
    (the same heap and order of work, so the same paths), stopped once its ``n_targets``
    doors are settled; ``column_of[state]`` is a
    door walk state's column (else -1). The moves out of each state are one CSR by state
    (``indptr``, ``head`` state, ``gate`` or -1) in the order ``search`` tries them
    (parking first, then street and layer edges), only those allowed in the state's
    layer; ``move`` holds per move its cost and real seconds, metres and the metres
    counted as walked (0 when riding). Metres and seconds are carried along the search
    (summed in the order ``path_totals`` sums them) into ``metres[i]``/``seconds[i]``
    (``inf`` stays where a door is not settled). ``label`` (states, 4), ``mark`` (all
    zero) and ``first`` (states) are scratch."""
    ends = np.empty(n_targets, dtype=np.int64)
    for i in range(seed_start.shape[0] - 1):
        gen = i + 1
        size = 0
        for k in range(seed_start[i], seed_start[i + 1]):
            s = seeds[k]
            if mark[s] != 2 * gen or seed_cost[k] < label[s, _DIST]:
                mark[s] = 2 * gen
                first[s] = k
                label[s, _DIST] = seed_cost[k]
                label[s, _WALKED] = 0.0
                label[s, _METRES] = 0.0
                label[s, _SECONDS] = 0.0
                size = heap_push(heap_key, heap_val, size, seed_cost[k], s)
        n_found = 0
        while size > 0:
            _key, s, size = heap_pop(heap_key, heap_val, size)
            if mark[s] == 2 * gen + 1:
                continue
            mark[s] = 2 * gen + 1
            if column_of[s] >= 0:
                ends[n_found] = s
                n_found += 1
                if n_found == n_targets:
                    break
            g = label[s, _DIST]
            walked = label[s, _WALKED]
            run_m = label[s, _METRES]
            run_s = label[s, _SECONDS]
            layer = s & 1
            for e in range(indptr[s], indptr[s + 1]):
                walk = walked + move[e, _WALK_M]
                if walk > walk_max or (gate[e] >= 0 and (gate_ok[gate[e]] >> layer) & 1 == 0):
                    continue
                size = _relax(head[e], g + move[e, _COST], s, run_m + move[e, _MOVE_M],
                              run_s + move[e, _MOVE_S], walk, label, mark, first, gen, heap_key,
                              heap_val, size)
        lo = seed_start[i]
        hi = seed_start[i + 1]
        for k in range(n_found):
            walk_state = ends[k]
            ride = walk_state - 1
            at_door = (mark[ride] == 2 * gen + 1
                       and label[ride, _DIST] + park_delay <= label[walk_state, _DIST])
            end = ride if at_door else walk_state
            m, sec = _with_first_piece(first[end] - lo, label[end, _METRES], label[end, _SECONDS],
                                       seeds[lo:hi], seed_length[lo:hi], seed_seconds[lo:hi],
                                       park_delay)
            metres[i, column_of[walk_state]] = m
            seconds[i, column_of[walk_state]] = sec + park_delay if at_door else sec


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


@njit(cache=True)
def backward_cells(dist: _Float, succ: _Int, succ_edge: _Int, done: _Int, gen: int,
                   e_length: _Float, e_cost: _Float, park_delay: float, seed_start: _Int,
                   seeds: _Int, seed_cost: _Float, seed_length: _Float, seed_seconds: _Float,
                   origins: _Int) -> tuple[_Float, _Float]:
    """``backward_cell`` for each origin of ``origins`` (its seeds
    ``seed_start[i]:seed_start[i + 1]``): their seconds and metres."""
    seconds = np.empty(origins.shape[0])
    metres = np.empty(origins.shape[0])
    for k in range(origins.shape[0]):
        lo = seed_start[origins[k]]
        hi = seed_start[origins[k] + 1]
        seconds[k], metres[k] = backward_cell(dist, succ, succ_edge, done, gen, e_length, e_cost,
                                              park_delay, seeds[lo:hi], seed_cost[lo:hi],
                                              seed_length[lo:hi], seed_seconds[lo:hi])
    return seconds, metres
