"""A city-size OSM file made by tiling a real extract (for bench/routing.py).

The extract is clipped to its ``<bounds>`` grown to hold every compound and building
that crosses them whole (``AREA_TAGS``; other ways are cut where they leave the box),
then copied onto a grid of ``n × n`` tiles, each shifted by the box's size with new ids
(numbered densely from 1: OSRM packs node ids into 40 bits). Neighbouring tiles are
joined at their edges by short residential ways between road nodes near the shared edge.
The access data (compounds, gates, doors, facilities) of the extract is shifted the same
way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium
import shapely

from geo.osm.reader import read_osm_file
from geo.routing.inputs import AccessData
from geo.routing.street_graph import mode_rules

EDGE_BAND_M = 60.0
JOINS_PER_EDGE = 10
# Closed ways kept whole: the box grows to hold those that cross the extract's bounds.
AREA_TAGS = {"landuse": {"residential"}, "building": None}


@dataclass
class Template:
    """An extract clipped to its bounds."""

    bounds: tuple[float, float, float, float]
    nodes: dict[int, tuple[float, float, dict[str, str]]]
    ways: list[tuple[int, list[int], dict[str, str]]]


def _is_area(refs: list[int], tags: osmium.osm.TagList) -> bool:
    """A closed way that is a compound or a building (``AREA_TAGS``)."""
    return len(refs) > 3 and refs[0] == refs[-1] and any(
        k in tags and (values is None or tags[k] in values) for k, values in AREA_TAGS.items())


def _grown_bounds(path: Path, bounds: tuple[float, float, float, float]
                  ) -> tuple[float, float, float, float]:
    """``bounds`` grown to hold every compound and building with a node inside them."""
    west, south, east, north = bounds
    box = list(bounds)
    for w in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if not w.is_way():
            continue
        refs = [r.ref for r in w.nodes]
        if not _is_area(refs, w.tags) or not all(r.location.valid() for r in w.nodes):
            continue
        lons = [r.location.lon for r in w.nodes]
        lats = [r.location.lat for r in w.nodes]
        if any(west <= x <= east and south <= y <= north for x, y in zip(lons, lats, strict=True)):
            box = [min(box[0], *lons), min(box[1], *lats), max(box[2], *lons), max(box[3], *lats)]
    return box[0], box[1], box[2], box[3]


def read_template(path: Path) -> Template:
    """Nodes inside the (grown) bounds, and the runs of ways inside them."""
    bounds = read_osm_file(path).bounds
    assert bounds is not None, f"{path} has no nodes"
    bounds = _grown_bounds(path, bounds)
    west, south, east, north = bounds
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            lon, lat = obj.location.lon, obj.location.lat
            if west <= lon <= east and south <= lat <= north:
                nodes[obj.id] = (lon, lat, {t.k: t.v for t in obj.tags})
            continue
        refs = [r.ref for r in obj.nodes]
        tags = {t.k: t.v for t in obj.tags}
        if len(refs) > 2 and refs[0] == refs[-1]:
            if all(r in nodes for r in refs):
                ways.append((obj.id * 10, refs, tags))
            continue
        run: list[int] = []
        part = 0
        for r in refs + [None]:  # type: ignore[list-item]
            if r is not None and r in nodes:
                run.append(r)
                continue
            if len(run) >= 2:
                ways.append((obj.id * 10 + part, run, tags))
                part += 1
            run = []
    return Template(bounds, nodes, ways)


def _joins(t: Template) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Pairs (node near the east edge, node near the west edge) and (north, south) of
    road nodes to join between neighbouring tiles."""
    ride = set(mode_rules()["ebike"]["highway"])
    road = {r for _id, refs, tags in t.ways if tags.get("highway") in ride for r in refs}
    west, south, east, north = t.bounds
    ky = 111_000.0
    kx = ky * math.cos(math.radians((south + north) / 2))

    def band(side: str) -> list[int]:
        out = []
        for r in road:
            lon, lat, _ = t.nodes[r]
            d = {"east": (east - lon) * kx, "west": (lon - west) * kx,
                 "north": (north - lat) * ky, "south": (lat - south) * ky}[side]
            if d <= EDGE_BAND_M:
                out.append(r)
        return out

    def pair(a_side: str, b_side: str, axis: int) -> list[tuple[int, int]]:
        a, b = band(a_side), band(b_side)
        if not a or not b:
            return []
        a.sort(key=lambda r: t.nodes[r][axis])
        step = max(1, len(a) // JOINS_PER_EDGE)
        return [(r, min(b, key=lambda s: abs(t.nodes[s][axis] - t.nodes[r][axis])))
                for r in a[::step]]

    return pair("east", "west", 1), pair("north", "south", 0)


def write_city(template: Template, n: int, target: Path) -> int:
    """Write ``n × n`` tiles of ``template`` to ``target`` (.osm); returns node count."""
    west, south, east, north = template.bounds
    width, height = east - west, north - south
    east_west, north_south = _joins(template)
    order = sorted(template.nodes)
    index = {r: i + 1 for i, r in enumerate(order)}
    n_nodes, n_ways = len(order), len(template.ways)

    def node_id(k: int, r: int) -> int:
        return k * n_nodes + index[r]

    count = 0
    tmp = target.with_name(target.name + ".part")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                  '<osm version="0.6" generator="youlu-bench tiles">\n')
        out.write(f' <bounds minlat="{south:.7f}" minlon="{west:.7f}" '
                  f'maxlat="{south + n * height:.7f}" maxlon="{west + n * width:.7f}"/>\n')
        for k in range(n * n):
            dx, dy = (k % n) * width, (k // n) * height
            for r in order:
                lon, lat, tags = template.nodes[r]
                out.write(f' <node id="{node_id(k, r)}" version="1" lat="{lat + dy:.7f}" '
                          f'lon="{lon + dx:.7f}"')
                count += 1
                if tags:
                    out.write(">\n" + _tags(tags) + " </node>\n")
                else:
                    out.write("/>\n")
        for k in range(n * n):
            for w, (_wid, refs, tags) in enumerate(template.ways):
                out.write(f' <way id="{k * n_ways + w + 1}" version="1">\n')
                out.write("".join(f'  <nd ref="{node_id(k, r)}"/>\n' for r in refs))
                out.write(_tags(tags) + " </way>\n")
        way_id = n * n * n_ways
        for k in range(n * n):
            i, j = k % n, k // n
            links = []
            if i + 1 < n:
                links += [(k, a, k + 1, b) for a, b in east_west]
            if j + 1 < n:
                links += [(k, a, k + n, b) for a, b in north_south]
            for ka, a, kb, b in links:
                way_id += 1
                out.write(f' <way id="{way_id}" version="1">\n'
                          f'  <nd ref="{node_id(ka, a)}"/>\n  <nd ref="{node_id(kb, b)}"/>\n'
                          f'  <tag k="highway" v="residential"/>\n </way>\n')
        out.write("</osm>\n")
    tmp.rename(target)
    return count


def _tags(tags: dict[str, str]) -> str:
    return "".join(f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>\n" for k, v in tags.items())


def tile_access(data: AccessData, bounds: tuple[float, float, float, float], n: int) -> AccessData:
    """``data`` copied onto the same ``n × n`` grid, ids offset by the tile."""
    west, south, east, north = bounds
    width, height = east - west, north - south
    compounds, doors, facilities, buildings = [], [], [], []
    for k in range(n * n):
        dx, dy = (k % n) * width, (k // n) * height
        off = (k + 1) * 10**19

        def cid(v: int | None, off: int = off) -> int | None:
            return None if v is None else off + v

        for c in data.compounds:
            compounds.append(replace(
                c, id=off + c.id, polygon=shapely.affinity.translate(c.polygon, dx, dy),
                gates=tuple(replace(g, id=off + g.id, lon=g.lon + dx, lat=g.lat + dy)
                            for g in c.gates)))
        doors += [replace(d, id=off + d.id, lon=d.lon + dx, lat=d.lat + dy,
                          compound_id=cid(d.compound_id), building_id=cid(d.building_id))
                  for d in data.doors]
        facilities += [replace(f, id=off + f.id, lon=f.lon + dx, lat=f.lat + dy,
                               compound_id=cid(f.compound_id)) for f in data.facilities]
        buildings += [replace(b, id=off + b.id, outline=shapely.affinity.translate(b.outline, dx, dy),
                              compound_id=cid(b.compound_id)) for b in data.buildings]
    return AccessData(compounds=tuple(compounds), doors=tuple(doors), facilities=tuple(facilities),
                      buildings=tuple(buildings))


def write_clipped(source: Path, target: Path, margin: float) -> tuple[float, float, float, float]:
    """``source`` cut the way a bounding-box extract of a larger file is: nodes outside
    its bounds shrunk by ``margin`` (a fraction of the width and height on each side)
    dropped, every way and relation kept, so ways near the cut refer to missing nodes.
    The new ``<bounds>`` is the box; returns it (west, south, east, north)."""
    bounds = read_osm_file(source).bounds
    assert bounds is not None, f"{source} has no <bounds>"
    west, south, east, north = bounds
    dx, dy = (east - west) * margin, (north - south) * margin
    box = (west + dx, south + dy, east - dx, north - dy)
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(osmium.osm.Location(box[0], box[1]),
                                  osmium.osm.Location(box[2], box[3])))
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(osmium.io.File(str(tmp), "osm"), header=header)
    try:
        for obj in osmium.FileProcessor(str(source)):
            if obj.is_node():
                lon, lat = obj.location.lon, obj.location.lat
                if box[0] <= lon <= box[2] and box[1] <= lat <= box[3]:
                    writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
            else:
                writer.add_relation(obj)
    finally:
        writer.close()
    tmp.rename(target)
    return box


CLIP_MARGIN = 0.05


def city_files(template: Path, n: int, cache: Path) -> tuple[Path, Path]:
    """The ``n × n`` city tiled from ``template`` and its clipped copy (bounds shrunk by
    ``CLIP_MARGIN`` on each side), written under ``cache`` once; returns (city, clipped)."""
    stem = template.name.split(".")[0]
    city = cache / f"{stem}-{n}x{n}.osm"
    clipped = cache / f"{stem}-{n}x{n}-clipped.osm"
    cache.mkdir(parents=True, exist_ok=True)
    if not city.exists():
        write_city(read_template(template), n, city)
    if not clipped.exists():
        write_clipped(city, clipped, CLIP_MARGIN)
    return city, clipped
