"""OSM files made from the bundled extracts with pyosmium: the same data in another format,
without bounds or metadata, or clipped to a box (nodes outside dropped, every way kept)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import osmium

from geo.osm.reader import FORMATS, Bounds


def header_box(src: Path) -> Bounds:
    """The header bounding box of ``src`` (W, S, E, N), read by pyosmium directly."""
    reader = osmium.io.Reader(str(src), osmium.osm.NOTHING)
    box = reader.header().box()
    reader.close()
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def rewrite(src: Path, dst: Path, *, bounds: bool | Bounds = True, metadata: bool = True,
            keep_node: Callable[[float, float], bool] | None = None) -> Path:
    """Write ``src`` to ``dst`` in the format its name says; ``bounds=False`` leaves the
    header box out, a (W, S, E, N) box writes that one instead; ``metadata=False`` leaves
    out version/timestamp/user/changeset; ``keep_node`` (lon, lat) → bool drops the other
    nodes (the ways still reference them)."""
    header = osmium.io.Header()
    if bounds:
        west, south, east, north = header_box(src) if bounds is True else bounds
        header.add_box(osmium.osm.Box(osmium.osm.Location(west, south), osmium.osm.Location(east, north)))
    fmt = next(f for e, f in sorted(FORMATS.items(), key=lambda item: -len(item[0])) if dst.name.endswith(e))
    target = osmium.io.File(str(dst), fmt if metadata else f"{fmt},add_metadata=false")
    writer = osmium.SimpleWriter(target, header=header, overwrite=True)
    try:
        for obj in osmium.FileProcessor(str(src)):
            if (keep_node is not None and isinstance(obj, osmium.osm.Node)
                    and not keep_node(obj.location.lon, obj.location.lat)):
                continue
            writer.add(obj)
    finally:
        writer.close()
    return dst


def node_box(path: Path) -> Bounds:
    """The box of every node location in ``path``, read by pyosmium directly."""
    lons, lats = [], []
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        lons.append(node.location.lon)
        lats.append(node.location.lat)
    return (min(lons), min(lats), max(lons), max(lats))


def missing_refs(path: Path) -> tuple[int, int]:
    """(node references to absent nodes, ways with such references) in ``path``."""
    present = {n.id for n in osmium.FileProcessor(str(path), osmium.osm.NODE)}
    refs = ways = 0
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        absent = sum(1 for n in way.nodes if n.ref not in present)
        refs += absent
        ways += absent > 0
    return refs, ways
