"""The compiled multi-source search coverage runs (numba): shortest costs from many seeds
at cost 0 over one CSR network with two layers, with no paths or walking bound, so it
finds each state's least cost as the general kernel (``geo.routing._kernels.search``)
does, without its bookkeeping.

The queue is a bucket per second of cost (Dial's buckets, as costs are seconds and
bounded by ``limit``) instead of a binary heap, which cost three quarters of the time.
Edges may cost nothing or a fraction of a second, so a bucket is not in order: a state
is taken again if a later one of its bucket lowers it (label correcting within a
bucket), and once a bucket is empty every state below its end is final. The search
pushes nothing beyond ``limit`` and stops after the bucket in which the last target
state is reached. Costs are seconds."""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

_Float = NDArray[np.float64]
_Int = NDArray[np.int64]
_Index = NDArray[np.integer]

_REACHED = 1  # ``dist`` holds a cost (the array is not filled: a search costs what it reaches)
_TAKEN = 2
_TARGET = 4


@njit(cache=True)
def multi_source(indptr: _Index, head: _Index, cost: _Float, gate: _Index, gate_ok: _Index,
                 switch: _Float, seeds: _Index, targets: _Index, limit: float) -> _Float:
    """Per state of ``targets`` (``2 * node + layer``): the least cost from any of
    ``seeds``, ``inf`` if beyond ``limit``. ``cost`` has shape (edges, 2) (``inf``: not in
    that layer), an edge with ``gate`` ≥ 0 is open in a layer only if ``gate_ok[gate]``
    has that layer's bit, and a node with a finite ``switch`` cost passes from layer 0 to
    layer 1 at that cost."""
    n_states = 2 * (indptr.shape[0] - 1)
    dist = np.empty(n_states)
    flags = np.zeros(n_states, np.uint8)
    left = 0
    for i in range(targets.shape[0]):
        if flags[targets[i]] == 0:
            flags[targets[i]] = _TARGET
            left += 1
    # the buckets: singly linked lists of (cost, state) entries in one growing pool
    first = np.full(int(limit) + 1, -1, np.int64)
    capacity = head.shape[0] + n_states + seeds.shape[0]
    entry_cost = np.empty(capacity)
    entry_state = np.empty(capacity, np.int64)
    entry_next = np.empty(capacity, np.int64)
    used = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        if flags[s] & _REACHED == 0:
            flags[s] |= _REACHED
            dist[s] = 0.0
            entry_cost[used], entry_state[used], entry_next[used] = 0.0, s, first[0]
            first[0] = used
            used += 1
    for b in range(first.shape[0]):
        if left == 0:
            break
        while first[b] >= 0:
            e = first[b]
            first[b] = entry_next[e]
            g, s = entry_cost[e], entry_state[e]
            if g > dist[s]:
                continue  # lowered since
            if flags[s] & (_TARGET | _TAKEN) == _TARGET:
                left -= 1
            flags[s] |= _TAKEN
            node = s >> 1
            layer = s & 1
            lo = indptr[node]
            hi = indptr[node + 1]
            if used + hi - lo + 1 > capacity:
                capacity *= 2
                entry_cost = _grown(entry_cost, capacity)
                entry_state = _grown(entry_state, capacity)
                entry_next = _grown(entry_next, capacity)
            for f in range(lo - 1, hi):  # lo - 1: the switch to layer 1 at this node
                if f < lo:
                    if layer == 1 or switch[node] == np.inf:
                        continue
                    c, t = g + switch[node], s + 1
                else:
                    w = cost[f, layer]
                    k = gate[f]
                    if w == np.inf or (k >= 0 and (gate_ok[k] >> layer) & 1 == 0):
                        continue
                    c, t = g + w, 2 * head[f] + layer
                if c <= limit and (flags[t] & _REACHED == 0 or c < dist[t]):
                    flags[t] |= _REACHED
                    dist[t] = c
                    entry_cost[used], entry_state[used], entry_next[used] = c, t, first[int(c)]
                    first[int(c)] = used
                    used += 1
    found = np.full(targets.shape[0], np.inf)
    for i in range(targets.shape[0]):
        if flags[targets[i]] & _TAKEN:
            found[i] = dist[targets[i]]
    return found


@njit(cache=True)
def _grown(values: NDArray[np.generic], capacity: int) -> NDArray[np.generic]:
    out = np.empty(capacity, values.dtype)
    out[:values.shape[0]] = values
    return out
