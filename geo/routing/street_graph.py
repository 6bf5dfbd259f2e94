"""Street networks from OSM: the e-bike and walking networks, compiled to arrays.

``street_network`` turns an OSM file read through ``geo.osm.reader`` (ways of a clipped
file cut at missing nodes) into arrays: the graph osmnx's ``graph_from_xml`` builds
(every node kept, no topology simplification, in its node and edge order), each
directed edge marked with the modes allowed on it: ``ride`` (an e-bike, a non-motor
vehicle in China: no motorways or expressways, one-way streets respected) and ``walk``
(both directions). ``compile_street_network`` turns those into a ``StreetGraph``: numpy
arrays in CSR order, which the router searches and ``geo.routing.cache`` stores on disk.
``read_osm_network`` gives the same network as a networkx graph (to join files, for
tools), which ``compile_network`` compiles the same way.

Coordinates are ``(lon, lat)`` in WGS-84 degrees; lengths are metres.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidImportFile
from geo.osm.reader import Bounds, OsmData, read_osm

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
_EARTH_RADIUS_M = 6_371_009  # osmnx's EARTH_RADIUS_M, for lengths equal to its graphs'


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


@dataclass(frozen=True)
class StreetNetwork:
    """A street network before compiling, as arrays: nodes in the order a networkx graph
    built edge by edge would hold them (first use), directed edges in that graph's edge
    order (by tail, heads in first-use order, parallel edges in insertion order).

    ``tail``/``head`` index the nodes; ``way`` indexes ``way_osmid``/``way_name``/
    ``way_highway``; ``node_tags`` holds each node's ``barrier`` and ``name``.
    """

    bounds: Bounds | None
    osmid: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    block: NDArray[np.uint8]
    node_tags: tuple[dict[str, str], ...]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    length_m: NDArray[np.float64]
    modes: NDArray[np.uint8]
    ride_factor: NDArray[np.float64]
    walk_factor: NDArray[np.float64]
    way: NDArray[np.int64]
    way_osmid: tuple[int, ...]
    way_name: tuple[str | None, ...]
    way_highway: tuple[str, ...]


def _graph_order(tail: NDArray[np.int64], head: NDArray[np.int64],
                 tail_rank: NDArray[np.int64]) -> NDArray[np.int64]:
    """The order in which a networkx multigraph that got the edges ``tail → head`` in
    this order lists them: by ``tail_rank``, then by each (tail, head) pair's first
    insertion, then by insertion."""
    if not len(tail):
        return np.zeros(0, dtype=np.int64)
    pair = tail * (int(max(tail.max(), head.max())) + 1) + head
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    order: NDArray[np.int64] = np.lexsort((np.arange(len(tail)), first[inverse], tail_rank))
    return order


def _way_edges(data: OsmData) -> tuple[list[int], list[int], list[int], list[dict[str, Any]]]:
    """Every way as osmnx's ``graph_from_xml`` adds it: an edge per pair of consecutive
    nodes, ways against their direction reversed, the reverse edge after each two-way
    edge; (tails, heads, way index per edge, way attributes), attributes being the way's
    useful tags plus ``oneway`` (bool)."""
    tails: list[int] = []
    heads: list[int] = []
    ways: list[int] = []
    attrs_of: list[dict[str, Any]] = []
    for way in data.ways:
        attrs: dict[str, Any] = {"osmid": way.id, **{k: way.tags[k] for k in _WAY_TAGS if k in way.tags}}
        one_way = attrs.get("oneway") in _ONEWAY or attrs.get("junction") == "roundabout"
        attrs["oneway"] = one_way
        index = len(attrs_of)
        attrs_of.append(attrs)
        for run in way.runs:
            nodes = [ref for ref, _ in groupby(ref for ref, _, _ in run)]
            if one_way and way.tags.get("oneway") in _REVERSED:
                nodes.reverse()
            tails += nodes[:-1]
            heads += nodes[1:]
            ways += [index] * (len(nodes) - 1)
            if not one_way:
                tails += nodes[1:]
                heads += nodes[:-1]
                ways += [index] * (len(nodes) - 1)
    return tails, heads, ways, attrs_of


def street_network(data: OsmData) -> StreetNetwork:
    """The street network of a file read by ``read_osm``, exactly as ``read_osm_network``
    describes it (the same nodes and edges in the same order), built with arrays."""
    rules = mode_rules()
    tails, heads, ways, attrs_of = _way_edges(data)
    coords = {ref: (lon, lat) for way in data.ways for run in way.runs for ref, lon, lat in run}
    ids = np.array(sorted(coords), dtype=np.int64)
    tail = np.searchsorted(ids, np.array(tails, dtype=np.int64))
    head = np.searchsorted(ids, np.array(heads, dtype=np.int64))
    way = np.array(ways, dtype=np.int64)
    raw = _graph_order(tail, head, tail)  # the raw graph's nodes are sorted by id
    tail, head, way = tail[raw], head[raw], way[raw]
    lonlat = np.array([coords[int(ref)] for ref in ids], dtype=np.float64).reshape(-1, 2)
    length = _great_circle_m(lonlat[tail], lonlat[head])
    length[np.isnan(length)] = 0
    # Modes per way, then the kept edges, each one-way edge followed by its allowed reverse.
    way_modes = [edge_modes(attrs) for attrs in attrs_of]
    bits = np.array([m[0] for m in way_modes] or [0], dtype=np.uint8)
    back = np.array([_back_modes(attrs, m[0], rules) for attrs, m in zip(attrs_of, way_modes, strict=True)]
                    or [0], dtype=np.uint8)
    ride = np.array([m[1] for m in way_modes] or [0.0], dtype=np.float64)
    walk = np.array([m[2] for m in way_modes] or [0.0], dtype=np.float64)
    kept = (bits[way] & (RIDE | WALK)) != 0
    reverse = kept & ((back[way] & (RIDE | WALK)) != 0) & (tail != head)
    forward_at, reverse_at = np.flatnonzero(kept), np.flatnonzero(reverse)
    edge = np.concatenate([forward_at, reverse_at])
    is_back = np.concatenate([np.zeros(len(forward_at), bool), np.ones(len(reverse_at), bool)])
    added = np.lexsort((is_back, edge))
    edge, is_back = edge[added], is_back[added]
    s_tail = np.where(is_back, head[edge], tail[edge])
    s_head = np.where(is_back, tail[edge], head[edge])
    s_way = way[edge]
    # Nodes by first use (tail before head of each edge), then the edges in graph order.
    flat = np.column_stack([s_tail, s_head]).ravel()
    used, first = np.unique(flat, return_index=True)
    nodes = used[np.argsort(first, kind="stable")]
    rank = np.empty(len(ids), dtype=np.int64)
    rank[nodes] = np.arange(len(nodes))
    order = _graph_order(s_tail, s_head, rank[s_tail])
    edge, is_back, s_way = edge[order], is_back[order], s_way[order]
    node_tags = {n.id: n.tags for n in data.nodes}
    tags = [node_tags.get(int(ids[n]), {}) for n in nodes]
    return StreetNetwork(
        bounds=data.file.bounds, osmid=ids[nodes], lon=lonlat[nodes, 0], lat=lonlat[nodes, 1],
        block=np.array([node_block(t) for t in tags], dtype=np.uint8),
        node_tags=tuple({k: t[k] for k in ("barrier", "name") if k in t} for t in tags),
        tail=rank[s_tail[order]], head=rank[s_head[order]], length_m=length[edge],
        modes=np.where(is_back, back[s_way], bits[s_way]).astype(np.uint8),
        ride_factor=ride[s_way], walk_factor=walk[s_way], way=s_way,
        way_osmid=tuple(int(a["osmid"]) for a in attrs_of),
        way_name=tuple(a.get("name") for a in attrs_of),
        way_highway=tuple(str(a.get("highway")) for a in attrs_of))


def _great_circle_m(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Haversine distance (m) between the (lon, lat) degree rows of ``a`` and ``b``, the
    very operations of osmnx's ``great_circle`` (so lengths are bit for bit osmnx's),
    without importing osmnx (with matplotlib and geopandas, about 1 s of an import)."""
    y1, y2 = np.deg2rad(a[:, 1]), np.deg2rad(b[:, 1])
    delta_y = y2 - y1
    delta_x = np.deg2rad(b[:, 0]) - np.deg2rad(a[:, 0])
    h = np.sin(delta_y / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(delta_x / 2) ** 2
    return np.asarray(2 * np.arcsin(np.sqrt(np.minimum(1, h))) * _EARTH_RADIUS_M, dtype=np.float64)


def _back_modes(attrs: dict[str, Any], bits: int, rules: dict[str, Any]) -> int:
    """The modes of the reverse of a one-way way's edge with ``attrs`` and ``bits``
    (walking, and riding where bicycles are exempt); 0 for a two-way way."""
    if attrs.get("oneway") is not True:
        return 0
    if bits & RIDE and _matches(attrs, rules["ebike"]["oneway_exempt"]):
        return bits
    return bits & ~RIDE


def read_osm_network(path: str | Path, *, data: OsmData | None = None) -> nx.MultiDiGraph:
    """The street network of an OSM file (.osm, .osm.bz2, .osm.gz, .osm.pbf), unsimplified,
    every component kept, one-way streets one-way, as a networkx graph (for joining files
    and for tools; the import compiles ``street_network`` directly).

    Each edge gets ``modes`` (``RIDE | WALK | PRIVATE | PUBLIC`` bits), ``ride_factor`` and
    ``walk_factor``; edges no mode may use are dropped, and the reverse of a one-way
    street is added for walking (and riding where bicycles are exempt). ``bounds`` is the
    file's by the reader's bounds rule. ``data`` is the file already read by ``read_osm``.
    """
    import networkx as nx

    path = Path(path)
    network = street_network(data if data is not None else read_osm(path))
    graph = nx.MultiDiGraph(crs="epsg:4326", source=path.name)
    ids = network.osmid.tolist()
    graph.add_nodes_from((ids[i], {"x": float(network.lon[i]), "y": float(network.lat[i]),
                                   "block": int(network.block[i]), **network.node_tags[i]})
                         for i in range(len(ids)))
    graph.add_edges_from(
        (ids[u], ids[v], {"osmid": network.way_osmid[w], "length": float(length),
                          "highway": network.way_highway[w], "name": network.way_name[w],
                          "modes": int(modes), "ride_factor": float(ride), "walk_factor": float(walk)})
        for u, v, w, length, modes, ride, walk in zip(
            network.tail.tolist(), network.head.tolist(), network.way.tolist(), network.length_m,
            network.modes, network.ride_factor, network.walk_factor, strict=True))
    graph.graph["bounds"] = network.bounds
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


def _network_of_graph(graph: nx.MultiDiGraph) -> StreetNetwork:
    """The arrays of a networkx graph from ``read_osm_network`` (or several joined), in
    its node and edge order; one way entry per edge."""
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    edges = list(graph.edges(data=True))
    first = [(e["osmid"][0] if isinstance(e["osmid"], list) else e["osmid"],
              e.get("name")[0] if isinstance(e.get("name"), list) else e.get("name")) for _, _, e in edges]
    return StreetNetwork(
        bounds=graph.graph.get("bounds"), osmid=np.array(nodes, dtype=np.int64),
        lon=np.array([graph.nodes[n]["x"] for n in nodes], dtype=np.float64),
        lat=np.array([graph.nodes[n]["y"] for n in nodes], dtype=np.float64),
        block=np.array([graph.nodes[n]["block"] for n in nodes], dtype=np.uint8),
        node_tags=tuple({k: graph.nodes[n][k] for k in ("barrier", "name") if k in graph.nodes[n]}
                        for n in nodes),
        tail=np.array([index[u] for u, _, _ in edges], dtype=np.int64),
        head=np.array([index[v] for _, v, _ in edges], dtype=np.int64),
        length_m=np.array([e["length"] for _, _, e in edges], dtype=np.float64),
        modes=np.array([e["modes"] for _, _, e in edges], dtype=np.uint8),
        ride_factor=np.array([e["ride_factor"] for _, _, e in edges], dtype=np.float64),
        walk_factor=np.array([e["walk_factor"] for _, _, e in edges], dtype=np.float64),
        way=np.arange(len(edges), dtype=np.int64),
        way_osmid=tuple(int(osmid) for osmid, _ in first), way_name=tuple(name for _, name in first),
        way_highway=tuple(e["highway"] for _, _, e in edges))


def compile_network(graph: nx.MultiDiGraph, *, source: str, key: str) -> StreetGraph:
    """Compile a network from ``read_osm_network`` into CSR arrays."""
    return compile_street_network(_network_of_graph(graph), source=source, key=key)


def compile_street_network(network: StreetNetwork, *, source: str, key: str) -> StreetGraph:
    """Compile a ``StreetNetwork`` into CSR arrays."""
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    if len(network.tail) == 0:
        raise InvalidImportFile(f"文件“{source}”里没有可用的道路", f"{source} holds no usable roads")
    # Number nodes along a Z-order curve: neighbours sit close in memory, which keeps a
    # search's working set in the CPU caches.
    order_z = np.argsort(_morton(network.lon, network.lat), kind="stable")
    lon, lat = network.lon[order_z], network.lat[order_z]
    index = np.empty(len(order_z), dtype=np.int64)
    index[order_z] = np.arange(len(order_z))
    # Ways numbered by first use, one per (OSM id, name, class).
    _, first_use = np.unique(network.way, return_index=True)
    way_ids: dict[tuple[int, str, str], int] = {}
    number = np.zeros(len(network.way_osmid), dtype=np.int32)
    for edge in np.sort(first_use):
        w = int(network.way[edge])
        wkey = (network.way_osmid[w], str(network.way_name[w] or ""), network.way_highway[w])
        number[w] = way_ids.setdefault(wkey, len(way_ids))
    tail_a = index[network.tail].astype(np.int32)
    order = np.argsort(tail_a, kind="stable")
    n = len(lon)
    tail_a = tail_a[order]
    head_a = index[network.head].astype(np.int32)[order]
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
    bounds = network.bounds or (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    lon0, lat0 = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    kx, ky = plane_scale(lat0)
    ways = sorted(way_ids.items(), key=lambda item: item[1])
    return StreetGraph(
        source=source, key=key, bounds=(bounds[0], bounds[1], bounds[2], bounds[3]), lon0=lon0, lat0=lat0,
        lon=lon, lat=lat, x=(lon - lon0) * kx, y=(lat - lat0) * ky,
        osmid=network.osmid[order_z].astype(np.int64),
        node_block=network.block[order_z].astype(np.uint8),
        node_main=main,
        indptr=indptr, head=head_a, tail=tail_a,
        length_m=network.length_m[order].astype(np.float64),
        modes=network.modes[order].astype(np.uint8),
        ride_factor=network.ride_factor[order].astype(np.float64),
        walk_factor=network.walk_factor[order].astype(np.float64),
        way=number[network.way][order],
        rev_indptr=rev_indptr, rev_edge=rev_edge,
        way_osmid=np.array([k[0] for k, _ in ways], dtype=np.int64),
        way_name=tuple(k[1] for k, _ in ways),
        way_highway=tuple(k[2] for k, _ in ways),
    )
