"""Streets for maps with no tile server: highway lines read from the OSM extracts.

With the base map setting ``none`` the maps draw the streets around a compound from the
same OSM files the data was imported from (the app passes its recorded sources). They
are read once per process by ``geo.osm.reader`` (any format; a way of a clipped file is
one street per run of present nodes) and queried by bounding box through an STRtree.
Coordinates are (lon, lat) WGS-84.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import shapely
from shapely.geometry import LineString, box
from shapely.strtree import STRtree

from geo.osm.reader import read_osm
from maps.symbols import street_rank


@dataclass(frozen=True)
class Street:
    """One OSM highway way: its id, name (may be empty), drawing rank and line."""

    osm_id: int
    name: str
    rank: str
    line: LineString


@dataclass(frozen=True)
class StreetIndex:
    """All drawable streets of the extracts and an STRtree over their lines."""

    streets: tuple[Street, ...]
    tree: STRtree

    def in_bbox(self, bbox: tuple[float, float, float, float]) -> list[Street]:
        """The streets meeting ``bbox`` (W, S, E, N), clipped to it, major ones last."""
        area = box(*bbox)
        found = []
        for index in self.tree.query(area, predicate="intersects"):
            street = self.streets[int(index)]
            clipped = street.line.intersection(area)
            for part in getattr(clipped, "geoms", [clipped]):
                if isinstance(part, LineString) and not part.is_empty:
                    found.append(Street(street.osm_id, street.name, street.rank, part))
        order = {"path": 0, "minor": 1, "major": 2}
        return sorted(found, key=lambda s: (order[s.rank], s.osm_id))


def _read_streets(path: Path) -> list[Street]:
    streets = []
    for way in read_osm(path).ways:
        if way.tags.get("area") == "yes":
            continue
        rank = street_rank(way.tags.get("highway") or "")
        if rank is None:
            continue
        for run in way.runs:
            line = LineString([(lon, lat) for _, lon, lat in run])
            streets.append(Street(way.id, way.tags.get("name") or "", rank, line))
    return streets


@cache
def _index_of(files: tuple[tuple[str, float], ...]) -> StreetIndex:
    found: list[Street] = []
    seen: set[int] = set()  # a way in two extracts is drawn from the first
    for name, _mtime in files:
        read = _read_streets(Path(name))
        found += [s for s in read if s.osm_id not in seen]
        seen |= {s.osm_id for s in read}
    streets = tuple(found)
    return StreetIndex(streets, STRtree([s.line for s in streets]))


def street_index(files: list[Path]) -> StreetIndex:
    """The street index of the OSM ``files`` (missing ones skipped), rebuilt when a file
    changes."""
    return _index_of(tuple((str(p), p.stat().st_mtime) for p in sorted(files) if p.exists()))


def simplified(line: LineString, tolerance_deg: float) -> list[list[float]]:
    """``line``'s coordinates simplified to ``tolerance_deg``, rounded to ~1 cm."""
    return shapely.get_coordinates(line.simplify(tolerance_deg)).round(7).tolist()
