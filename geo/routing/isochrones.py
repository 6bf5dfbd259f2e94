"""Isochrones: what a rider reaches from a start within N minutes (the "15-minute
service circle"), as GeoJSON polygons in WGS-84 ``(lon, lat)``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPoint, mapping
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.errors import InvalidInput
from geo.hours.opening_hours import local_time
from geo.routing._kernels import settled_costs
from geo.routing.network import AccessNetwork
from geo.routing.search import run_search, snap_start


def isochrones(network: AccessNetwork, start: tuple[float, float], minutes: list[float], *,
               at: datetime | str | None = None, has_pass: bool = False) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one polygon per time in ``minutes`` covering what a
    rider reaches from ``start`` within it (the "15-minute service circle")."""
    if not minutes or any(not 0 < m <= settings.ISOCHRONE_MAX_MINUTES for m in minutes):
        raise InvalidInput(f"minutes 每项应在 0 到 {settings.ISOCHRONE_MAX_MINUTES:g} 之间",
                           f"each of minutes must be in (0, {settings.ISOCHRONE_MAX_MINUTES:g}]")
    snap = network.snapshot
    when = local_time(at)
    origin = snap_start(snap, *start)
    limit = max(minutes) * 60.0
    _found, ws = run_search(snap, origin.seeds, origin.seed_cost, np.empty(0, np.int64),
                            n_need=1, gate_ok=snap.gate_ok(when, has_pass=has_pass), limit=limit)
    best = settled_costs(snap.n_nodes, ws.stamp, ws.done, ws.dist, ws.gen, limit)
    street = snap.street
    tail, head = np.asarray(street.tail), np.asarray(street.head)
    cost = snap.b_cost.min(axis=1)
    features = []
    for m in sorted(set(minutes)):
        t = m * 60.0
        reached = best <= t
        # Part of a street edge whose start is reached: as far as the time left allows.
        part = reached[tail] & ~reached[head] & np.isfinite(cost)
        frac = np.clip((t - best[tail[part]]) / cost[part], 0.0, 1.0)
        px = snap.x[tail[part]] + frac * (snap.x[head[part]] - snap.x[tail[part]])
        py = snap.y[tail[part]] + frac * (snap.y[head[part]] - snap.y[tail[part]])
        xs = np.concatenate([snap.x[reached], px])
        ys = np.concatenate([snap.y[reached], py])
        polygon = _area(xs, ys)
        lonlat = shapely.transform(polygon, lambda xy: np.column_stack(
            street.to_lonlat(xy[:, 0], xy[:, 1])))
        features.append({"type": "Feature", "geometry": mapping(lonlat), "properties": {
            "minutes": m, "nodes_reached": int(reached.sum()),
            "area_km2": round(polygon.area / 1e6, 3)}})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"from": [round(start[0], 7), round(start[1], 7)],
                           "at": when.isoformat()}}


def _area(xs: NDArray[np.float64], ys: NDArray[np.float64]) -> BaseGeometry:
    """A polygon around the reached points (plane metres): their concave hull, grown by
    half ``ISOCHRONE_DETAIL_M`` so that streets on its edge lie inside."""
    detail = settings.ISOCHRONE_DETAIL_M
    if len(xs) == 0:
        return shapely.Polygon()
    # Points closer than a decimetre are one (GEOS's hull fails on near-duplicates).
    xy = np.unique(np.round(np.column_stack([xs, ys]), 1), axis=0)
    points = MultiPoint(xy)
    if len(xy) < 3:
        return points.buffer(detail / 2)
    try:
        hull = shapely.concave_hull(points, ratio=0.1)
    except shapely.errors.GEOSException:
        hull = points.convex_hull
    return hull.buffer(detail / 2, quad_segs=2).simplify(detail / 4)
