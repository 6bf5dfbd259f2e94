"""Compiled shortest-path search over the access network (numba).

The search runs on states ``2 * node + layer`` where layer 0 is riding the e-bike and
layer 1 walking. Edges come from two CSR adjacency structures, the street graph's
(``b_*``, nodes below ``n_base`` only) and the overlay of compound layers (``o_*``),
each with a cost per layer (``inf`` = not allowed). An overlay edge may be a gate
passage (``o_gate >= 0``): it is open in a layer only if ``gate_ok`` has that layer's
bit. At a node with a finite ``park`` cost the search may switch from riding to
walking (leaving the e-bike); never back. Walking after parking counts the metres of
``b_walk_m``/``o_walk_m`` (streets outside compounds) and stops at ``walk_max``: the
bound is kept on the cheapest path to each state (a label-setting search keeps no
costlier paths that walk less).

It is A* when ``tx``/``ty`` hold target coordinates (the heuristic is the straight
distance at the layer's top speed, admissible and consistent), Dijkstra when empty.
It stops when ``n_need`` targets are settled or the cost passes ``limit``.

Per-query state lives in a workspace whose arrays are reused: a stamp per state
tells whether its distance belongs to the current query, so a query costs what it
explores, never the size of the graph.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

_Float = NDArray[np.float64]
_Int = NDArray[np.int64]
_Index = NDArray[np.integer]  # node, edge and gate numbers: int32 or int64 arrays
_Bool = NDArray[np.bool_]

PARK_EDGE = -2
SEED_EDGE = -1
# Costs (s) closer than this are the same but for the order they were added up in.
_TIE_S = 1e-9


# A 4-ary heap: half the depth of a binary one, so fewer unpredictable branches per pop.
# The matrix's door_rows (_matrix_kernels) uses it too, and relaxes as _search does: the
# two loops must change together, or the matrix and the route stop agreeing on ties
# (tests/test_batch.py compares every cell with the route).
@njit(cache=True, inline="always")
def heap_push(heap_key: _Float, heap_val: _Int, size: int, key: float, val: int) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if heap_key[parent] <= key:
            break
        heap_key[i] = heap_key[parent]
        heap_val[i] = heap_val[parent]
        i = parent
    heap_key[i] = key
    heap_val[i] = val
    return size + 1


@njit(cache=True, inline="always")
def heap_pop(heap_key: _Float, heap_val: _Int, size: int) -> tuple[float, int, int]:
    key = heap_key[0]
    val = heap_val[0]
    size -= 1
    if size > 0:
        last_key = heap_key[size]
        last_val = heap_val[size]
        i = 0
        while True:
            first = 4 * i + 1
            if first >= size:
                break
            child = first
            child_key = heap_key[first]
            for k in range(first + 1, min(first + 4, size)):
                if heap_key[k] < child_key:
                    child, child_key = k, heap_key[k]
            if child_key >= last_key:
                break
            heap_key[i] = child_key
            heap_val[i] = heap_val[child]
            i = child
        heap_key[i] = last_key
        heap_val[i] = last_val
    return key, val, size


@njit(cache=True, inline="always")
def _improve(t: int, c: float, s: int, edge: int, stamp: _Int, dist: _Float, pred: _Int,
             pred_edge: _Int, done: _Int, gen: int) -> bool:
    """Record cost ``c`` at state ``t`` (from ``s`` by ``edge``) if it is not settled and
    this is cheaper than what it has; whether it was recorded."""
    if done[t] == gen or (stamp[t] == gen and c >= dist[t]):
        return False
    stamp[t] = gen
    dist[t] = c
    pred[t] = s
    pred_edge[t] = edge
    return True


@njit(cache=True, inline="always")
def _heuristic(node: int, layer: int, x: _Float, y: _Float, tx: _Float, ty: _Float,
               inv_speed: _Float, t_add: _Float) -> float:
    """The least, over the points (``tx``, ``ty``), of the straight distance at the layer's
    top speed plus that point's ``t_add`` for the layer (none: 0)."""
    if tx.shape[0] == 0:
        return 0.0
    best = np.inf
    for k in range(tx.shape[0]):
        dx = x[node] - tx[k]
        dy = y[node] - ty[k]
        h = np.sqrt(dx * dx + dy * dy) * inv_speed[layer]
        if t_add.shape[0]:
            h += t_add[k, layer]
        if h < best:
            best = h
    return best


@njit(cache=True)
def search(n_base: int, b_indptr: _Index, b_head: _Index, b_cost: _Float, o_indptr: _Index,
           o_head: _Index, o_cost: _Float, o_gate: _Index, park: _Float, park_node: int,
           park_node_cost: float, gate_ok: _Index, x: _Float, y: _Float, seeds: _Index,
           seed_cost: _Float, targets: _Index, n_need: int, tx: _Float, ty: _Float,
           inv_speed: _Float, limit: float, b_walk_m: _Float, o_walk_m: _Float,
           walk_max: float, dist: _Float, pred: _Int, pred_edge: _Int, walked: _Float,
           stamp: _Int, done: _Int, gen: int, heap_key: _Float,
           heap_val: _Int) -> tuple[_Int, int]:
    """Search from ``seeds`` (states) at ``seed_cost``; returns the settled targets in
    order (states) and the number of states settled. ``b_cost``/``o_cost`` have shape
    (edges, 2). ``park_node`` parks at ``park_node_cost`` instead of its ``park`` cost
    (the destination door). Fills ``dist``/``pred``/``pred_edge`` (and ``walked``, metres
    walked since parking) for the states it reaches."""
    return _search(n_base, b_indptr, b_head, b_cost, o_indptr, o_head, o_cost, o_gate, park,
                   park_node, park_node_cost, gate_ok, x, y, seeds, seed_cost, targets,
                   np.empty(0), n_need, tx, ty, np.empty((0, 2)), inv_speed, limit, b_walk_m,
                   o_walk_m, walk_max, dist, pred, pred_edge, walked, stamp, done, gen,
                   heap_key, heap_val)


@njit(cache=True)
def search_to_exits(n_base: int, b_indptr: _Index, b_head: _Index, b_cost: _Float,
                    o_indptr: _Index, o_head: _Index, o_cost: _Float, o_gate: _Index,
                    park: _Float, park_node: int, park_node_cost: float, gate_ok: _Index,
                    x: _Float, y: _Float, seeds: _Index, seed_cost: _Float, exits: _Index,
                    exit_cost: _Float, tx: _Float, ty: _Float, t_add: _Float,
                    inv_speed: _Float, b_walk_m: _Float, o_walk_m: _Float, walk_max: float,
                    dist: _Float, pred: _Int, pred_edge: _Int, walked: _Float, stamp: _Int,
                    done: _Int, gen: int, heap_key: _Float, heap_val: _Int) -> tuple[_Int, int]:
    """``search`` to the cheapest way out through ``exits`` (states), each of which goes
    on to the destination at ``exit_cost`` (s): returns that exit (one state, or none)
    and the number of states settled. The heuristic is the least over the points
    (``tx``, ``ty``) of the straight distance at the layer's top speed plus ``t_add``
    (points, 2 layers, s): it must be consistent, as for a route to the gates of a
    compound from outside it (``route.py``)."""
    return _search(n_base, b_indptr, b_head, b_cost, o_indptr, o_head, o_cost, o_gate, park,
                   park_node, park_node_cost, gate_ok, x, y, seeds, seed_cost, exits,
                   exit_cost, 1, tx, ty, t_add, inv_speed, np.inf, b_walk_m, o_walk_m,
                   walk_max, dist, pred, pred_edge, walked, stamp, done, gen, heap_key,
                   heap_val)


@njit(cache=True)
def _search(n_base: int, b_indptr: _Index, b_head: _Index, b_cost: _Float, o_indptr: _Index,
            o_head: _Index, o_cost: _Float, o_gate: _Index, park: _Float, park_node: int,
            park_node_cost: float, gate_ok: _Index, x: _Float, y: _Float, seeds: _Index,
            seed_cost: _Float, targets: _Index, target_cost: _Float, n_need: int, tx: _Float,
            ty: _Float, t_add: _Float, inv_speed: _Float, limit: float, b_walk_m: _Float,
            o_walk_m: _Float, walk_max: float, dist: _Float, pred: _Int, pred_edge: _Int,
            walked: _Float, stamp: _Int, done: _Int, gen: int, heap_key: _Float,
            heap_val: _Int) -> tuple[_Int, int]:
    """``search`` and ``search_to_exits``: with ``target_cost`` (one per target), a
    settled target is found only when its cost plus that one comes out of the heap (an
    entry of value ``-1 - k`` for target ``k``)."""
    n_edges_base = b_head.shape[0]
    exits = target_cost.shape[0] > 0
    size = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        c = seed_cost[i]
        if stamp[s] != gen or c < dist[s]:
            stamp[s] = gen
            dist[s] = c
            pred[s] = -1
            pred_edge[s] = SEED_EDGE
            walked[s] = 0.0
            size = heap_push(heap_key, heap_val, size,
                         c + _heuristic(s >> 1, s & 1, x, y, tx, ty, inv_speed, t_add), s)
    found = np.empty(targets.shape[0], dtype=np.int64)
    order = np.zeros(targets.shape[0], dtype=np.int64)  # when each target was settled
    n_found = 0
    settled = 0
    # Targets are marked by a negative stamp trick: done[s] == -gen means "target".
    for i in range(targets.shape[0]):
        done[targets[i]] = -gen
    while size > 0:
        key, s, size = heap_pop(heap_key, heap_val, size)
        if s < 0:  # a target's way on to the destination
            # Of ways on that cost the same but for rounding (summed in another order),
            # the one whose target was settled first, as the plain search would keep it.
            k = -1 - s
            for i in range(size):
                other = -1 - heap_val[i]
                if heap_val[i] < 0 and heap_key[i] <= key + _TIE_S and order[other] < order[k]:
                    k = other
            found[n_found] = targets[k]
            n_found += 1
            if n_found >= n_need:
                break
            continue
        if done[s] == gen:
            continue
        g = dist[s]
        if g > limit:
            break
        was_target = done[s] == -gen
        done[s] = gen
        settled += 1
        if was_target:
            if exits:
                for k in range(targets.shape[0]):
                    if targets[k] == s:
                        order[k] = settled
                        size = heap_push(heap_key, heap_val, size, g + target_cost[k], -1 - k)
            else:
                found[n_found] = s
                n_found += 1
                if n_found >= n_need:
                    break
        node = s >> 1
        layer = s & 1
        park_cost = park_node_cost if node == park_node else park[node]
        if layer == 0 and park_cost < np.inf:
            t = s + 1
            c = g + park_cost
            if _improve(t, c, s, PARK_EDGE, stamp, dist, pred, pred_edge, done, gen):
                walked[t] = 0.0
                size = heap_push(heap_key, heap_val, size,
                             c + _heuristic(node, 1, x, y, tx, ty, inv_speed, t_add), t)
        if node < n_base:
            for e in range(b_indptr[node], b_indptr[node + 1]):
                w = b_cost[e, layer]
                if w == np.inf:
                    continue
                walk = walked[s] + b_walk_m[e] if layer == 1 else 0.0
                if walk > walk_max:
                    continue
                t = 2 * b_head[e] + layer
                c = g + w
                if _improve(t, c, s, e, stamp, dist, pred, pred_edge, done, gen):
                    walked[t] = walk
                    size = heap_push(heap_key, heap_val, size,
                                 c + _heuristic(b_head[e], layer, x, y, tx, ty, inv_speed, t_add),
                                 t)
        for f in range(o_indptr[node], o_indptr[node + 1]):
            w = o_cost[f, layer]
            if w == np.inf:
                continue
            gate = o_gate[f]
            if gate >= 0 and (gate_ok[gate] >> layer) & 1 == 0:
                continue
            walk = walked[s] + o_walk_m[f] if layer == 1 else 0.0
            if walk > walk_max:
                continue
            t = 2 * o_head[f] + layer
            c = g + w
            if _improve(t, c, s, n_edges_base + f, stamp, dist, pred, pred_edge, done, gen):
                walked[t] = walk
                size = heap_push(heap_key, heap_val, size,
                             c + _heuristic(o_head[f], layer, x, y, tx, ty, inv_speed, t_add), t)
    for i in range(targets.shape[0]):
        if done[targets[i]] == -gen:
            done[targets[i]] = 0
    return found[:n_found], settled


@njit(cache=True)
def backward_search(n_edges_base: int, r_indptr: _Index, r_tail: _Index, r_edge: _Index,
                    e_cost: _Float, o_gate: _Index, park: _Float, park_node: int,
                    park_node_cost: float, gate_ok: _Index, target: int, dist: _Float,
                    succ: _Int, succ_edge: _Int, stamp: _Int, done: _Int, gen: int,
                    heap_key: _Float, heap_val: _Int, max_settled: int) -> int:
    """Dijkstra towards ``target`` (a state) over the reversed edges of ``search``'s
    graph, without a walking bound: fills ``dist`` (cost to the target), ``succ`` and
    ``succ_edge`` (the next state and edge on the way, ``PARK_EDGE`` for parking) for
    every state that reaches it; returns the number of states settled. It gives up once
    it has settled more than ``max_settled`` states (and returns that count): the costs
    are then incomplete."""
    stamp[target] = gen
    dist[target] = 0.0
    succ[target] = -1
    succ_edge[target] = SEED_EDGE
    size = heap_push(heap_key, heap_val, 0, 0.0, target)
    settled = 0
    while size > 0:
        key, s, size = heap_pop(heap_key, heap_val, size)
        if done[s] == gen:
            continue
        done[s] = gen
        settled += 1
        if settled > max_settled:
            break
        node = s >> 1
        layer = s & 1
        if layer == 1:  # reached by parking here from the ride state
            park_cost = park_node_cost if node == park_node else park[node]
            t = s - 1
            c = key + park_cost
            if park_cost < np.inf and _improve(t, c, s, PARK_EDGE, stamp, dist, succ, succ_edge,
                                               done, gen):
                size = heap_push(heap_key, heap_val, size, c, t)
        for k in range(r_indptr[node], r_indptr[node + 1]):
            e = r_edge[k]
            w = e_cost[e, layer]
            if w == np.inf:
                continue
            if e >= n_edges_base:
                gate = o_gate[e - n_edges_base]
                if gate >= 0 and (gate_ok[gate] >> layer) & 1 == 0:
                    continue
            t = 2 * r_tail[k] + layer
            c = key + w
            if _improve(t, c, s, e, stamp, dist, succ, succ_edge, done, gen):
                size = heap_push(heap_key, heap_val, size, c, t)
    return settled


@njit(cache=True)
def trace(state: int, pred: _Int, pred_edge: _Int) -> tuple[_Int, _Int]:
    """States and edges (``PARK_EDGE`` for a switch to walking) from a seed to ``state``."""
    n = 0
    s = state
    while s >= 0:
        n += 1
        s = pred[s]
    states = np.empty(n, dtype=np.int64)
    edges = np.empty(n, dtype=np.int64)
    s = state
    for i in range(n - 1, -1, -1):
        states[i] = s
        edges[i] = pred_edge[s]
        s = pred[s]
    return states, edges


@njit(cache=True)
def path_runs(states: _Int, edges: _Int, e_length: _Float, e_cost: _Float, e_kind: NDArray[np.int8],
              e_gate: _Index, e_name: NDArray[np.int32], e_way: NDArray[np.int32], x: _Float,
              y: _Float, link_kind: int, short_link_m: float,
              straight_deg: float) -> tuple[_Int, _Float, _Float, _Float]:
    """A traced path (``states``, and ``edges`` into each state after the first) cut into
    runs: consecutive edges in one layer, through no gate, on the same road without
    turning by ``straight_deg`` (or a link shorter than ``short_link_m``, or of no
    length, joined to the run before). A switch to walking (``PARK_EDGE``) is a run of
    its own.

    Returns one int row per run (first edge, edge after the last, search edge or
    ``PARK_EDGE``, gate or -1, layer, tail and head node of the first edge, name id, way
    id, edge kind), each edge's metres and seconds (0 for parking), and each run's
    compass bearing (degrees) at its first and last edge (an edge of no length takes
    the bearing of the one before it, the first ones that of the first edge with a
    length).
    """
    n = edges.shape[0]
    length = np.zeros(n)
    seconds = np.zeros(n)
    bear = np.empty(n)
    gate = np.full(n, -1, dtype=np.int64)
    edge = np.zeros(n, dtype=np.int64)  # edge 0 stands in for parking, as an index
    first_moving = -1
    for i in range(n):
        u = states[i] >> 1
        v = states[i + 1] >> 1
        if edges[i] != PARK_EDGE:
            e = edges[i]
            edge[i] = e
            length[i] = e_length[e]
            seconds[i] = e_cost[e, states[i + 1] & 1]
            gate[i] = e_gate[e]
        bear[i] = np.degrees(np.arctan2(x[v] - x[u], y[v] - y[u])) % 360
        if first_moving < 0 and length[i] > 0:
            first_moving = i
    if first_moving >= 0:
        last = -1
        for i in range(n):
            if length[i] > 0:
                last = i
            else:
                bear[i] = bear[last] if last >= 0 else bear[first_moving]
    starts = np.empty(n, dtype=np.int64)
    runs = 0
    for i in range(n):
        joined = False
        if i > 0 and edges[i] != PARK_EDGE and edges[i - 1] != PARK_EDGE and \
                (states[i + 1] & 1) == (states[i] & 1) and gate[i] < 0 and gate[i - 1] < 0:
            delta = abs((bear[i] - bear[i - 1] + 540) % 360 - 180)
            short_link = e_kind[edge[i]] == link_kind and length[i] < short_link_m
            joined = ((e_name[edge[i]] == e_name[edge[i - 1]] and delta < straight_deg)
                      or short_link or length[i] == 0)
        if not joined:
            starts[runs] = i
            runs += 1
    rows = np.empty((runs, 10), dtype=np.int64)
    bearings = np.empty((runs, 2))
    for r in range(runs):
        s0 = starts[r]
        s1 = starts[r + 1] if r + 1 < runs else n
        rows[r, 0] = s0
        rows[r, 1] = s1
        rows[r, 2] = edges[s0] if edges[s0] == PARK_EDGE else edge[s0]
        rows[r, 3] = gate[s0]
        rows[r, 4] = states[s0 + 1] & 1
        rows[r, 5] = states[s0] >> 1
        rows[r, 6] = states[s0 + 1] >> 1
        rows[r, 7] = e_name[edge[s0]]
        rows[r, 8] = e_way[edge[s0]]
        rows[r, 9] = e_kind[edge[s0]]
        bearings[r, 0] = bear[s0]
        bearings[r, 1] = bear[s1 - 1]
    return rows, length, seconds, bearings


@njit(cache=True)
def steps_totals(states: _Int, edges: _Int, e_length: _Float, e_cost: _Float,
                 park_delay: float) -> tuple[float, float]:
    """Metres and seconds (real time: ``e_cost`` in the layer of the state moved into,
    ``park_delay`` per ``PARK_EDGE``, a switch to walking) of the steps into ``states`` by
    ``edges``: a traced path without its first state."""
    metres = 0.0
    seconds = 0.0
    for i in range(states.shape[0]):
        e = edges[i]
        if e == PARK_EDGE:
            seconds += park_delay
        else:
            metres += e_length[e]
            seconds += e_cost[e, states[i] & 1]
    return metres, seconds


@njit(cache=True)
def path_totals(states: _Int, pred: _Int, pred_edge: _Int, e_length: _Float, e_cost: _Float,
                park_delay: float) -> tuple[_Float, _Float, _Int]:
    """Per state of ``states``: metres and seconds (``steps_totals``) of its traced path,
    and the seed state the path starts from. With ``backward_search``'s
    ``succ``/``succ_edge`` for ``pred``/``pred_edge``: of the way on to its target, and
    that target."""
    n = states.shape[0]
    metres = np.zeros(n)
    seconds = np.zeros(n)
    first = np.empty(n, dtype=np.int64)
    for i in range(n):
        path_states, path_edges = trace(states[i], pred, pred_edge)
        metres[i], seconds[i] = steps_totals(path_states[1:], path_edges[1:], e_length, e_cost,
                                             park_delay)
        first[i] = path_states[0]
    return metres, seconds, first


@njit(cache=True)
def settled_costs(nodes_n: int, stamp: _Int, done: _Int, dist: _Float, gen: int,
                  limit: float) -> _Float:
    """Cheapest settled cost per node over both layers (``inf`` if not reached)."""
    best = np.full(nodes_n, np.inf)
    for s in range(2 * nodes_n):
        if done[s] == gen and dist[s] <= limit:
            node = s >> 1
            if dist[s] < best[node]:
                best[node] = dist[s]
    return best


# A state's fields in the workspace's rows: what a search reads of a state first, then
# what it writes; a row is one 64-byte cache line.
_DONE, _STAMP, _DIST, _PRED, _PRED_EDGE, _WALKED, _ROW = 0, 1, 2, 3, 4, 5, 8


class Workspace:
    """Reusable per-query arrays for a network of ``n_nodes`` and ``n_edges``.

    The per-state arrays (``dist``, ``pred``, ``pred_edge``, ``walked``, ``stamp``,
    ``done``) are columns of one block with a cache-line row per state: a search that
    looks at a state finds all it needs of it in one memory read, not six (a route on the
    16 × 16 city settles a few thousand states spread over a 5 MB array each).
    """

    def __init__(self, n_nodes: int, n_edges: int) -> None:
        states = 2 * n_nodes
        raw = np.zeros(states * _ROW + _ROW, dtype=np.int64)
        skip = (-raw.ctypes.data % 64) // 8  # rows start on a cache line
        block = raw[skip:skip + states * _ROW].reshape(states, _ROW)
        real = block.view(np.float64)
        self.done, self.stamp = block[:, _DONE], block[:, _STAMP]
        self.pred, self.pred_edge = block[:, _PRED], block[:, _PRED_EDGE]
        self.dist, self.walked = real[:, _DIST], real[:, _WALKED]
        capacity = 2 * n_edges + states + 64
        self.heap_key = np.empty(capacity, dtype=np.float64)
        self.heap_val = np.empty(capacity, dtype=np.int64)
        self.gen = 0

    def next_gen(self) -> int:
        self.gen += 1
        return self.gen


@njit(cache=True)
def nearest_segments(px: float, py: float, radius: float, cell_start: _Index,
                     cell_items: _Index, gnx: int, gny: int, ox: float, oy: float, cell: float,
                     x0: _Float, y0: _Float, x1: _Float, y1: _Float, seg_a: _Index,
                     seg_b: _Index, node_label: _Index, node_main: _Bool, where: int,
                     rideable: _Bool, prefer_ride_m: float,
                     max_out: int) -> tuple[_Int, _Float, _Float]:
    """Segments within ``radius`` of (px, py) whose two ends have compound label
    ``where`` (and, outside compounds, one end in the main component), ranked by
    distance plus ``prefer_ride_m`` for segments closed to e-bikes. Returns (ids,
    distances, fractions), at most ``max_out``, best first."""
    gx0 = max(int(np.floor((px - radius - ox) / cell)), 0)
    gy0 = max(int(np.floor((py - radius - oy) / cell)), 0)
    gx1 = min(int(np.floor((px + radius - ox) / cell)), gnx - 1)
    gy1 = min(int(np.floor((py + radius - oy) / cell)), gny - 1)
    ids = np.empty(max_out, dtype=np.int64)
    dist = np.empty(max_out, dtype=np.float64)
    frac = np.empty(max_out, dtype=np.float64)
    rank = np.empty(max_out, dtype=np.float64)
    n = 0
    for row in range(gy0, gy1 + 1):
        for col in range(gx0, gx1 + 1):
            c = row * gnx + col
            for k in range(cell_start[c], cell_start[c + 1]):
                s = cell_items[k]
                a = seg_a[s]
                b = seg_b[s]
                if node_label[a] != where or node_label[b] != where:
                    continue
                if where < 0 and not (node_main[a] or node_main[b]):
                    continue
                dx = x1[s] - x0[s]
                dy = y1[s] - y0[s]
                len2 = dx * dx + dy * dy
                t = 0.0
                if len2 > 0:
                    t = ((px - x0[s]) * dx + (py - y0[s]) * dy) / len2
                    t = min(max(t, 0.0), 1.0)
                ex = x0[s] + t * dx - px
                ey = y0[s] + t * dy - py
                d = np.sqrt(ex * ex + ey * ey)
                if d > radius:
                    continue
                r = d if rideable[s] else d + prefer_ride_m
                dup = False
                for j in range(n):
                    if ids[j] == s:
                        dup = True
                        break
                if dup:
                    continue
                if n < max_out:
                    pos = n
                    n += 1
                elif r < rank[n - 1]:
                    pos = n - 1
                else:
                    continue
                while pos > 0 and rank[pos - 1] > r:
                    ids[pos] = ids[pos - 1]
                    dist[pos] = dist[pos - 1]
                    frac[pos] = frac[pos - 1]
                    rank[pos] = rank[pos - 1]
                    pos -= 1
                ids[pos] = s
                dist[pos] = d
                frac[pos] = t
                rank[pos] = r
    return ids[:n], dist[:n], frac[:n]
