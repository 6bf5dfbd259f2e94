"""A small inline SVG map of one compound from our own data: outline, buildings with their
numbers, gates, and a pin at the place a plate names. No tiles, no script: it shows on any
phone, offline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

PADDING_PX = 24.0  # room for the pin above a gate on the top edge


@dataclass(frozen=True)
class MapGate:
    """A gate: its point and whether riders may use it."""

    geom: Point
    open_to_riders: bool


def _polygons(geom: BaseGeometry) -> Iterable[Polygon]:
    if isinstance(geom, Polygon):
        yield geom
    else:
        for part in getattr(geom, "geoms", ()):
            yield from _polygons(part)


def compound_svg(outline: BaseGeometry, *, buildings: Sequence[tuple[BaseGeometry, str]] = (),
                 gates: Sequence[MapGate] = (), target: BaseGeometry | None = None,
                 width: int = 320, height: int = 220) -> str:
    """SVG markup of the compound ``outline`` (WGS-84 lon/lat), ``width`` × ``height`` px.

    Longitude is scaled by cos(latitude), so shapes keep their proportions; north is up.
    Building labels are escaped (they are user text).
    """
    west, south, east, north = outline.bounds
    kx = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * kx, 1e-9), max(north - south, 1e-9)
    scale = min((width - 2 * PADDING_PX) / span_x, (height - 2 * PADDING_PX) / span_y)
    ox = (width - span_x * scale) / 2
    oy = (height - span_y * scale) / 2

    def xy(lon: float, lat: float) -> str:
        return f"{ox + (lon - west) * kx * scale:.1f},{oy + (north - lat) * scale:.1f}"

    def path(geom: BaseGeometry) -> str:
        return "".join("M" + " L".join(xy(x, y) for x, y in ring.coords) + "Z"
                       for poly in _polygons(geom)
                       for ring in (poly.exterior, *poly.interiors))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="mini-map" viewBox="0 0 {width} '
             f'{height}" role="img" aria-label="小区示意图">',
             f'<path d="{path(outline)}" fill="#eef6f1" stroke="#0a7d4f" stroke-width="2"/>']
    for geom, label in buildings:
        parts.append(f'<path d="{path(geom)}" fill="#d9dee3" stroke="#8a96a0"/>')
        if label:
            x, y = xy(geom.centroid.x, geom.centroid.y).split(",")
            parts.append(f'<text x="{x}" y="{y}" font-size="11" text-anchor="middle" '
                         f'dominant-baseline="middle" fill="#333">{escape(label)}</text>')
    for gate in gates:
        x, y = xy(gate.geom.x, gate.geom.y).split(",")
        colour = "#0a7d4f" if gate.open_to_riders else "#c62828"
        parts.append(f'<circle cx="{x}" cy="{y}" r="5" fill="{colour}" stroke="#fff"/>')
    if target is not None:
        point = target if isinstance(target, Point) else target.representative_point()
        px, py = (float(v) for v in xy(point.x, point.y).split(","))
        parts.append(f'<path d="M{px:.1f},{py:.1f} l-7,-14 a8,8 0 1,1 14,0 z" fill="#c62828" '
                     'stroke="#fff" stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)
