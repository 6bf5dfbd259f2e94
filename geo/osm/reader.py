"""The one reader of OSM files: .osm, .osm.bz2, .osm.gz and .osm.pbf, read with pyosmium.

Everything that reads an extract (the feature import, the street graph, the map streets,
the routing cache's file hash) goes through here, so a file is checked, opened, bounded
and hashed the same way everywhere:

- **format check**: the name must end with an accepted extension and the content must
  match it (a bzip2/gzip stream holding ``<osm``, or a PBF ``OSMHeader``); a missing,
  empty, corrupt, truncated or non-OSM file raises ``InvalidImportFile`` saying what to do.
- **bounds rule**: the header's bounding box (XML ``<bounds>``, PBF header bbox) when the
  file has one, else the box of the node locations present.
- **clipped files** (cut from a bigger extract by a box, so ways reference nodes that are
  not in the file): an open way is cut into the runs of consecutive present nodes, runs of
  fewer than 2 nodes dropped; a closed way (a polygon) with a missing node is dropped. The
  counts are in ``OsmFile`` (``missing_refs``, ``ways_cut``, ``ways_dropped``).

Coordinates are (lon, lat) WGS-84 degrees.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import osmium

from geo.errors import InvalidImportFile

# Name ending → pyosmium format name.
FORMATS = {".osm": "osm", ".osm.bz2": "osm.bz2", ".osm.gz": "osm.gz", ".osm.pbf": "pbf"}
_ACCEPTED_ZH = "、".join(FORMATS)
_ACCEPTED_EN = ", ".join(FORMATS)
_HEAD_BYTES = 65536
_UNPACKERS: dict[str, Callable[[str | Path], io.BufferedIOBase]] = {"osm.bz2": bz2.BZ2File,
                                                                    "osm.gz": gzip.GzipFile}
COMPRESSED = frozenset(_UNPACKERS)  # the formats ``open_unpacked`` unpacks

Bounds = tuple[float, float, float, float]
"""(west, south, east, north) in degrees."""


@dataclass(frozen=True)
class OsmFile:
    """The facts of one OSM file, as an import records its source.

    ``bounds`` follows the bounds rule (``bounds_from`` is ``"header"`` or ``"nodes"``);
    ``missing_refs`` counts way node references to nodes absent from the file,
    ``ways_cut`` the open ways cut at them, ``ways_dropped`` the ways left with no run of
    2 nodes or closed ways (polygons) with a node missing.
    """

    path: Path
    sha256: str
    size: int
    format: str
    bounds: Bounds | None
    bounds_from: str
    nodes: int
    ways: int
    relations: int
    missing_refs: int
    ways_cut: int
    ways_dropped: int

    @property
    def clipped(self) -> bool:
        """Whether ways reference nodes the file lacks (an extract cut by a box)."""
        return self.missing_refs > 0


@dataclass(frozen=True)
class OsmNode:
    """A tagged node: id, (lon, lat), tags."""

    id: int
    lon: float
    lat: float
    tags: dict[str, str]


@dataclass(frozen=True)
class OsmWay:
    """A way: id, tags, its node ids as the file gives them, and ``runs``, the parts made
    of present nodes (``((node id, lon, lat), ...)`` each, at least 2 nodes; one run equal
    to the whole way when nothing is missing, none when the way was dropped)."""

    id: int
    tags: dict[str, str]
    refs: tuple[int, ...]
    runs: tuple[tuple[tuple[int, float, float], ...], ...]

    @property
    def closed(self) -> bool:
        """First and last node reference are the same (a ring, maybe a polygon)."""
        return len(self.refs) > 1 and self.refs[0] == self.refs[-1]

    @property
    def complete(self) -> bool:
        """Every node of the way is in the file (``runs`` is the one whole way)."""
        return len(self.runs) == 1 and len(self.runs[0]) == len(self.refs)


@dataclass(frozen=True)
class OsmRelation:
    """A relation: id, tags and members as (type ``"n"``/``"w"``/``"r"``, ref, role)."""

    id: int
    tags: dict[str, str]
    members: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class OsmData:
    """Everything read from one file: its facts, tagged nodes, ways and relations, in
    file order."""

    file: OsmFile
    nodes: tuple[OsmNode, ...]
    ways: tuple[OsmWay, ...]
    relations: tuple[OsmRelation, ...]


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, hex: the one hash of a source file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse(path: Path, zh: str, en: str) -> InvalidImportFile:
    return InvalidImportFile(f"文件“{path.name}”{zh}", f"cannot read {path.name}: {en}")


def file_format(path: str | Path) -> str:
    """The pyosmium format of ``path`` (``"osm"``, ``"osm.bz2"``, ``"osm.gz"``, ``"pbf"``)
    after checking that the file exists, is not empty and holds what its name says.

    Raises ``InvalidImportFile`` otherwise, naming the accepted formats.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidImportFile(f"找不到文件“{path}”", f"cannot read {path}: no such file")
    name = path.name.lower()
    ending = max((e for e in FORMATS if name.endswith(e)), key=len, default=None)
    if ending is None:
        raise _refuse(path, f"的格式不受支持：请使用 {_ACCEPTED_ZH} 文件",
                      f"unsupported format; use an {_ACCEPTED_EN} file")
    if path.stat().st_size == 0:
        raise _refuse(path, "是空的：请重新导出或下载", "the file is empty; export or download it again")
    with open(path, "rb") as f:
        magic = f.read(64)
    content = _content_format(path, magic)
    if content != FORMATS[ending]:
        right = next(e for e, fmt in FORMATS.items() if fmt == content)
        raise _refuse(path, f"的内容是 {right} 格式，与文件名不符：请把文件改名为以 {right} 结尾",
                      f"its content is {right} but its name says {ending}; rename it to end in {right}")
    return content


def open_unpacked(path: str | Path, fmt: str) -> io.BufferedIOBase:
    """``path`` (of pyosmium format ``fmt``, see ``file_format``) opened for reading its
    content: unpacked as it is read for the formats in ``COMPRESSED``, else as stored."""
    unpack = _UNPACKERS.get(fmt)
    return unpack(path) if unpack is not None else open(path, "rb")


def _content_format(path: Path, magic: bytes) -> str:
    """What the bytes are: a PBF, or OSM XML (plain, bzip2, gzip)."""
    if b"OSMHeader" in magic:
        return "pbf"
    fmt = "osm.bz2" if magic.startswith(b"BZh") else "osm.gz" if magic.startswith(b"\x1f\x8b") else "osm"
    try:
        with open_unpacked(path, fmt) as f:
            head = f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except (OSError, EOFError, ValueError) as error:
        raise _refuse(path, f"已损坏，无法解压：{error}；请重新下载", f"corrupt ({error}); download it again"
                      ) from error
    if "<osm" not in head:
        raise _refuse(path, f"不是 OSM 文件：请使用 {_ACCEPTED_ZH} 格式的 OpenStreetMap 数据",
                      f"not an OSM file; use OpenStreetMap data as {_ACCEPTED_EN}")
    return fmt


def read_osm(path: str | Path) -> OsmData:
    """Read every node, way and relation of an OSM file (any accepted format).

    Ways missing nodes are cut as the module says. Raises ``InvalidImportFile`` for a bad
    file, or where a node has no coordinates or an element cannot be read (naming it).
    """
    path = Path(path)
    fmt = file_format(path)
    nodes: list[OsmNode] = []
    ways: list[OsmWay] = []
    relations: list[OsmRelation] = []
    counts = {"nodes": 0, "missing_refs": 0, "ways_cut": 0, "ways_dropped": 0}
    box = [180.0, 90.0, -180.0, -90.0]
    # libosmium's location index holds non-negative ids only; files from editors (JOSM,
    # Youlu's own OSM export) give new objects negative ids, kept here instead.
    negative: dict[int, tuple[float, float]] = {}
    last: tuple[str, int | str] = ("", "the header")  # the last element read, for errors
    try:
        processor = osmium.FileProcessor(osmium.io.File(str(path), fmt)).with_locations()
        header_box = processor.header.box()
        need_box = not header_box.valid()  # the bounds rule's box of the nodes, else none
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                node_id = obj.id
                last = ("n", node_id)
                _read_node(obj, node_id, nodes, box if need_box else None, path, negative)
                counts["nodes"] += 1
            elif isinstance(obj, osmium.osm.Way):
                last = ("w", obj.id)
                ways.append(_read_way(obj, counts, negative))
            elif isinstance(obj, osmium.osm.Relation):
                last = ("r", obj.id)
                relations.append(OsmRelation(
                    obj.id, _tags(obj), tuple((m.type, m.ref, m.role) for m in obj.members)))
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as error:  # bad XML/PBF/id/lat/lon
        after = f"{last[0]}{last[1]}"
        raise _refuse(path, f"无法解析（可能不完整或已损坏，读到 {after} 之后）：{error}；请重新导出",
                      f"cannot parse after {after} (truncated or corrupt?): {error}") from error
    if header_box.valid():
        bounds: Bounds | None = (header_box.bottom_left.lon, header_box.bottom_left.lat,
                                 header_box.top_right.lon, header_box.top_right.lat)
        bounds_from = "header"
    else:
        bounds = (box[0], box[1], box[2], box[3]) if counts["nodes"] else None
        bounds_from = "nodes"
    facts = OsmFile(path=path, sha256=file_sha256(path), size=path.stat().st_size, format=fmt,
                    bounds=bounds, bounds_from=bounds_from, ways=len(ways),
                    relations=len(relations), **counts)
    return OsmData(facts, tuple(nodes), tuple(ways), tuple(relations))


def read_osm_file(path: str | Path) -> OsmFile:
    """The facts of an OSM file (hash, size, format, bounds, counts), for an import to
    record as its source."""
    return read_osm(path).file


def _tags(obj: osmium.osm.Node | osmium.osm.Way | osmium.osm.Relation) -> dict[str, str]:
    return {tag.k: tag.v for tag in obj.tags}


def _read_node(node: osmium.osm.Node, node_id: int, nodes: list[OsmNode], box: list[float] | None,
               path: Path, negative: dict[int, tuple[float, float]]) -> None:
    """Check ``node``'s location, widen ``box`` (W, S, E, N) by it unless None, and keep
    it if tagged (or with a negative id, an editor's new node, in ``negative``)."""
    location = node.location
    if not location.valid():
        raise _refuse(path, f"里的节点 node {node_id} 没有有效坐标（lat/lon）：请修正或重新导出",
                      f"node {node_id} has no valid coordinates (lat/lon); fix or export it again")
    tagged = len(node.tags) > 0
    if box is None and node_id >= 0 and not tagged:
        return  # its location is read where a way refers to it
    lon, lat = location.lon, location.lat
    if box is not None:
        box[0], box[1] = min(box[0], lon), min(box[1], lat)
        box[2], box[3] = max(box[2], lon), max(box[3], lat)
    if node_id < 0:
        negative[node_id] = (lon, lat)
    if tagged:
        nodes.append(OsmNode(node_id, lon, lat, _tags(node)))


def _read_way(way: osmium.osm.Way, counts: dict[str, int],
              negative: dict[int, tuple[float, float]]) -> OsmWay:
    refs: list[int] = []
    runs: list[tuple[tuple[int, float, float], ...]] = []
    run: list[tuple[int, float, float]] = []
    missing = 0
    for n in way.nodes:  # one pass, each location read once: pyosmium objects are slow to touch
        ref, location = n.ref, n.location
        refs.append(ref)
        if location.valid():
            run.append((ref, location.lon, location.lat))
            continue
        if ref in negative:
            run.append((ref, *negative[ref]))
            continue
        missing += 1
        if len(run) >= 2:
            runs.append(tuple(run))
        run = []
    if len(run) >= 2:
        runs.append(tuple(run))
    if missing:
        counts["missing_refs"] += missing
        closed = len(refs) > 1 and refs[0] == refs[-1]
        if closed or not runs:
            runs = []
            counts["ways_dropped"] += 1
        else:
            counts["ways_cut"] += 1
    return OsmWay(way.id, _tags(way), tuple(refs), tuple(runs))


__all__ = ["FORMATS", "Bounds", "OsmData", "OsmFile", "OsmNode", "OsmRelation", "OsmWay",
           "file_format", "file_sha256", "read_osm", "read_osm_file"]
