"""The compiled multi-source search coverage runs (numba): Dijkstra from many seeds at
cost 0 over one CSR network with two layers, no targets, paths or walking bound, so a
search of the whole city settles each state at the least cost of the general kernel
(``geo.routing._kernels.search``) without its bookkeeping. Costs are seconds."""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from geo.routing._kernels import _pop, _push

_Float = NDArray[np.float64]
_Int = NDArray[np.int64]
_Index = NDArray[np.integer]


@njit(cache=True)
def multi_source(indptr: _Index, head: _Index, cost: _Float, gate: _Index, gate_ok: _Index,
                 switch: _Float, seeds: _Index, limit: float, dist: _Float, stamp: _Int,
                 done: _Int, gen: int, heap_key: _Float, heap_val: _Int) -> int:
    """Settle the states (``2 * node + layer``) within ``limit`` of any of ``seeds``;
    ``cost`` has shape (edges, 2) (``inf``: not in that layer), an edge with ``gate`` ≥ 0
    is open in a layer only if ``gate_ok[gate]`` has that layer's bit, and a node with a
    finite ``switch`` cost passes from layer 0 to layer 1 at that cost. Fills ``dist``
    and marks ``done`` with ``gen``; returns the states settled."""
    size = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        if stamp[s] != gen:
            stamp[s] = gen
            dist[s] = 0.0
            size = _push(heap_key, heap_val, size, 0.0, s)
    settled = 0
    while size > 0:
        g, s, size = _pop(heap_key, heap_val, size)
        if done[s] == gen:
            continue
        if g > limit:
            break
        done[s] = gen
        settled += 1
        node = s >> 1
        layer = s & 1
        if layer == 0 and switch[node] < np.inf:
            t = s + 1
            c = g + switch[node]
            if done[t] != gen and (stamp[t] != gen or c < dist[t]):
                stamp[t] = gen
                dist[t] = c
                size = _push(heap_key, heap_val, size, c, t)
        for f in range(indptr[node], indptr[node + 1]):
            w = cost[f, layer]
            if w == np.inf:
                continue
            k = gate[f]
            if k >= 0 and (gate_ok[k] >> layer) & 1 == 0:
                continue
            t = 2 * head[f] + layer
            c = g + w
            if done[t] != gen and (stamp[t] != gen or c < dist[t]):
                stamp[t] = gen
                dist[t] = c
                size = _push(heap_key, heap_val, size, c, t)
    return settled
