"""The access network: a street graph plus one layer per compound, ready to search.

``AccessNetwork.update(data)`` first gives every building of ``data`` that has no unit
door a door of its own (``building_door``, kept per building version), then rebuilds
only the layers whose compound, gates, doors,
facilities, office paths or neighbouring compounds (the street nodes near it inside
another compound) changed, then assembles a new immutable ``Snapshot``
(arrays for the compiled search) and swaps it in; queries running on the old
snapshot finish undisturbed. The street graph itself is never rebuilt here.
``update(data, touched=...)`` names the layers an office edit may have changed: only
those are compared and rebuilt, so its cost does not grow with the city (besides the
assembly, which is array concatenation). A network pickles without its street graph
(``geo.routing.network_cache`` stores it beside the graph's cache entry).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
import shapely
from numpy.typing import DTypeLike, NDArray
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.geometry.coords import from_metres, to_metres
from geo.hours.opening_hours import ScheduleCache, static_gate_state
from geo.routing._kernels import Workspace
from geo.routing.compound_layer import (
    GATE,
    GOOD_PARKING,
    INSIDE,
    LINK,
    STREET,
    STREET_PARKING,
    Layer,
    StreetIndex,
    build_doors_of_buildings,
    build_layer,
    to_plane,
)
from geo.routing.inputs import AccessData, Building, Compound, Door, Facility, Gate, OfficePath
from geo.routing.street_graph import PRIVATE, RIDE, WALK, StreetGraph

RIDE_LAYER, WALK_LAYER = 0, 1
_Made = TypeVar("_Made")  # what ``Snapshot.of_edges`` keeps
# What only ``AccessNetwork.update``/``what_if`` read, not a route: the layers with their
# inputs, the building doors, each compound's street nodes and the last data.
EDIT_STATE = ("_layers", "_building_doors", "_inside", "_inside_all", "data")


def ride_speed_ms() -> float:
    return settings.EBIKE_SPEED_KMH / 3.6


def inside_speed_ms() -> float:
    return settings.EBIKE_INSIDE_SPEED_KMH / 3.6


def street_parking_s() -> float:
    """Seconds it costs to park on a street outside any compound (the delay and the
    penalty that keeps riders off the road when a parking place is near)."""
    return settings.PARKING_DELAY_S + settings.STREET_PARKING_PENALTY_S


_PACKED = {"x": np.float64, "y": np.float64, "tail": np.int64, "head": np.int64,
           "length": np.float64, "modes": np.int64, "kind": np.int8, "inside": bool,
           "gate": np.int64, "way": np.int32}


@dataclass
class PackedLayer:
    """A built ``Layer`` with its node and edge lists as arrays (what assembly and the
    disk cache use); ``park`` holds seconds (``inf``: no parking); ``label`` per edge the
    index of its name in ``label_names`` (-1: none). Per gate of its
    compound: ``gate_nodes`` (outside, inside; encoded as in ``Layer``),
    ``gate_connected`` (its outside joins the street graph's main network),
    ``gate_static`` (``_gate_bits`` without and with a pass) and, in ``gate_hours``, the
    gates that have opening hours."""

    compound: Compound | None
    inside_nodes: NDArray[np.int64]
    inside_edges: NDArray[np.int64]
    cut_edges: NDArray[np.int64]
    unblock_nodes: NDArray[np.int64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    park: NDArray[np.float64]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    length: NDArray[np.float64]
    modes: NDArray[np.int64]
    kind: NDArray[np.int8]
    inside: NDArray[np.bool_]
    gate: NDArray[np.int64]
    way: NDArray[np.int32]
    label_names: list[str]
    label: NDArray[np.int32]
    gate_nodes: NDArray[np.int64]
    gate_connected: NDArray[np.bool_]
    gate_static: NDArray[np.uint8]
    gate_hours: NDArray[np.int64]
    doors: dict[tuple[str, int], int]
    facilities: dict[int, int]
    nav: int | None

    @property
    def n_nodes(self) -> int:
        return len(self.x)


def pack_layer(layer: Layer, street: StreetGraph) -> PackedLayer:
    """``layer`` (of ``street``) with its lists as arrays, its parking as seconds and its
    gates' rules and connections worked out."""
    park_of = {0: np.inf, STREET_PARKING: street_parking_s(), GOOD_PARKING: settings.PARKING_DELAY_S}
    values = {f.name: getattr(layer, f.name) for f in fields(PackedLayer) if hasattr(layer, f.name)}
    values.update({name: np.asarray(values[name], dtype=dtype) for name, dtype in _PACKED.items()})
    values["park"] = np.asarray([park_of[p] for p in layer.park], dtype=np.float64)
    values["label_names"] = sorted({v for v in layer.label if v})
    label_id = {v: i for i, v in enumerate(values["label_names"])}
    values["label"] = np.asarray([label_id[v] if v else -1 for v in layer.label], dtype=np.int32)
    c = layer.compound
    main = np.asarray(street.node_main)
    tail, head = values["tail"], values["head"]
    connected = []
    for (out, _inn), linked in zip(layer.gate_nodes, layer.gate_connected, strict=True):
        near = head[tail == out]
        near = np.concatenate([near, head[np.isin(tail, near[near < 0])]])
        connected.append(bool(linked and main[near[near >= 0]].any()))
    values.update(gate_nodes=np.asarray(layer.gate_nodes, dtype=np.int64).reshape(-1, 2),
                  gate_connected=np.asarray(connected, dtype=bool))
    values["gate_static"], values["gate_hours"] = _gate_rules(c)
    return PackedLayer(**values)


def _gate_rules(compound: Compound | None) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """``gate_static`` and ``gate_hours`` of a layer of ``compound`` (see ``PackedLayer``)."""
    gates = compound.gates if compound is not None else ()
    static = [[_gate_bits(g, compound, has_pass) for has_pass in (False, True)]
              for g in gates] if compound is not None else []
    return (np.asarray(static, dtype=np.uint8).reshape(-1, 2),
            np.asarray([k for k, g in enumerate(gates) if g.opening_hours], dtype=np.int64))


def _shape(compound: Compound) -> tuple[Any, ...]:
    """What of a compound its layer's nodes and edges depend on: the wall, whether
    e-bikes ride inside and where its gates stand (not their names, rules or hours)."""
    return (compound.polygon, compound.ebikes_allowed, tuple((g.lon, g.lat) for g in compound.gates))


@dataclass
class Snapshot:
    """One assembled version of the network (read-only once built).

    Nodes ``0..n_base-1`` are street-graph nodes, the rest layer nodes. Edges
    ``0..E-1`` are street-graph edges (CSR of the street graph), the rest layer edges
    (CSR ``o_indptr``/``o_head``). ``e_cost`` holds (edges, 2) seconds for riding and
    walking (``inf``: not allowed); ``e_gate`` the gate of a passage edge (else -1);
    ``e_walk_m`` the metres of an edge that count as walking after parking (streets
    outside compounds; 0 inside).
    """

    version: int
    street: StreetGraph
    index: StreetIndex
    n_base: int
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    o_indptr: NDArray[np.int64]
    o_head: NDArray[np.int64]
    e_cost: NDArray[np.float64]
    e_length: NDArray[np.float64]
    e_kind: NDArray[np.int8]
    e_gate: NDArray[np.int64]
    e_walk_m: NDArray[np.float64]
    e_way: NDArray[np.int32]
    e_name: NDArray[np.int32]
    names: list[str]
    park: NDArray[np.float64]
    node_compound: NDArray[np.int32]
    compounds: list[Compound]
    compound_index: dict[int, int]
    gates: list[tuple[Gate, int]]
    gate_nodes: NDArray[np.int64]
    gate_connected: NDArray[np.bool_]
    gate_static: NDArray[np.uint8]
    gate_hours: NDArray[np.int64]
    doors: dict[tuple[str, int], tuple[int, Door]]
    facilities: dict[int, tuple[int, Facility]]
    nav: dict[int, int]
    compound_tree: STRtree | None

    def __post_init__(self) -> None:
        self._hours = ScheduleCache([self.gates[i][0].opening_hours or "" for i in self.gate_hours])
        self._hours_lock = threading.Lock()
        self._local = threading.local()
        self.n_edges_base = self.street.n_edges
        self.b_cost = self.e_cost[:self.n_edges_base]
        self.o_cost = self.e_cost[self.n_edges_base:]
        self.o_gate = self.e_gate[self.n_edges_base:]
        self.b_walk_m = self.e_walk_m[:self.n_edges_base]
        self.o_walk_m = self.e_walk_m[self.n_edges_base:]
        top_factor = max(1.0, float(np.max(np.asarray(self.street.ride_factor), initial=1.0)))
        top = max(ride_speed_ms() * top_factor, inside_speed_ms(), settings.WALK_SPEED_MS)
        self.inv_top_speed = np.array([1.0 / top, 1.0 / settings.WALK_SPEED_MS])
        self._roles: dict[int, tuple[str, Any]] | None = None
        self._gates_of: tuple[NDArray[np.intp], NDArray[np.intp]] | None = None
        self._gate_ids: dict[int, int] | None = None
        self._reverse: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] | None = None
        self._facilities_of: dict[str, tuple[NDArray[np.int64], list[Facility]]] = {}
        self._of_edges: dict[str, Any] = {}  # see ``of_edges``
        self._of_edges_lock = threading.Lock()

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    def __getstate__(self) -> dict[str, Any]:
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        self.node_role(-1)  # the node roles go along: a loaded snapshot does not build them
        state["_roles"] = self._roles
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        roles = state.pop("_roles", None)
        self.__dict__.update(state)
        self.__post_init__()
        self._roles = roles

    def facilities_of(self, kind: str) -> tuple[NDArray[np.int64], list[Facility]]:
        """Nodes and facilities of ``kind`` (cached per snapshot)."""
        if kind not in self._facilities_of:
            pairs = [(node, fac) for node, fac in self.facilities.values() if fac.kind == kind]
            self._facilities_of[kind] = (np.asarray([n for n, _f in pairs], dtype=np.int64),
                                         [f for _n, f in pairs])
        return self._facilities_of[kind]

    def gates_of(self, compound: int) -> NDArray[np.intp]:
        """Indices of the gates of compound index ``compound``."""
        if self._gates_of is None:
            owner = np.asarray([ci for _g, ci in self.gates], dtype=np.int64)
            order = np.argsort(owner, kind="stable")
            bounds = np.searchsorted(owner[order], np.arange(len(self.compounds) + 1))
            self._gates_of = (order, bounds)
        order, bounds = self._gates_of
        return order[bounds[compound]:bounds[compound + 1]]

    def gate_index(self, gate_id: int) -> int | None:
        """The index in ``gates`` of the gate whose id is ``gate_id``, None if not here."""
        if self._gate_ids is None:
            self._gate_ids = {g.id: i for i, (g, _c) in enumerate(self.gates)}
        return self._gate_ids.get(gate_id)

    def of_edges(self, name: str, make: Callable[[Snapshot], _Made]) -> _Made:
        """What ``make`` works out from this snapshot's nodes, edges and parking alone, made
        at first use (outside any lock: two threads may both make it, one is kept) and kept
        under ``name``; a snapshot of the same nodes and edges takes it over
        (``keep_derived``), so an office's gate edit does not make it again."""
        with self._of_edges_lock:
            value = self._of_edges.get(name)
        if value is None:
            made = make(self)
            with self._of_edges_lock:
                value = self._of_edges.setdefault(name, made)
        return value  # type: ignore[no-any-return]

    def reverse_adjacency(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """The edges into each node, street and overlay together (CSR by head): ``indptr``,
        the tail node and the search edge number (as in ``e_cost``) of each."""
        if self._reverse is None:
            tails = np.concatenate([np.asarray(self.street.tail, dtype=np.int64),
                                    np.repeat(np.arange(self.n_nodes), np.diff(self.o_indptr))])
            heads = np.concatenate([np.asarray(self.street.head, dtype=np.int64),
                                    np.asarray(self.o_head, dtype=np.int64)])
            order = np.argsort(heads, kind="stable")
            indptr = np.searchsorted(heads[order], np.arange(self.n_nodes + 1)).astype(np.int64)
            self._reverse = (indptr, tails[order], order.astype(np.int64))
        return self._reverse

    def lonlat(self, node: int) -> tuple[float, float]:
        """(lon, lat) of a node."""
        return float(self.lon[node]), float(self.lat[node])

    def edge_name(self, edge: int) -> str | None:
        """The road name of a search edge, None if unnamed."""
        name = int(self.e_name[edge])
        return self.names[name] if name >= 0 else None

    def node_role(self, node: int) -> tuple[str, Any]:
        """What a layer node stands for: ('gate_out'|'gate_in', gate index),
        ('door', Door), ('facility', Facility) or ('node', None)."""
        if self._roles is None:
            roles: dict[int, tuple[str, Any]] = {}
            for g, (out, inn) in enumerate(self.gate_nodes.tolist()):
                roles[out], roles[inn] = ("gate_out", g), ("gate_in", g)
            roles.update({node: ("door", door) for node, door in self.doors.values()})
            roles.update({node: ("facility", fac) for node, fac in self.facilities.values()})
            self._roles = roles
        return self._roles.get(node, ("node", None))

    def workspace(self) -> Workspace:
        """This thread's reusable search arrays."""
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = Workspace(self.n_nodes, len(self.e_length))
            self._local.ws = ws
        return ws

    def keep_derived(self, old: Snapshot) -> None:
        """Take over from ``old``, a snapshot with the same nodes, edges, doors and gate
        positions, what is worked out lazily: node roles, gates per compound and by id, facilities
        per kind, the reversed edges, each thread's search arrays, what other modules work out
        from the edges (``of_edges``), and the opening-hours states of the gates
        whose hours are the same (same gate index, same expression)."""
        self._roles, self._gates_of, self._gate_ids = old._roles, old._gates_of, old._gate_ids
        self._facilities_of, self._local = old._facilities_of, old._local
        self._reverse = old._reverse
        self._of_edges, self._of_edges_lock = old._of_edges, old._of_edges_lock
        if not len(old.gate_hours) or not len(self.gate_hours):
            return
        pos = np.minimum(np.searchsorted(old.gate_hours, self.gate_hours), len(old.gate_hours) - 1)
        same = np.flatnonzero(old.gate_hours[pos] == self.gate_hours)
        same = same[[self._hours.expressions[k] == old._hours.expressions[pos[k]] for k in same]]
        with old._hours_lock:
            for name in ("valid_from", "valid_until", "open"):
                getattr(self._hours, name)[same] = getattr(old._hours, name)[pos[same]]

    def gate_ok(self, at: datetime, *, has_pass: bool) -> NDArray[np.uint8]:
        """Per gate: bit 0 set if riding through is allowed at ``at``, bit 1 walking."""
        ok = self.gate_static[:, 1 if has_pass else 0].copy()
        if len(self.gate_hours):
            with self._hours_lock:
                open_now = self._hours.states(at)
            ok[self.gate_hours[~open_now]] = 0
        return ok

    def compound_at(self, lon: float, lat: float) -> int:
        """Index of the compound containing (lon, lat), -1 if none (smallest wins)."""
        if self.compound_tree is None:
            return -1
        hits = self.compound_tree.query(shapely.Point(lon, lat), predicate="within")
        if len(hits) == 0:
            return -1
        return int(min(hits, key=lambda i: self.compounds[i].polygon.area))


def _gate_bits(gate: Gate, compound: Compound, has_pass: bool) -> int:
    state = static_gate_state(gate, ebikes_inside=compound.ebikes_allowed, has_pass=has_pass)
    return (1 if state.ride else 0) | (2 if state.walk else 0)


def _last_of_each(values: NDArray[np.int64]) -> NDArray[np.intp]:
    """Indices of the last occurrence of each distinct value in ``values``."""
    _unique, first_from_end = np.unique(values[::-1], return_index=True)
    return len(values) - 1 - first_from_end


def with_building_doors(data: AccessData, index: StreetIndex, *,
                        known: dict[tuple[Building, BaseGeometry | None], Door] | None = None,
                        scope: Collection[int | None] | None = None) -> AccessData:
    """``data`` plus a door for each of its buildings that lies in ``index``'s street
    graph box and has no door yet (no unit door, no door of its own), at
    ``building_door`` of its outline inside its compound. ``known`` keeps doors between
    calls: a building whose value (and compound polygon) did not change keeps its door, and
    ``known`` ends holding this call's. With ``scope`` (compound ids, None: in no
    compound) only the buildings of those compounds are looked at and ``known`` keeps the
    others' doors."""
    compounds = {c.id: c for c in data.compounds}
    with_doors = {d.building_id for d in data.doors if d.building_id is not None}
    west, south, east, north = index.street.bounds
    previous = dict(known or {})
    if known is not None and scope is None:
        known.clear()
    added: list[Door | None] = []  # None: built below, all at once
    new: list[tuple[Building, Compound | None]] = []
    keys: list[tuple[Building, BaseGeometry | None]] = []
    for building in data.buildings:
        if scope is not None and building.compound_id not in scope:
            continue
        lon, lat = building.outline.centroid.coords[0]
        if building.id in with_doors or not (west <= lon <= east and south <= lat <= north):
            continue
        compound = compounds.get(building.compound_id) if building.compound_id is not None else None
        key = (building, compound.polygon if compound is not None else None)
        door = previous.get(key)
        if door is None:
            new.append((building, compound))
        keys.append(key)
        added.append(door)
    built = iter(build_doors_of_buildings(index, new))
    doors = [door if door is not None else next(built) for door in added]
    if known is not None:
        known.update(zip(keys, doors, strict=True))
    return replace(data, doors=data.doors + tuple(doors)) if doors else data


def served_extent(street: StreetGraph) -> tuple[float, float, float, float]:
    """The (west, south, east, north) box, in degrees, a street graph serves: its
    extract's bounds and its nodes' extent, widened by ``NETWORK_COVER_MARGIN_M`` metres."""
    west, south, east, north = street.bounds
    if street.n_nodes:
        west, east = min(west, float(street.lon.min())), max(east, float(street.lon.max()))
        south, north = min(south, float(street.lat.min())), max(north, float(street.lat.max()))
    origin = ((west + east) / 2, (south + north) / 2)
    plane = to_metres(shapely.box(west, south, east, north), origin=origin)
    widened = shapely.box(*plane.buffer(settings.NETWORK_COVER_MARGIN_M, join_style="mitre").bounds)
    served = from_metres(widened, origin=origin).bounds
    return float(served[0]), float(served[1]), float(served[2]), float(served[3])


class AccessNetwork:
    """A street graph joined with compounds; see the module docstring."""

    def __init__(self, street: StreetGraph, data: AccessData | None = None) -> None:
        self.street = street
        self.extent = served_extent(street)
        self.index = StreetIndex(street)
        self._layers: dict[int | None, tuple[Any, PackedLayer]] = {}
        self._inside_all = np.zeros(street.n_nodes, dtype=bool)
        names = sorted({v for v in street.way_name if v})
        name_id = {v: i for i, v in enumerate(names)}
        # Per way: its name's index (the extra last entry: no way, -1).
        self._street_names = (names, np.asarray(
            [name_id[v] if v else -1 for v in street.way_name] + [-1], dtype=np.int32))
        self._building_doors: dict[tuple[Building, BaseGeometry | None], Door] = {}
        self._inside: dict[Any, NDArray[np.int64]] = {}
        self._lock = threading.Lock()
        self._version = 0
        self.snapshot: Snapshot
        self.rebuilt: list[int | None] = []
        self.data = AccessData()
        self.update(data or AccessData())

    def covers(self, lon: float, lat: float) -> bool:
        """Whether (lon, lat) lies in the box the network serves (``extent``)."""
        west, south, east, north = self.extent
        return west <= lon <= east and south <= lat <= north

    def _in_reach(self, compounds: tuple[Compound, ...]) -> list[Compound]:
        """The ``compounds`` whose bounding box meets the served extent (bounds taken in
        one vectorised call)."""
        if not compounds:
            return []
        west, south, east, north = self.extent
        box = shapely.bounds(np.asarray([c.polygon for c in compounds], dtype=object))
        meets = (box[:, 0] <= east) & (box[:, 2] >= west) & (box[:, 1] <= north) & (box[:, 3] >= south)
        return [c for c, m in zip(compounds, meets.tolist(), strict=True) if m]

    def update(self, data: AccessData, *,
               touched: Collection[int | None] | None = None) -> list[int | None]:
        """Bring the network up to ``data``; returns the layers rebuilt (compound ids,
        None for the street layer). ``touched`` (compound ids, None for the street layer)
        names the only layers whose inputs can differ from the last update (an office
        edit that moved no compound wall): the others are kept without being compared.
        Without it, or when compounds came or went, every layer is compared."""
        with self._lock:
            compounds = self._in_reach(data.compounds)
            ids = {c.id for c in compounds}
            scope: set[int | None] | None = None
            if touched is not None and ids == set(self._layers) - {None}:
                scope = {t if t in ids else None for t in touched}
            doors: dict[int | None, list[Door]] = {}
            facilities: dict[int | None, list[Facility]] = {}
            paths: dict[int | None, list[OfficePath]] = {}
            data = with_building_doors(data, self.index, known=self._building_doors,
                                       scope=None if scope is None else set(touched or ()) | scope)
            for door in data.doors:
                key = door.compound_id if door.compound_id in ids else None
                if scope is None or key in scope:
                    doors.setdefault(key, []).append(door)
            for fac in data.facilities:
                key = fac.compound_id if fac.compound_id in ids else None
                if scope is None or key in scope:
                    facilities.setdefault(key, []).append(fac)
            for path in data.paths:
                if path.compound_id in ids and (scope is None or path.compound_id in scope):
                    paths.setdefault(path.compound_id, []).append(path)
            rebuilt: list[int | None] = []
            rules_only: list[PackedLayer] = []  # layers whose gates changed only names, rules, hours
            layers: dict[int | None, tuple[Any, PackedLayer]] = {}
            inside_any = self._inside_any(compounds) if scope is None else self._inside_all
            for c in compounds:
                old = self._layers.get(c.id)
                if scope is not None and c.id not in scope and old is not None:
                    layers[c.id] = old
                    continue
                inputs = (c, tuple(doors.get(c.id, ())), tuple(facilities.get(c.id, ())),
                          tuple(paths.get(c.id, ())), self._neighbours(c, inside_any))
                if old is not None and old[0] == inputs:
                    layers[c.id] = old
                    continue
                rebuilt.append(c.id)
                if old is not None and old[0][1:] == inputs[1:] and _shape(old[0][0]) == _shape(c):
                    # Only the gates' names, rules or hours changed: same nodes and edges.
                    static, hours = _gate_rules(c)
                    layers[c.id] = (inputs, replace(old[1], compound=c, gate_static=static,
                                                    gate_hours=hours))
                    rules_only.append(layers[c.id][1])
                    continue
                layers[c.id] = (inputs, pack_layer(build_layer(
                    self.index, c, doors=list(inputs[1]), facilities=list(inputs[2]),
                    paths=list(inputs[3]), inside_any=inside_any), self.street))
            old = self._layers.get(None)
            if scope is not None and None not in scope and old is not None:
                layers[None] = old
            else:
                street_inputs = (tuple(doors.get(None, ())), tuple(facilities.get(None, ())),
                                 tuple((c.id, c.polygon) for c in compounds))
                if old is not None and old[0] == street_inputs:
                    layers[None] = old
                else:
                    layers[None] = (street_inputs, pack_layer(build_layer(
                        self.index, None, doors=list(street_inputs[0]),
                        facilities=list(street_inputs[1]), paths=[], inside_any=inside_any),
                        self.street))
                    rebuilt.append(None)
            if rebuilt or set(layers) != set(self._layers) or not hasattr(self, "snapshot"):
                same_layers = set(layers) == set(self._layers) and hasattr(self, "snapshot")
                self._layers = layers
                self._version += 1
                if same_layers and len(rules_only) == len(rebuilt):
                    self.snapshot = self._with_gate_rules(rules_only)
                else:
                    self.snapshot = self._assemble(list(layers.values()))
            self.rebuilt = rebuilt
            self.data = data
            return rebuilt

    def __getstate__(self) -> dict[str, Any]:
        self.read_edit_state()  # a copy or a pickle has it all, not the loader
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def defer_edit_state(self, load: Callable[[], dict[str, Any]]) -> None:
        """Leave out the ``EDIT_STATE`` attributes until one is first read: ``load``
        (called once, thread-safe on its own) returns them. A network loaded from disk
        routes without them; only ``update`` and ``what_if`` read them."""
        for name in EDIT_STATE:
            self.__dict__.pop(name, None)
        self._load_edit_state = load

    def read_edit_state(self) -> None:
        """Read the ``EDIT_STATE`` left for later by ``defer_edit_state`` now, if it was."""
        if "_load_edit_state" in self.__dict__:
            getattr(self, EDIT_STATE[0])  # one read brings them all in

    def __getattr__(self, name: str) -> Any:
        load = self.__dict__.get("_load_edit_state")  # only reached for a missing attribute
        if name not in EDIT_STATE or load is None:
            raise AttributeError(name)
        self.__dict__.update(load())
        self.__dict__.pop("_load_edit_state", None)
        return self.__dict__[name]

    def what_if(self, data: AccessData) -> Snapshot:
        """The snapshot ``data`` would give (say, with proposed facilities), without
        swapping it in: the layers whose inputs did not change are shared, not rebuilt."""
        trial = copy.copy(self)
        trial._lock = threading.Lock()
        trial._layers = dict(self._layers)
        trial._building_doors = dict(self._building_doors)
        trial._inside = dict(self._inside)
        trial.update(data)
        return trial.snapshot

    def _inside_any(self, compounds: list[Compound]) -> NDArray[np.bool_]:
        """Per street node: whether it lies inside some compound (each compound's nodes
        kept while its polygon stays the same)."""
        inside_any = np.zeros(self.street.n_nodes, dtype=bool)
        kept: dict[Any, NDArray[np.int64]] = {}
        for c in compounds:
            key = (c.id, c.polygon)
            nodes = self._inside.get(key)
            if nodes is None:
                nodes = self.index.nodes_in(to_plane(self.street, c.polygon))
            kept[key] = nodes
            inside_any[nodes] = True
        self._inside = kept
        self._inside_all = inside_any
        return inside_any

    def _neighbours(self, compound: Compound, inside_any: NDArray[np.bool_]) -> bytes:
        """Which street nodes within reach of ``compound``'s gates and doors lie inside
        some compound: part of its layer's inputs (a neighbour's change rebuilds it)."""
        reach = settings.GATE_CONNECT_MAX_M + settings.GATE_PASSAGE_SNAP_M
        minx, miny, maxx, maxy = to_plane(self.street, compound.polygon).bounds
        near = self.index.nodes.query_box(minx - reach, miny - reach, maxx + reach, maxy + reach)
        near = np.sort(near)
        return near.tobytes() + np.packbits(inside_any[near]).tobytes()

    def _with_gate_rules(self, changed: list[PackedLayer]) -> Snapshot:
        """The snapshot with the gates of the ``changed`` layers' compounds renewed (their
        names, rules or hours; the nodes and edges are the same): a copy of the gate
        lists and rule arrays, whatever the city's size otherwise. Opening-hours states
        already worked out are kept for the gates whose hours did not change."""
        old = self.snapshot
        compounds, gates = list(old.compounds), list(old.gates)
        static = old.gate_static.copy()
        for layer in changed:
            assert layer.compound is not None  # the street layer has no gates
            ci = old.compound_index[layer.compound.id]
            compounds[ci] = layer.compound
            at = old.gates_of(ci)  # in the compound's gate order
            for gate, i in zip(layer.compound.gates, at.tolist(), strict=True):
                gates[i] = (gate, ci)
            static[at] = layer.gate_static
        hours = np.flatnonzero([bool(g.opening_hours) for g, _ci in gates]).astype(np.int64)
        new = replace(old, version=self._version, compounds=compounds, gates=gates,
                      gate_static=static, gate_hours=hours)
        new.keep_derived(old)
        return new

    def _assemble(self, entries: list[tuple[Any, PackedLayer]]) -> Snapshot:
        street = self.street
        layers = [layer for _inputs, layer in entries]
        n_base, n_edges = street.n_nodes, street.n_edges
        length = np.asarray(street.length_m)
        modes = np.asarray(street.modes)
        tail, head = np.asarray(street.tail), np.asarray(street.head)
        compounds = [layer.compound for layer in layers if layer.compound is not None]
        compound_index = {c.id: i for i, c in enumerate(compounds)}

        # --- street-graph edges: speeds, barriers, private roads, then compound rules.
        block = np.asarray(street.node_block).copy()
        block[np.concatenate([np.empty(0, np.int64)] + [layer.unblock_nodes for layer in layers])] = 0
        ride_ok = ((modes & RIDE) > 0) & ((modes & PRIVATE) == 0)
        ride_ok &= ((block[tail] | block[head]) & RIDE) == 0
        walk_ok = ((modes & WALK) > 0) & ((modes & PRIVATE) == 0)
        walk_ok &= ((block[tail] | block[head]) & WALK) == 0
        with np.errstate(divide="ignore"):
            ride = length / (ride_speed_ms() * np.asarray(street.ride_factor))
            walk = length / (settings.WALK_SPEED_MS * np.asarray(street.walk_factor))
        b_cost = np.column_stack([np.where(ride_ok, ride, np.inf), np.where(walk_ok, walk, np.inf)])
        b_inside = np.zeros(n_edges, dtype=bool)
        node_compound = np.full(n_base, -1, dtype=np.int32)
        inner = [layer for layer in layers if layer.compound is not None]
        if inner:
            # Each layer's inside edges, then its cut edges; where layers share an edge or
            # a node, the later one decides.
            e = np.concatenate([part for layer in inner
                                for part in (layer.inside_edges, layer.cut_edges)])
            sizes = [len(part) for layer in inner for part in (layer.inside_edges, layer.cut_edges)]
            cut = np.repeat(np.tile([False, True], len(inner)), sizes)
            ebikes = np.repeat([layer.compound is not None and layer.compound.ebikes_allowed
                                for layer in inner for _part in range(2)], sizes)
            b_inside[e[~cut]] = True
            last = _last_of_each(e)
            e, cut, ebikes = e[last], cut[last], ebikes[last]
            m, ends = modes[e], block[tail[e]] | block[head[e]]
            inside_ride = ((m & RIDE) > 0) & ebikes & ((ends & RIDE) == 0) & ~cut
            inside_walk = ((m & WALK) > 0) & ((ends & WALK) == 0) & ~cut
            b_cost[e, 0] = np.where(inside_ride, length[e] / inside_speed_ms(), np.inf)
            b_cost[e, 1] = np.where(inside_walk, walk[e], np.inf)
            nodes = np.concatenate([layer.inside_nodes for layer in inner])
            owner = np.repeat([compound_index[layer.compound.id] for layer in inner
                               if layer.compound is not None],
                              [len(layer.inside_nodes) for layer in inner]).astype(np.int32)
            last = _last_of_each(nodes)
            node_compound[nodes[last]] = owner[last]

        # --- layer nodes and edges, renumbered after the street nodes.
        offsets = np.cumsum([0] + [layer.n_nodes for layer in layers]) + n_base
        n = int(offsets[-1])

        def glob(refs: NDArray[np.int64], off: int) -> NDArray[np.int64]:
            r = np.asarray(refs, dtype=np.int64)
            return np.where(r >= 0, r, off + (-r - 1))

        parts = [(glob(layer.tail, off), glob(layer.head, off), layer)
                 for layer, off in zip(layers, offsets[:-1], strict=True)]
        o_tail = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
        o_head = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)

        def cat(name: str, dtype: DTypeLike) -> NDArray[Any]:
            return np.concatenate([np.empty(0, dtype)] + [getattr(layer, name) for layer in layers])

        o_length = cat("length", np.float64)
        o_modes = cat("modes", np.int64)
        o_kind = cat("kind", np.int8)
        o_inside = cat("inside", bool)
        o_way = cat("way", np.int32)
        gate_offsets = np.cumsum([0] + [len(layer.gate_nodes) for layer in layers])
        o_gate = cat("gate", np.int64)
        gate_base = np.repeat(gate_offsets[:-1], [len(layer.gate) for layer in layers])
        o_gate = np.where(o_gate >= 0, o_gate + gate_base, -1)
        speed = np.where(o_inside, inside_speed_ms(), ride_speed_ms())
        o_ride = (o_modes & RIDE) > 0
        o_ride &= ((o_modes & PRIVATE) == 0) | o_inside
        o_walk = (o_modes & WALK) > 0
        o_walk &= ((o_modes & PRIVATE) == 0) | o_inside
        o_cost = np.column_stack([np.where(o_ride, o_length / speed, np.inf),
                                  np.where(o_walk, o_length / settings.WALK_SPEED_MS, np.inf)])
        is_gate = o_kind == GATE
        o_cost[is_gate] = settings.GATE_DELAY_S
        order = np.argsort(o_tail, kind="stable")
        o_indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(o_indptr, o_tail + 1, 1)
        o_indptr = np.cumsum(o_indptr)

        # --- nodes: coordinates, parking, compound of each node.
        x = np.concatenate([np.asarray(street.x)] + [layer.x for layer in layers])
        y = np.concatenate([np.asarray(street.y)] + [layer.y for layer in layers])
        park = np.concatenate([np.where(node_compound < 0, street_parking_s(), np.inf)] +
                              [layer.park for layer in layers])
        node_comp = np.concatenate([node_compound] + [
            np.full(layer.n_nodes, compound_index[layer.compound.id] if layer.compound else -1,
                    dtype=np.int32) for layer in layers])

        gates: list[tuple[Gate, int]] = []
        doors: dict[tuple[str, int], tuple[int, Door]] = {}
        facilities: dict[int, tuple[int, Facility]] = {}
        nav: dict[int, int] = {}
        gate_parts: list[tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.uint8],
                               NDArray[np.int64]]] = []
        for (inputs, layer), off in zip(entries, offsets[:-1], strict=True):
            c = layer.compound
            door_list, facility_list = (inputs[1], inputs[2]) if c is not None else inputs[:2]
            if c is not None:
                ci = compound_index[c.id]
                gate_parts.append((off - layer.gate_nodes - 1, layer.gate_connected,
                                   layer.gate_static, layer.gate_hours + len(gates)))
                gates.extend((gate, ci) for gate in c.gates)
                if layer.nav is not None:
                    nav[ci] = off - layer.nav - 1
            for door in door_list:
                doors[door.key] = (int(off - layer.doors[door.key] - 1), door)
            for fac in facility_list:
                facilities[fac.id] = (int(off - layer.facilities[fac.id] - 1), fac)
        gate_nodes = np.concatenate([np.empty((0, 2), np.int64)] + [g[0] for g in gate_parts])
        gate_connected = np.concatenate([np.empty(0, bool)] + [g[1] for g in gate_parts])
        gate_static = np.concatenate([np.empty((0, 2), np.uint8)] + [g[2] for g in gate_parts])
        gate_hours = np.concatenate([np.empty(0, np.int64)] + [g[3] for g in gate_parts])
        tree = STRtree([c.polygon for c in compounds]) if compounds else None
        street_names, way_name_id = self._street_names
        known = set(street_names)
        names = street_names + sorted({v for layer in layers for v in layer.label_names
                                       if v not in known})
        name_id = {v: i for i, v in enumerate(names)}
        o_name = np.concatenate([np.empty(0, np.int32)] + [
            np.asarray([name_id[v] for v in layer.label_names] + [-1], dtype=np.int32)[layer.label]
            for layer in layers])  # label -1 picks the appended -1
        o_name = np.where(o_name >= 0, o_name, way_name_id[o_way])
        layer_lon, layer_lat = street.to_lonlat(x[n_base:], y[n_base:])
        lon = np.concatenate([np.asarray(street.lon), np.asarray(layer_lon, dtype=np.float64)])
        lat = np.concatenate([np.asarray(street.lat), np.asarray(layer_lat, dtype=np.float64)])
        snapshot = Snapshot(
            version=self._version, street=street, index=self.index, n_base=n_base, x=x, y=y,
            lon=lon, lat=lat, o_indptr=o_indptr, o_head=o_head[order],
            e_cost=np.ascontiguousarray(np.concatenate([b_cost, o_cost[order]])),
            e_length=np.concatenate([length, o_length[order]]),
            e_kind=np.concatenate([np.where(b_inside, INSIDE, STREET).astype(np.int8),
                                   o_kind[order]]),
            e_gate=np.concatenate([np.full(n_edges, -1, dtype=np.int64), o_gate[order]]),
            e_walk_m=np.concatenate([np.where(b_inside, 0.0, length),
                                     np.where(o_inside | ~np.isin(o_kind, (STREET, LINK)), 0.0,
                                              o_length)[order]]),
            e_way=np.concatenate([np.asarray(street.way, dtype=np.int32), o_way[order]]),
            e_name=np.concatenate([way_name_id[np.asarray(street.way)], o_name[order]]),
            names=names, park=park, node_compound=node_comp,
            compounds=compounds, compound_index=compound_index, gates=gates,
            gate_nodes=gate_nodes, gate_connected=gate_connected, gate_static=gate_static,
            gate_hours=gate_hours, doors=doors, facilities=facilities, nav=nav,
            compound_tree=tree)
        return snapshot
