"""Isochrones: what a rider reaches from a start within N minutes (the "15-minute
service circle"), as GeoJSON polygons in WGS-84 ``(lon, lat)``.

One bounded search for the largest time answers every band. What it reaches is a set of
street pieces: each edge leaving a state settled at cost ``d`` in a mode it allows,
ridden or walked as far as the time left allows (``reached_edges``). A band's polygon
is drawn around those pieces on a grid of ``ISOCHRONE_GRID_M`` spacing: for points every
spacing along each piece the 3 × 3 grid points around the nearest are marked, and
``contourpy`` traces the marked area (marching squares at 0.5). A point of a piece then
lies in a grid square whose four corners are marked, so inside the outline, at least
0.35 spacings from it; and no point of the outline is farther than 2√2 spacings from a
reached piece. Points on straight runs of the outline are dropped (no other
simplification, so those bounds hold exactly). Answers are kept per snapshot, start,
bands and open gates (``ISOCHRONE_CACHE_SIZE``); a changed gate or facility makes a new
snapshot, so a new answer.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from datetime import datetime
from typing import Any, NamedTuple, cast

import contourpy
import numpy as np
from numba import njit
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidInput
from geo.hours.opening_hours import local_time
from geo.routing.network import AccessNetwork, Snapshot
from geo.routing.search import run_search, snap_start

_Float = NDArray[np.float64]
_Int = NDArray[np.int64]
_Index = NDArray[np.integer]  # node and edge numbers: int32 or int64 arrays
_TINY_S = 1e-9  # an edge that costs nothing is reached whole
_GRID2 = settings.ISOCHRONE_GRID_M ** 2

# Answers per live snapshot, by its id (a snapshot that is gone takes its answers with it).
_answers: dict[int, OrderedDict[tuple[Any, ...], list[dict[str, Any]]]] = {}
_lock = threading.Lock()


def isochrones(network: AccessNetwork, start: tuple[float, float], minutes: list[float], *,
               at: datetime | str | None = None, has_pass: bool = False) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one polygon per time in ``minutes`` covering the
    streets a rider reaches from ``start`` ``(lon, lat)`` within it."""
    if not minutes or any(not 0 < m <= settings.ISOCHRONE_MAX_MINUTES for m in minutes):
        raise InvalidInput(f"minutes 每项应在 0 到 {settings.ISOCHRONE_MAX_MINUTES:g} 之间",
                           f"each of minutes must be in (0, {settings.ISOCHRONE_MAX_MINUTES:g}]")
    snap = network.snapshot
    when = local_time(at)
    gate_ok = snap.gate_ok(when, has_pass=has_pass)
    bands = sorted(set(minutes))
    key = (round(start[0], 7), round(start[1], 7), tuple(bands), gate_ok.tobytes())
    with _lock:
        answers = _answers.get(id(snap))
        if answers is None:
            answers = _answers[id(snap)] = OrderedDict()
            weakref.finalize(snap, _answers.pop, id(snap), None)
        features = answers.get(key)
        if features is not None:
            answers.move_to_end(key)
    if features is None:
        features = _features(snap, start, bands, gate_ok)
        with _lock:
            answers[key] = features
            while len(answers) > settings.ISOCHRONE_CACHE_SIZE:
                answers.popitem(last=False)
    return {"type": "FeatureCollection", "features": features,
            "properties": {"from": [round(start[0], 7), round(start[1], 7)],
                           "at": when.isoformat()}}


def reached_edges(snap: Snapshot, start: tuple[float, float], seconds: float,
                  gate_ok: NDArray[np.uint8]) -> Reach:
    """What a rider reaches from ``start`` ``(lon, lat)`` within ``seconds``: every edge
    leaving a settled state in a mode it allows, once per such state."""
    origin = snap_start(snap, *start)
    _found, ws = run_search(snap, origin.seeds, origin.seed_cost, np.empty(0, np.int64),
                            n_need=1, gate_ok=gate_ok, limit=seconds)
    return Reach(*_reached(snap.n_base, snap.street.indptr, snap.street.head, snap.b_cost,
                           snap.o_indptr, snap.o_head, snap.o_cost, snap.o_gate, gate_ok,
                           np.flatnonzero(ws.done == ws.gen), ws.dist, seconds))


class Reach(NamedTuple):
    """Edges reached, one row per (settled state, edge it may take): the edge number
    (street edges first, then layer edges), its tail and head node, the cost at its
    start and its cost (seconds). Rows of one tail node are contiguous."""

    edge: _Int
    tail: _Int
    head: _Int
    begin: _Float
    cost: _Float

    def fraction(self, seconds: float) -> _Float:
        """How much of each row's edge is reached within ``seconds`` (0–1)."""
        return np.clip((seconds - self.begin) / np.maximum(self.cost, _TINY_S), 0.0, 1.0)


def _features(snap: Snapshot, start: tuple[float, float], bands: list[float],
              gate_ok: NDArray[np.uint8]) -> list[dict[str, Any]]:
    """The features for ``bands`` (minutes, ascending)."""
    reach = reached_edges(snap, start, bands[-1] * 60.0, gate_ok)
    street = snap.street
    features = []
    for m in bands:
        t = m * 60.0
        keep = reach.begin <= t
        frac = reach.fraction(t)[keep]
        a, b = reach.tail[keep], reach.head[keep]
        x0, y0 = snap.x[a], snap.y[a]
        x1, y1 = x0 + frac * (snap.x[b] - x0), y0 + frac * (snap.y[b] - y0)
        polygons, area = _outline(x0, y0, x1, y1)
        coords = []
        for pts, offs in polygons:
            lon, lat = street.to_lonlat(pts[:, 0], pts[:, 1])
            flat = np.round(np.column_stack([lon, lat]), 7).tolist()
            coords.append([flat[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)])
        geometry = ({"type": "Polygon", "coordinates": coords[0]} if len(coords) == 1 else
                    {"type": "MultiPolygon", "coordinates": coords})
        features.append({"type": "Feature", "geometry": geometry, "properties": {
            "minutes": m, "nodes_reached": int(np.count_nonzero(np.diff(a)) + (len(a) > 0)),
            "edges_reached": int(len(np.unique(reach.edge[keep]))),
            "area_km2": round(area / 1e6, 3)}})
    return features


@njit(cache=True)
def _reached(n_base: int, b_indptr: _Index, b_head: _Index, b_cost: _Float, o_indptr: _Index,
             o_head: _Index, o_cost: _Float, o_gate: _Index, gate_ok: NDArray[np.uint8],
             settled: _Index, dist: _Float,
             limit: float) -> tuple[_Int, _Int, _Int, _Float, _Float]:
    """The rows of ``Reach`` for the ``settled`` states (ascending) within ``limit`` (a
    gate passage only when ``gate_ok`` opens it in the state's mode)."""
    n_street = b_cost.shape[0]
    count = 0
    for s in settled:
        if dist[s] <= limit:
            node = s >> 1
            if node < n_base:
                count += b_indptr[node + 1] - b_indptr[node]
            count += o_indptr[node + 1] - o_indptr[node]
    edge = np.empty(count, dtype=np.int64)
    tail = np.empty(count, dtype=np.int64)
    head = np.empty(count, dtype=np.int64)
    begin = np.empty(count, dtype=np.float64)
    cost = np.empty(count, dtype=np.float64)
    n = 0
    for s in settled:
        if dist[s] > limit:
            continue
        node = s >> 1
        layer = s & 1
        if node < n_base:
            for e in range(b_indptr[node], b_indptr[node + 1]):
                if b_cost[e, layer] < np.inf:
                    edge[n], tail[n], head[n] = e, node, b_head[e]
                    begin[n], cost[n] = dist[s], b_cost[e, layer]
                    n += 1
        for f in range(o_indptr[node], o_indptr[node + 1]):
            gate = o_gate[f]
            if o_cost[f, layer] < np.inf and (gate < 0 or (gate_ok[gate] >> layer) & 1 == 1):
                edge[n], tail[n], head[n] = n_street + f, node, o_head[f]
                begin[n], cost[n] = dist[s], o_cost[f, layer]
                n += 1
    return edge[:n], tail[:n], head[:n], begin[:n], cost[:n]


@njit(cache=True)
def _mark(grid: NDArray[np.uint8], x0: _Float, y0: _Float, x1: _Float, y1: _Float,
          ox: float, oy: float, step: float) -> None:
    """Mark, for points at most ``step`` apart along each piece (its ends included),
    the 3 × 3 grid points around the nearest (rows y, columns x; origin ``ox``, ``oy``)."""
    for k in range(x0.shape[0]):
        dx, dy = x1[k] - x0[k], y1[k] - y0[k]
        n = max(1, int(np.ceil(np.sqrt(dx * dx + dy * dy) / step)))
        for i in range(n + 1):
            f = i / n
            col = int(np.rint((x0[k] + f * dx - ox) / step))
            row = int(np.rint((y0[k] + f * dy - oy) / step))
            grid[row - 1:row + 2, col - 1:col + 2] = 1


def _outline(x0: _Float, y0: _Float, x1: _Float, y1: _Float
             ) -> tuple[list[tuple[_Float, _Int]], float]:
    """Polygons around the pieces ``(x0, y0)``–``(x1, y1)`` (plane metres), each as its
    rings' points (outer ring first, each closed) and the offsets of the rings in them,
    and their area, square metres: the marked area of a grid of ``ISOCHRONE_GRID_M``
    spacing, holes smaller than ``ISOCHRONE_HOLE_M2`` filled, points on a straight run
    of a ring dropped."""
    if len(x0) == 0:
        return [], 0.0
    step = settings.ISOCHRONE_GRID_M
    xs, ys = np.concatenate([x0, x1]), np.concatenate([y0, y1])
    ox, oy = float(xs.min()) - 3 * step, float(ys.min()) - 3 * step
    cols = int((xs.max() - ox) / step) + 4
    rows = int((ys.max() - oy) / step) + 4
    grid = np.zeros((rows, cols), dtype=np.uint8)
    _mark(grid, x0, y0, x1, y1, ox, oy, step)
    generator = contourpy.contour_generator(ox + step * np.arange(cols), oy + step * np.arange(rows),
                                            grid, fill_type=contourpy.FillType.OuterOffset,
                                            name="serial", corner_mask=False)
    # OuterOffset: per outer ring, its points and the offsets of it and its holes in them.
    points, offsets = cast(tuple[list[_Float], list[_Int]], generator.filled(0.5, 2.0))
    polygons, total = [], 0.0
    for pts, offs in zip(points, offsets, strict=True):
        offs = offs.astype(np.int64)
        # The area of every ring at once (shoelace, summed per ring).
        cross = pts[:-1, 0] * pts[1:, 1] - pts[1:, 0] * pts[:-1, 1]
        cross[offs[1:-1] - 1] = 0.0  # a ring's closing point and the next ring's first
        areas = np.abs(np.add.reduceat(np.append(cross, 0.0), offs[:-1])) / 2
        keep = np.concatenate([[0], 1 + np.flatnonzero(areas[1:] >= settings.ISOCHRONE_HOLE_M2)])
        total += float(areas[0] - areas[keep[1:]].sum())
        polygons.append(_turns(pts, offs[keep], offs[keep + 1]))
    return polygons, total


def _turns(pts: _Float, first: _Int, end: _Int) -> tuple[_Float, _Int]:
    """The closed rings ``pts[first[i]:end[i]]`` without the points on a straight run
    (grid steps are exact, so a turn is any change of direction): points and offsets."""
    sizes = end - first - 1  # points of each ring, the closing one not counted
    ring = np.repeat(np.arange(len(first)), sizes)
    j = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes) + first[ring]
    last = end[ring] - 2  # the last point before the closing one
    d_out = pts[j + 1] - pts[j]
    d_in = pts[j] - pts[np.where(j == first[ring], last, j - 1)]
    turn = np.abs(d_in[:, 0] * d_out[:, 1] - d_in[:, 1] * d_out[:, 0]) > 1e-9 * _GRID2
    out, offs = [], [0]
    per_ring = np.cumsum(np.bincount(ring[turn], minlength=len(first)))[:-1]
    for r, kept in enumerate(np.split(j[turn], per_ring)):
        kept = kept if len(kept) >= 3 else np.arange(first[r], end[r] - 1)
        out.append(pts[np.append(kept, kept[0])])
        offs.append(offs[-1] + len(kept) + 1)
    return np.concatenate(out), np.asarray(offs, dtype=np.int64)
