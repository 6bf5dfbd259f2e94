"""A uniform grid over boxes in a local metric plane: which items lie near a point.

Items are points or straight segments given as (x0, y0, x1, y1) in metres. The grid
is three numpy arrays (cell → items in CSR order), cheap to build and to query.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray


class GridIndex:
    """Items (segments or points) bucketed into square cells of ``cell_m`` metres."""

    def __init__(self, x0: ArrayLike, y0: ArrayLike, x1: ArrayLike, y1: ArrayLike,
                 *, cell_m: float = 100.0) -> None:
        self.x0, self.y0 = np.asarray(x0, dtype=np.float64), np.asarray(y0, dtype=np.float64)
        self.x1, self.y1 = np.asarray(x1, dtype=np.float64), np.asarray(y1, dtype=np.float64)
        self.cell = float(cell_m)
        lo_x, hi_x = np.minimum(self.x0, self.x1), np.maximum(self.x0, self.x1)
        lo_y, hi_y = np.minimum(self.y0, self.y1), np.maximum(self.y0, self.y1)
        self.ox = float(lo_x.min()) if len(lo_x) else 0.0
        self.oy = float(lo_y.min()) if len(lo_y) else 0.0
        gx0, gx1 = self._gx(lo_x), self._gx(hi_x)
        gy0, gy1 = self._gy(lo_y), self._gy(hi_y)
        self.nx = int(gx1.max()) + 1 if len(gx1) else 1
        self.ny = int(gy1.max()) + 1 if len(gy1) else 1
        span_x, span_y = gx1 - gx0 + 1, gy1 - gy0 + 1
        counts = span_x * span_y
        item = np.repeat(np.arange(len(counts)), counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        cx = gx0[item] + offset % span_x[item]
        cy = gy0[item] + offset // span_x[item]
        cells = cy * self.nx + cx
        order = np.argsort(cells, kind="stable")
        self.items = item[order].astype(np.int64)
        self.start = np.searchsorted(cells[order], np.arange(self.nx * self.ny + 1))

    def _gx(self, x: ArrayLike) -> NDArray[np.int64]:
        return np.floor((np.asarray(x) - self.ox) / self.cell).astype(np.int64)

    def _gy(self, y: ArrayLike) -> NDArray[np.int64]:
        return np.floor((np.asarray(y) - self.oy) / self.cell).astype(np.int64)

    def cells_of_box(self, minx: float, miny: float, maxx: float,
                     maxy: float) -> tuple[int, int, int, int]:
        """The first and last cell columns and rows (gx0, gy0, gx1, gy1) the box meets,
        clipped to the grid (empty when gx0 > gx1 or gy0 > gy1)."""
        return (max(self._cell(minx, self.ox), 0), max(self._cell(miny, self.oy), 0),
                min(self._cell(maxx, self.ox), self.nx - 1), min(self._cell(maxy, self.oy), self.ny - 1))

    def _cell(self, v: float, origin: float) -> int:
        """``_gx`` (``_gy``) of one coordinate ``v`` (metres) on the axis from ``origin``,
        in plain float arithmetic (a query's cost is mostly this)."""
        q = (v - origin) / self.cell
        return math.floor(q) if math.isfinite(q) else int(np.floor(q).astype(np.int64))

    def query_box(self, minx: float, miny: float, maxx: float, maxy: float) -> NDArray[np.int64]:
        """Ids of items whose cells meet the box (a superset of the items in it; an item
        spanning several cells may appear more than once), cell by cell, rows first."""
        return self.query_cells(*self.cells_of_box(minx, miny, maxx, maxy))

    def query_cells(self, gx0: int, gy0: int, gx1: int, gy1: int) -> NDArray[np.int64]:
        """Ids of items in cell columns gx0..gx1 and rows gy0..gy1, as ``query_box``."""
        if gx0 > gx1 or gy0 > gy1:
            return np.empty(0, dtype=np.int64)
        parts = [self.items[self.start[row * self.nx + gx0]:self.start[row * self.nx + gx1 + 1]]
                 for row in range(gy0, gy1 + 1)]
        return np.concatenate(parts)


def point_segment(px: float | NDArray[np.float64], py: float | NDArray[np.float64],
                  x0: NDArray[np.float64], y0: NDArray[np.float64],
                  x1: NDArray[np.float64],
                  y1: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Distance (m) from (px, py) to each segment and the fraction (0..1) of the
    nearest point along it (``px``, ``py`` one point or one per segment)."""
    dx, dy = x1 - x0, y1 - y0
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(len2 > 0, ((px - x0) * dx + (py - y0) * dy) / len2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(x0 + t * dx - px, y0 + t * dy - py), t
