"""Where a start joins the network (geo.routing.search.snap_start), on the real extracts."""

from __future__ import annotations

import random

import numpy as np
from shapely.geometry import LineString, Point

from geo.routing.compound_layer import to_plane
from geo.routing.search import snap_start

# A straight walk may graze a drawn outline by this much (metres).
_GRAZE_M = 1.0
# The start in 富润家园 (qinghuadonglu) whose walk to its gate crossed 石科院生活区.
_FU_RUN = (116.34761506397034, 39.998113723546886)


def test_a_courtyard_start_walks_to_no_node_through_another_compound(networks) -> None:
    # Random starts inside compounds away from their roads, and the start in 富润家园
    # (L-shaped, no inside roads) whose straight walk to its gate crossed the notch held
    # by 石科院生活区: every seed straight across the courtyard stays out of every other
    # compound, and out of the notch of its own.
    rng = random.Random(11)
    walks = 0
    for name, net in networks.items():
        snap = net.snapshot
        planes = [to_plane(snap.street, c.polygon) for c in snap.compounds]
        with_gates = [i for i, c in enumerate(snap.compounds) if c.gates]
        starts = [_FU_RUN] if name == "qinghuadonglu" else []
        for _ in range(80):
            polygon = snap.compounds[rng.choice(with_gates)].polygon
            minx, miny, maxx, maxy = polygon.bounds
            p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if polygon.contains(Point(p)):
                starts.append(p)
        for lon, lat in starts:
            origin = snap_start(snap, lon, lat)
            where = origin.compound
            x, y = (float(v) for v in snap.street.to_plane(lon, lat))
            for state in np.unique(origin.seeds[origin.seed_edge == -1] // 2).tolist():
                line = LineString([(x, y), (snap.x[state], snap.y[state])])
                for i, polygon in enumerate(planes):
                    if i != where and line.intersects(polygon):
                        assert line.intersection(polygon).length <= _GRAZE_M, (name, (lon, lat), i)
                away = line.difference(planes[where])
                through = [g for g in getattr(away, "geoms", [away]) if not g.is_empty
                           and g.distance(Point(x, y)) > 1e-6
                           and g.distance(Point(snap.x[state], snap.y[state])) > 1e-6]
                assert sum(g.length for g in through) <= _GRAZE_M, (name, (lon, lat))
                walks += 1
    assert walks > 100
