"""Street networks from OSM: the e-bike and walking networks, compiled to arrays.

``read_osm_network`` reads an OSM file of any format through ``geo.osm.reader`` (ways
of a clipped file cut at missing nodes) into a networkx graph built as osmnx's
``graph_from_xml`` builds it (every node kept, no topology simplification), and marks
each directed edge with the modes allowed on it: ``ride`` (an e-bike, a non-motor
vehicle in China: no motorways or expressways, one-way streets respected) and ``walk``
(both directions). ``compile_network`` turns that graph into a ``StreetGraph``: numpy
arrays in CSR order, which the router searches and ``geo.routing.cache`` stores on disk.

Coordinates are ``(lon, lat)`` in WGS-84 degrees; lengths are metres.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from itertools import groupby, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidImportFile
from geo.osm.reader import OsmData, read_osm

if TYPE_CHECKING:
    import networkx as nx

# Bits of ``StreetGraph.modes`` (per edge) and ``StreetGraph.node_block`` (per node).
RIDE = 1
WALK = 2
PRIVATE = 4  # usable only inside a compound, where its gates decide
PUBLIC = 8  # a through road: never part of a compound's inside

_WAY_TAGS = ["highway", "name", "oneway", "junction", "access", "bicycle", "foot", "vehicle",
             "motor_vehicle", "motorroad", "expressway", "oneway:bicycle", "cycleway", "area",
             "service", "ref"]
_NODE_TAGS = ["highway", "barrier", "entrance", "access", "locked", "foot", "bicycle", "name",
              "opening_hours"]
# OSM ``oneway`` values meaning one-way, and those meaning against the way's direction.
_ONEWAY = {"yes", "true", "1", "-1", "reverse", "T", "F"}
_REVERSED = {"-1", "reverse", "T"}


@cache
def mode_rules() -> dict[str, Any]:
    """The highway classes, speed factors and tag rules of data/routing/modes.json."""
    rules: dict[str, Any] = json.loads(Path(settings.ROUTING_MODES_FILE).read_text(encoding="utf-8"))
    return rules


@dataclass(frozen=True)
class StreetGraph:
    """A compiled street network: nodes, directed edges in CSR order, ways.

    ``indptr``/``head`` give the out-edges of each node; ``rev_indptr``/``rev_edge``
    the in-edges (edge ids). ``modes`` holds the ``RIDE | WALK | PRIVATE | PUBLIC`` bits
    of each edge, ``ride_factor``/``walk_factor`` its speed relative to the mode's
    speed setting, ``way`` the index of its OSM way in ``way_name``/``way_highway``.
    ``node_block`` holds the modes a barrier node stops. ``x``/``y`` are metres in a
    local plane around (``lon0``, ``lat0``); ``bounds`` is the extract's own box.
    """

    source: str
    key: str
    bounds: tuple[float, float, float, float]
    lon0: float
    lat0: float
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    osmid: NDArray[np.int64]
    node_block: NDArray[np.uint8]
    node_main: NDArray[np.bool_]
    indptr: NDArray[np.int64]
    head: NDArray[np.int32]
    tail: NDArray[np.int32]
    length_m: NDArray[np.float64]
    modes: NDArray[np.uint8]
    ride_factor: NDArray[np.float64]
    walk_factor: NDArray[np.float64]
    way: NDArray[np.int32]
    rev_indptr: NDArray[np.int64]
    rev_edge: NDArray[np.int32]
    way_osmid: NDArray[np.int64]
    way_name: tuple[str, ...]
    way_highway: tuple[str, ...]

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_edges(self) -> int:
        return len(self.head)

    def to_plane(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        """(lon, lat) degrees → (x, y) metres in this graph's local plane."""
        kx, ky = plane_scale(self.lat0)
        return (np.asarray(lon) - self.lon0) * kx, (np.asarray(lat) - self.lat0) * ky

    def to_lonlat(self, x: Any, y: Any) -> tuple[Any, Any]:
        """(x, y) metres in the local plane → (lon, lat) degrees."""
        kx, ky = plane_scale(self.lat0)
        return np.asarray(x) / kx + self.lon0, np.asarray(y) / ky + self.lat0


def plane_scale(lat0: float) -> tuple[float, float]:
    """Metres per degree of longitude and latitude near latitude ``lat0``."""
    phi = np.radians(lat0)
    ky = 111132.954 - 559.822 * np.cos(2 * phi) + 1.175 * np.cos(4 * phi)
    kx = 111412.84 * np.cos(phi) - 93.5 * np.cos(3 * phi) + 0.118 * np.cos(5 * phi)
    return float(kx), float(ky)


def _matches(tags: dict[str, Any], rule: dict[str, list[str]]) -> bool:
    return any(str(tags.get(key)) in values for key, values in rule.items())


def edge_modes(tags: dict[str, Any]) -> tuple[int, float, float]:
    """Mode bits and (ride, walk) speed factors of a way with ``tags``, in its own
    direction. One-way handling is left to the caller."""
    rules = mode_rules()
    highway = str(tags.get("highway"))
    bits = 0
    factors = [0.0, 0.0]
    for bit, name, slot in ((RIDE, "ebike", 0), (WALK, "walk", 1)):
        rule = rules[name]
        allowed = highway in rule["highway"] or _matches(tags, rule["allow"])
        if not allowed or _matches(tags, rule["deny"]):
            continue
        if _matches(tags, rule["expressway"]) and not _matches(tags, rule["allow"]):
            continue
        bits |= bit
        factors[slot] = float(rule["highway"].get(highway, 1.0))
    if bits and str(tags.get("access")) in rules["private_access"]:
        bits |= PRIVATE
    if highway in rules["never_inside_compound"]:
        bits |= PUBLIC
    return bits, factors[0], factors[1]


def node_block(tags: dict[str, Any]) -> int:
    """The modes a barrier node with ``tags`` stops (``RIDE``/``WALK`` bits)."""
    rules = mode_rules()
    barrier = tags.get("barrier")
    if not barrier:
        return 0
    blocked = 0
    locked = tags.get("locked") == "yes" or tags.get("access") in ("no", "private")
    if locked and barrier in rules["locked_barriers"]:
        blocked = RIDE | WALK
    for bit, name, key in ((RIDE, "ebike", "bicycle"), (WALK, "walk", "foot")):
        if barrier in rules[name]["blocking_barriers"]:
            blocked |= bit
        if tags.get(key) in ("yes", "designated", "permissive"):
            blocked &= ~bit
        elif tags.get(key) == "no":
            blocked |= bit
    return blocked


def _raw_network(data: OsmData) -> nx.MultiDiGraph:
    """Every way as osmnx's ``graph_from_xml`` makes it (same edges in the same order, so
    the compiled arrays are the same): an edge per pair of consecutive nodes with the
    way's useful tags, ``oneway`` (bool) and ``reversed``, ways against their direction
    reversed, great-circle ``length`` (m)."""
    import networkx as nx
    import osmnx as ox

    raw = nx.MultiDiGraph(crs="epsg:4326")
    node_tags = {n.id: n.tags for n in data.nodes}
    paths: list[tuple[list[tuple[int, int]], dict[str, Any], bool]] = []
    coords: dict[int, tuple[float, float]] = {}
    for way in data.ways:
        attrs: dict[str, Any] = {"osmid": way.id, **{k: way.tags[k] for k in _WAY_TAGS if k in way.tags}}
        one_way = attrs.get("oneway") in _ONEWAY or attrs.get("junction") == "roundabout"
        attrs["oneway"] = one_way
        for run in way.runs:
            coords.update((ref, (lon, lat)) for ref, lon, lat in run)
            nodes = [ref for ref, _ in groupby(ref for ref, _, _ in run)]
            if one_way and way.tags.get("oneway") in _REVERSED:
                nodes.reverse()
            paths.append((list(pairwise(nodes)), attrs, one_way))
    for ref in sorted(coords):  # file order in a sorted extract, as osmnx adds them
        lon, lat = coords[ref]
        tags = node_tags.get(ref, {})
        raw.add_node(ref, x=lon, y=lat, **{k: tags[k] for k in _NODE_TAGS if k in tags})
    for edges, attrs, one_way in paths:
        raw.add_edges_from(edges, **attrs, reversed=False)
        if not one_way:
            raw.add_edges_from([(v, u) for u, v in edges], **attrs, reversed=True)
    return ox.distance.add_edge_lengths(raw) if raw.number_of_edges() else raw


def read_osm_network(path: str | Path, *, data: OsmData | None = None) -> nx.MultiDiGraph:
    """The street network of an OSM file (.osm, .osm.bz2, .osm.gz, .osm.pbf), unsimplified,
    every component kept, one-way streets one-way.

    Each edge gets ``modes`` (``RIDE | WALK | PRIVATE | PUBLIC`` bits), ``ride_factor`` and
    ``walk_factor``; edges no mode may use are dropped, and the reverse of a one-way
    street is added for walking (and riding where bicycles are exempt). ``bounds`` is the
    file's by the reader's bounds rule. ``data`` is the file already read by ``read_osm``.
    """
    path = Path(path)
    osm = data if data is not None else read_osm(path)
    raw = _raw_network(osm)
    import networkx as nx
    graph = nx.MultiDiGraph(crs=raw.graph.get("crs"), source=path.name)
    rules = mode_rules()
    for u, v, edge in raw.edges(data=True):
        bits, ride, walk = edge_modes(edge)
        if not bits & (RIDE | WALK):
            continue
        attrs = {"osmid": edge["osmid"], "length": float(edge["length"]),
                 "highway": str(edge.get("highway")), "name": edge.get("name"),
                 "modes": bits, "ride_factor": ride, "walk_factor": walk}
        graph.add_edge(u, v, **attrs)
        if edge.get("oneway") is True and u != v:
            back = bits & ~RIDE
            if bits & RIDE and _matches(edge, rules["ebike"]["oneway_exempt"]):
                back = bits
            if back & (RIDE | WALK):
                graph.add_edge(v, u, **{**attrs, "modes": back})
    for n in graph.nodes:
        node = raw.nodes[n]
        graph.nodes[n].update(x=node["x"], y=node["y"], block=node_block(node),
                              **{k: node[k] for k in ("barrier", "name") if k in node})
    graph.graph["bounds"] = osm.file.bounds
    return graph


def _morton(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.uint64]:
    """Z-order (Morton) codes of points on a 2^16 grid over their bounding box."""
    def spread(g: NDArray[np.float64]) -> NDArray[np.uint64]:
        v = g.astype(np.uint64)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    def grid(v: NDArray[np.float64]) -> NDArray[np.float64]:
        span = max(float(v.max() - v.min()), 1e-12)
        cells: NDArray[np.float64] = np.clip((v - v.min()) / span * 65535, 0, 65535)
        return cells

    return spread(grid(lon)) | (spread(grid(lat)) << np.uint64(1))


def compile_network(graph: nx.MultiDiGraph, *, source: str, key: str) -> StreetGraph:
    """Compile a network from ``read_osm_network`` into CSR arrays."""
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    if graph.number_of_edges() == 0:
        raise InvalidImportFile(f"文件“{source}”里没有可用的道路", f"{source} holds no usable roads")
    nodes = list(graph.nodes)
    lon = np.array([graph.nodes[n]["x"] for n in nodes], dtype=np.float64)
    lat = np.array([graph.nodes[n]["y"] for n in nodes], dtype=np.float64)
    # Number nodes along a Z-order curve: neighbours sit close in memory, which keeps a
    # search's working set in the CPU caches.
    order_z = np.argsort(_morton(lon, lat), kind="stable")
    nodes = [nodes[i] for i in order_z]
    lon, lat = lon[order_z], lat[order_z]
    index = {n: i for i, n in enumerate(nodes)}
    way_ids: dict[tuple[int, str, str], int] = {}
    tail, head, length, modes, ride, walk, way = [], [], [], [], [], [], []
    for u, v, data in graph.edges(data=True):
        osmid = data["osmid"][0] if isinstance(data["osmid"], list) else data["osmid"]
        name = data.get("name")
        name = name[0] if isinstance(name, list) else name
        wkey = (int(osmid), str(name or ""), data["highway"])
        way.append(way_ids.setdefault(wkey, len(way_ids)))
        tail.append(index[u])
        head.append(index[v])
        length.append(data["length"])
        modes.append(data["modes"])
        ride.append(data["ride_factor"])
        walk.append(data["walk_factor"])
    tail_a = np.asarray(tail, dtype=np.int32)
    order = np.argsort(tail_a, kind="stable")
    n = len(nodes)
    tail_a = tail_a[order]
    head_a = np.asarray(head, dtype=np.int32)[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, tail_a + 1, 1)
    indptr = np.cumsum(indptr)
    rev_edge = np.argsort(head_a, kind="stable").astype(np.int32)
    rev_indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(rev_indptr, head_a + 1, 1)
    rev_indptr = np.cumsum(rev_indptr)
    adjacency = coo_array((np.ones(len(head_a)), (tail_a, head_a)), shape=(n, n)).tocsr()
    _, labels = connected_components(adjacency, directed=True, connection="weak")
    main = labels == np.bincount(labels).argmax()
    bounds = graph.graph.get("bounds") or (float(lon.min()), float(lat.min()),
                                           float(lon.max()), float(lat.max()))
    lon0, lat0 = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    kx, ky = plane_scale(lat0)
    ways = sorted(way_ids.items(), key=lambda item: item[1])
    return StreetGraph(
        source=source, key=key, bounds=tuple(bounds), lon0=lon0, lat0=lat0,
        lon=lon, lat=lat, x=(lon - lon0) * kx, y=(lat - lat0) * ky,
        osmid=np.array(nodes, dtype=np.int64),
        node_block=np.array([graph.nodes[n]["block"] for n in nodes], dtype=np.uint8),
        node_main=main,
        indptr=indptr, head=head_a, tail=tail_a,
        length_m=np.asarray(length, dtype=np.float64)[order],
        modes=np.asarray(modes, dtype=np.uint8)[order],
        ride_factor=np.asarray(ride, dtype=np.float64)[order],
        walk_factor=np.asarray(walk, dtype=np.float64)[order],
        way=np.asarray(way, dtype=np.int32)[order],
        rev_indptr=rev_indptr, rev_edge=rev_edge,
        way_osmid=np.array([k[0] for k, _ in ways], dtype=np.int64),
        way_name=tuple(k[1] for k, _ in ways),
        way_highway=tuple(k[2] for k, _ in ways),
    )
