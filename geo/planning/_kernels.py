"""The compiled multi-source search coverage runs (numba): Dijkstra from many seeds at
cost 0 over one CSR network with two layers, no paths or walking bound, so it settles
each state at the least cost of the general kernel (``geo.routing._kernels.search``)
without its bookkeeping. It keeps its own distances (one array filled with ``inf``, a
byte of flags per state: the search covers most of the city, so a stamp per state
saves nothing), pushes nothing beyond the bound and stops once every target state is
settled. Costs are seconds."""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from geo.routing._kernels import _pop, _push

_Float = NDArray[np.float64]
_Int = NDArray[np.int64]
_Index = NDArray[np.integer]

_SETTLED = 1
_TARGET = 2


@njit(cache=True)
def multi_source(indptr: _Index, head: _Index, cost: _Float, gate: _Index, gate_ok: _Index,
                 switch: _Float, seeds: _Index, targets: _Index, limit: float,
                 heap_key: _Float, heap_val: _Int) -> _Float:
    """Per state of ``targets`` (``2 * node + layer``): the least cost from any of
    ``seeds``, ``inf`` if beyond ``limit``. ``cost`` has shape (edges, 2) (``inf``: not in
    that layer), an edge with ``gate`` ≥ 0 is open in a layer only if ``gate_ok[gate]``
    has that layer's bit, and a node with a finite ``switch`` cost passes from layer 0 to
    layer 1 at that cost. ``heap_key``/``heap_val`` have room for a push per edge and
    layer, per node and per seed (a ``Workspace``'s do)."""
    n_states = 2 * (indptr.shape[0] - 1)
    dist = np.full(n_states, np.inf)
    flags = np.zeros(n_states, np.uint8)
    left = 0
    for i in range(targets.shape[0]):
        if flags[targets[i]] == 0:
            flags[targets[i]] = _TARGET
            left += 1
    size = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        if dist[s] > 0.0:
            dist[s] = 0.0
            size = _push(heap_key, heap_val, size, 0.0, s)
    while size > 0 and left > 0:
        g, s, size = _pop(heap_key, heap_val, size)
        if flags[s] & _SETTLED or g > dist[s]:
            continue
        if flags[s] & _TARGET:
            left -= 1
        flags[s] |= _SETTLED
        node = s >> 1
        layer = s & 1
        if layer == 0 and switch[node] < np.inf:
            t = s + 1
            c = g + switch[node]
            if c <= limit and c < dist[t]:
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
            if c <= limit and c < dist[t]:
                dist[t] = c
                size = _push(heap_key, heap_val, size, c, t)
    found = np.full(targets.shape[0], np.inf)
    for i in range(targets.shape[0]):
        if flags[targets[i]] & _SETTLED:
            found[i] = dist[targets[i]]
    return found
