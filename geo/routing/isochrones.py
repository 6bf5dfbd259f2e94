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
reached piece (plus the quarter spacing it is simplified by). Answers are kept per snapshot, start,
bands and open gates (``ISOCHRONE_CACHE_SIZE``); a changed gate or facility makes a new
snapshot, so a new answer.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from datetime import datetime
from typing import Any, cast

import contourpy
import numpy as np
import shapely
from numba import njit
from numpy.typing import NDArray
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.errors import InvalidInput
from geo.hours.opening_hours import local_time
from geo.routing.network import AccessNetwork, Snapshot
from geo.routing.search import run_search, snap_start

_Float = NDArray[np.float64]
_Int = NDArray[np.int64]
_TINY_S = 1e-9  # an edge that costs nothing is reached whole

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
                  gate_ok: NDArray[np.uint8]) -> tuple[_Int, _Float, _Float]:
    """What a rider reaches from ``start`` within ``seconds``: per (settled state, edge
    it may take) the edge number (street edges first, then layer edges), the cost at its
    start and its cost (seconds); edges taken from several states appear once each."""
    origin = snap_start(snap, *start)
    _found, ws = run_search(snap, origin.seeds, origin.seed_cost, np.empty(0, np.int64),
                            n_need=1, gate_ok=gate_ok, limit=seconds)
    return _reached(snap.n_base, snap.street.indptr, snap.b_cost, snap.o_indptr, snap.o_cost,
                    snap.o_gate, gate_ok, ws.done, ws.dist, ws.gen, seconds)


def _features(snap: Snapshot, start: tuple[float, float], bands: list[float],
              gate_ok: NDArray[np.uint8]) -> list[dict[str, Any]]:
    """The features for ``bands`` (minutes, ascending)."""
    edge, begin, cost = reached_edges(snap, start, bands[-1] * 60.0, gate_ok)
    tail, head = _ends(snap, edge)
    street = snap.street
    features = []
    for m in bands:
        t = m * 60.0
        keep = begin <= t
        frac = np.clip((t - begin[keep]) / np.maximum(cost[keep], _TINY_S), 0.0, 1.0)
        a, b = tail[keep], head[keep]
        x0, y0 = snap.x[a], snap.y[a]
        x1, y1 = x0 + frac * (snap.x[b] - x0), y0 + frac * (snap.y[b] - y0)
        polygon = _area(x0, y0, x1, y1)
        lonlat = shapely.transform(polygon, lambda xy: np.column_stack(
            street.to_lonlat(xy[:, 0], xy[:, 1])))
        features.append({"type": "Feature", "geometry": mapping(lonlat), "properties": {
            "minutes": m, "nodes_reached": int(len(np.unique(a))),
            "edges_reached": int(len(np.unique(edge[keep]))),
            "area_km2": round(polygon.area / 1e6, 3)}})
    return features


def _ends(snap: Snapshot, edge: _Int) -> tuple[_Int, _Int]:
    """Tail and head node of each edge number (street edges, then layer edges)."""
    n_street = snap.n_edges_base
    street_tail = np.repeat(np.arange(snap.n_base, dtype=np.int64), np.diff(snap.street.indptr))
    layer = edge >= n_street
    tail = np.empty(len(edge), dtype=np.int64)
    head = np.empty(len(edge), dtype=np.int64)
    tail[~layer] = street_tail[edge[~layer]]
    head[~layer] = np.asarray(snap.street.head)[edge[~layer]]
    f = edge[layer] - n_street
    tail[layer] = np.searchsorted(snap.o_indptr, f, side="right") - 1
    head[layer] = snap.o_head[f]
    return tail, head


@njit(cache=True)
def _reached(n_base: int, b_indptr: _Int, b_cost: _Float, o_indptr: _Int, o_cost: _Float,
             o_gate: _Int, gate_ok: NDArray[np.uint8], done: _Int, dist: _Float, gen: int,
             limit: float) -> tuple[_Int, _Float, _Float]:
    """Edges leaving the states settled within ``limit`` in a mode they allow (a gate
    passage only when ``gate_ok`` opens it): edge, cost at its start, its cost."""
    n_street = b_cost.shape[0]
    count = 0
    for s in range(done.shape[0]):
        if done[s] == gen and dist[s] <= limit:
            node = s >> 1
            if node < n_base:
                count += b_indptr[node + 1] - b_indptr[node]
            count += o_indptr[node + 1] - o_indptr[node]
    edge = np.empty(count, dtype=np.int64)
    begin = np.empty(count, dtype=np.float64)
    cost = np.empty(count, dtype=np.float64)
    n = 0
    for s in range(done.shape[0]):
        if done[s] != gen or dist[s] > limit:
            continue
        node = s >> 1
        layer = s & 1
        if node < n_base:
            for e in range(b_indptr[node], b_indptr[node + 1]):
                if b_cost[e, layer] < np.inf:
                    edge[n], begin[n], cost[n] = e, dist[s], b_cost[e, layer]
                    n += 1
        for f in range(o_indptr[node], o_indptr[node + 1]):
            gate = o_gate[f]
            if o_cost[f, layer] < np.inf and (gate < 0 or (gate_ok[gate] >> layer) & 1 == 1):
                edge[n], begin[n], cost[n] = n_street + f, dist[s], o_cost[f, layer]
                n += 1
    return edge[:n], begin[:n], cost[:n]


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


def _area(x0: _Float, y0: _Float, x1: _Float, y1: _Float) -> BaseGeometry:
    """A polygon (plane metres) around the pieces ``(x0, y0)``–``(x1, y1)``: the marked
    area of a grid of ``ISOCHRONE_GRID_M`` spacing, holes smaller than
    ``ISOCHRONE_HOLE_M2`` filled, simplified by a quarter of the spacing."""
    if len(x0) == 0:
        return shapely.Polygon()
    step = settings.ISOCHRONE_GRID_M
    xs, ys = np.concatenate([x0, x1]), np.concatenate([y0, y1])
    ox, oy = float(xs.min()) - 3 * step, float(ys.min()) - 3 * step
    cols = int((xs.max() - ox) / step) + 4
    rows = int((ys.max() - oy) / step) + 4
    grid = np.zeros((rows, cols), dtype=np.uint8)
    _mark(grid, x0, y0, x1, y1, ox, oy, step)
    gx = ox + step * np.arange(cols)
    gy = oy + step * np.arange(rows)
    generator = contourpy.contour_generator(gx, gy, grid, fill_type=contourpy.FillType.OuterOffset,
                                            name="serial", corner_mask=False)
    # OuterOffset: per outer ring, its points and the offsets of it and its holes in them.
    points, offsets = cast(tuple[list[_Float], list[_Int]], generator.filled(0.5, 2.0))
    polygons = []
    for pts, offs in zip(points, offsets, strict=True):
        rings = [pts[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
        holes = [r for r in rings[1:] if shapely.Polygon(r).area >= settings.ISOCHRONE_HOLE_M2]
        polygons.append(shapely.Polygon(rings[0], holes))
    area = shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]
    return area.simplify(step / 4)
