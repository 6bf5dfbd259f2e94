"""Streets for maps with no tile server: highway lines read from the OSM extracts.

With the base map setting ``none`` the maps draw the streets around a compound from the
same OSM files the data was imported from (the app passes its recorded sources). They are
read once per process with pyosmium (well under a second for the bundled extracts) and
queried by bounding box through an STRtree.
Coordinates are (lon, lat) WGS-84.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import osmium
import shapely
from shapely.geometry import LineString, box
from shapely.strtree import STRtree

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
    processor = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations().with_filter(osmium.filter.KeyFilter("highway")))
    for way in processor:
        if not isinstance(way, osmium.osm.Way) or way.tags.get("area") == "yes":
            continue
        rank = street_rank(way.tags.get("highway") or "")
        if rank is None:
            continue
        points = [(node.lon, node.lat) for node in way.nodes if node.location.valid()]
        if len(points) >= 2:
            streets.append(Street(way.id, way.tags.get("name") or "", rank, LineString(points)))
    return streets


@cache
def _index_of(files: tuple[tuple[str, float], ...]) -> StreetIndex:
    by_id: dict[int, Street] = {}
    for name, _mtime in files:
        for street in _read_streets(Path(name)):
            by_id.setdefault(street.osm_id, street)
    streets = tuple(by_id.values())
    return StreetIndex(streets, STRtree([s.line for s in streets]))


def street_index(files: list[Path]) -> StreetIndex:
    """The street index of the OSM ``files`` (missing ones skipped), rebuilt when a file
    changes."""
    return _index_of(tuple((str(p), p.stat().st_mtime) for p in sorted(files) if p.exists()))


def simplified(line: LineString, tolerance_deg: float) -> list[list[float]]:
    """``line``'s coordinates simplified to ``tolerance_deg``, rounded to ~1 cm."""
    return shapely.get_coordinates(line.simplify(tolerance_deg)).round(7).tolist()
