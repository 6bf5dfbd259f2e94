"""Routing for the app: database rows → ``geo.routing.inputs`` values → cached access networks.

One street graph per group of *ready* sources (``app.models.Source``, recorded by
``import-osm``; sources that overlap or touch are one group, joined by OSM node id), built
and cached on disk at import time under ``ROUTING_CACHE_DIR`` (default CACHE_DIR/routing);
a request only loads it (memory-mapped), never builds it. The access network of each
group (compound layers, building doors) is built at import too and cached beside it
(``geo.routing.network_cache``): a new worker loads it. Each request checks the ready
sources and a cheap stamp of the place tables; when an office changed something, only
the rows that changed are read (``app.routing.places``) and only the layers of the
compounds they touch are rebuilt. No restart, no street-graph rebuild.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.addresses.resolve import resolve_address
from app.ids import get_row, in_range, parse_id
from app.models import Building, Community, Gate, Source, Unit
from app.routing.places import RoutingPlaces
from geo.errors import InvalidInput, NotFound, ServiceUnavailable
from geo.routing.cache import cached_street_graph
from geo.routing.handoff import handoff_links
from geo.routing.isochrones import isochrones
from geo.routing.nearest import nearest_facilities
from geo.routing.network import AccessNetwork
from geo.routing.network_cache import UnreadableCache, load_network, save_network
from geo.routing.route import route_to_door
from geo.routing.street_graph import StreetGraph
from geo.routing.to_gate import route_to_gate, street_side

log = logging.getLogger(__name__)
_EXTENSION = "youlu_routing"
_KIND_ID = re.compile(r"^(unit|building|gate)[:/](\d+)$")


Group = tuple[tuple[str, str], ...]  # the (path, sha256) of sources served as one graph


class _State:
    """The networks of one app, the groups of ready sources they were loaded from and the
    place rows they reflect."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.networks: list[AccessNetwork] = []
        self.sources: tuple[Group, ...] = ()
        self.places: RoutingPlaces | None = None


def cache_dir() -> Path:
    """Where street graphs are cached: ``ROUTING_CACHE_DIR``, default CACHE_DIR/routing."""
    configured = current_app.config.get("ROUTING_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.config["CACHE_DIR"]) / "routing"


def served_groups(session: Session) -> list[Group]:
    """The ready sources in groups served as one street graph each: sources whose bounds
    overlap or touch, directly or through others, form one group (joined by OSM node id)."""
    ready = list(session.scalars(select(Source).where(Source.status == "ready").order_by(Source.id)))
    parent = list(range(len(ready)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(ready):
        for j in range(i):
            if a.meets(ready[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Source]] = {}
    for i, source in enumerate(ready):
        groups.setdefault(root(i), []).append(source)
    return [tuple(sorted((s.path, s.sha256) for s in members)) for members in groups.values()]


def _street_graph(group: Group) -> StreetGraph:
    """The cached graph of a group of ready sources; a clear error if the cache lost it."""
    paths = [path for path, _ in group]
    directory = cache_dir()
    graph = cached_street_graph(paths, [sha256 for _, sha256 in group], cache_dir=directory)
    if graph is None:
        names = "、".join(paths)
        raise ServiceUnavailable(
            f"来源“{names}”的路网缓存不存在，请办公室重新运行 flask --app app import-osm {paths[0]}",
            f"the street graph of source {', '.join(paths)} is not in the cache; the office must "
            f"run `flask --app app import-osm {paths[0]}` again",
            details={"source": paths[0], "sources": paths, "cache_dir": str(cache_dir())})
    return graph


def _group_key(session: Session, group: Group) -> tuple[tuple[str, str, str], ...]:
    """What a cached network of ``group`` was built from: path, sha256 and import time of
    each of its sources (a new import, or another database, does not match)."""
    rows = session.execute(select(Source.path, Source.imported_at)
                           .where(Source.path.in_([path for path, _ in group]))).all()
    imported = {path: at.isoformat() for path, at in rows}
    return tuple((path, sha256, imported.get(path, "")) for path, sha256 in group)


def _cached_network(session: Session, group: Group) -> tuple[AccessNetwork, RoutingPlaces] | None:
    """The network of ``group`` and the places it reflects from the disk cache, if they
    were built from these sources."""
    street = _street_graph(group)
    cached = load_network(street, cache_dir=cache_dir())
    if cached is None or cached[1].get("group") != _group_key(session, group):
        return None
    network, meta, deferred = cached
    return network, RoutingPlaces.deferred(meta["stamp"], lambda: deferred()["places"])


def build_network_caches(session: Session, *, directory: Path) -> None:
    """Build every served group's access network (compound layers, building doors) from
    the database and cache it on disk beside its street graph in ``directory``
    (``import-osm``, ``sources remove``): a new worker then loads it instead."""
    places = RoutingPlaces()
    places.refresh(session)
    data = places.data()
    for group in served_groups(session):
        street = cached_street_graph([path for path, _ in group], [sha for _, sha in group],
                                     cache_dir=directory)
        if street is None:  # routing answers 503 for it until it is imported again
            continue
        network = AccessNetwork(street)
        network.update(data)
        save_network(network, cache_dir=directory,
                     meta={"group": _group_key(session, group), "stamp": places.stamp},
                     deferred={"places": places})


def networks(session: Session) -> list[AccessNetwork]:
    """The access networks of the ready sources (one per group), brought up to date with
    the database first: from the disk cache in a new process, then by the rows that
    changed (``RoutingPlaces.refresh``), rebuilding only the layers they touch. A cache
    whose deferred half turns out damaged is dropped and the networks built again."""
    state: _State = current_app.extensions.setdefault(_EXTENSION, _State())
    try:
        return _brought_up_to_date(state, session)
    except UnreadableCache as error:
        _forget(state, error)
        return _brought_up_to_date(state, session)


def _forget(state: _State, error: UnreadableCache) -> None:
    """Drop the networks and places loaded from a cache that proved damaged (its entry is
    gone: the next ``networks`` builds them from the database)."""
    log.error("%s; building the access networks from the database", error)
    with state.lock:
        state.networks, state.sources, state.places = [], (), None


def _brought_up_to_date(state: _State, session: Session) -> list[AccessNetwork]:
    groups = tuple(served_groups(session))
    with state.lock:
        stale: list[AccessNetwork] = []  # networks not at state.places's stamp
        if groups != state.sources:
            loaded = dict(zip(state.sources, state.networks, strict=True))
            state.networks = []
            for group in groups:
                network = loaded.get(group)
                if network is None:
                    cached = _cached_network(session, group)
                    if cached is None:
                        network = AccessNetwork(_street_graph(group))
                        stale.append(network)
                    else:
                        network, places = cached
                        if state.places is None:
                            state.places = places
                        elif places.stamp != state.places.stamp:
                            stale.append(network)
                state.networks.append(network)
            state.sources = groups
        if state.places is None:
            state.places = RoutingPlaces()
        touched = state.places.refresh(session)
        data = state.places.data() if touched or touched is None or stale else None
        for network in state.networks:
            if data is not None and (touched is None or touched or network in stale):
                network.update(data, touched=None if network in stale else touched)
        return state.networks


def load_deferred() -> None:
    """Read what the networks loaded from disk left for later (their edit state, the
    places they reflect), so that the first office edit does not wait for it; a route
    never waits on this (``app.routing.warm`` calls it after its search)."""
    state: _State | None = current_app.extensions.get(_EXTENSION)
    if state is None:
        return
    try:
        for network in list(state.networks):
            network.read_edit_state()
        if state.places is not None:
            state.places.load()
    except UnreadableCache as error:
        _forget(state, error)


def _network_at(session: Session, lon: float, lat: float) -> AccessNetwork:
    loaded = networks(session)
    candidates = [n for n in loaded if n.covers(lon, lat)]
    if not candidates:
        failed = [s for s in session.scalars(select(Source).where(Source.status == "failed"))
                  if s.covers(lon, lat)]
        if failed:
            raise NotFound(
                f"这个位置只在无法建成路网的来源中：{failed[0].path}（{failed[0].error}）",
                f"({lon}, {lat}) is covered only by sources whose street graph could not be "
                f"built: {failed[0].path} ({failed[0].error})",
                details={"failed_sources": [{"id": s.id, "path": s.path, "error": s.error}
                                            for s in failed]})
        raise NotFound("这个位置不在已载入的路网范围内",
                       f"({lon}, {lat}) is outside every loaded street network",
                       details={"lon": lon, "lat": lat,
                                "networks": [n.street.source for n in loaded]})

    def off_centre(n: AccessNetwork) -> float:
        west, south, east, north = n.street.bounds
        return abs(lon - (west + east) / 2) / (east - west) + abs(lat - (south + north) / 2) / (
            north - south)

    return min(candidates, key=off_centre)


def _row_id(number: int) -> int:
    """``number`` when it can be a row id; ``NotFound`` past the id range."""
    if not in_range(number):
        raise NotFound(f"找不到编号为 {number} 的单元或楼栋", f"no unit or building {number}")
    return number


def gate_street_point(session: Session, gate: Gate) -> tuple[float, float]:
    """The (lon, lat) just outside ``gate`` on the street side, where a rider scanning its
    plate stands (the gate itself when it belongs to no compound)."""
    community = session.get(Community, gate.community_id) if gate.community_id else None
    if community is None:
        return float(gate.geom.x), float(gate.geom.y)
    return street_side(community.geom, float(gate.geom.x), float(gate.geom.y))


def resolve_target(session: Session, to: str) -> tuple[str, int]:
    """``to`` as (kind, id): ``unit:12``/``building:5``/``gate:3``, a bare unit id, a
    standard code of a unit or building, or free text through the address resolver."""
    text = (to or "").strip()
    if not text:
        raise InvalidInput("缺少参数 to（单元或楼栋的编码、编号或地址）",
                           "parameter to is required (code, id or address of a unit or building)")
    if match := _KIND_ID.match(text):
        return match.group(1), _row_id(int(match.group(2)))
    if (number := parse_id(text)) is not None:
        return "unit", _row_id(number)
    for kind, model in (("unit", Unit), ("building", Building)):
        row = session.scalar(select(model.id).where(model.code == text))
        if row is not None:
            return kind, int(row)
    resolution = resolve_address(session, text)
    best = resolution.best
    if resolution.status == "matched" and best is not None and best.record.kind in ("unit", "building"):
        return best.record.kind, best.record.id
    raise InvalidInput(
        f"无法确定目的地“{text}”：{resolution.message}，请给出单元或楼栋",
        f"cannot tell which door {text!r} means: {resolution.message_en}; name a unit or building",
        details={"status": resolution.status,
                 "candidates": [c.as_dict() for c in resolution.candidates[:5]]})


_TARGETS: dict[str, tuple[Any, str]] = {"unit": (Unit, "单元"), "building": (Building, "楼栋"),
                                         "gate": (Gate, "出入口")}


def _door_point(session: Session, key: tuple[str, int]) -> tuple[float, float]:
    model, name = _TARGETS[key[0]]
    row = session.get(model, key[1])
    if row is None:
        raise NotFound(f"找不到{name} {key[1]}", f"no {key[0]} {key[1]}")
    point = row.geom.centroid if key[0] == "building" else row.geom
    return float(point.x), float(point.y)


def door_network(session: Session, start: tuple[float, float] | None, to: str
                 ) -> tuple[tuple[str, int], AccessNetwork]:
    """The door ``to`` names (a building's door nearest ``start``; without a start, the
    building itself) and the access network it is on."""
    key = resolve_target(session, to)
    if start is not None:
        key = _door_of(session, key, start)
    return key, _network_at(session, *_door_point(session, key))


def gate_start(session: Session, ref: str) -> tuple[tuple[float, float], int]:
    """Where a start ``gate:ref`` (a gate's id or code) stands, and the gate's id."""
    number = parse_id(ref)
    gate = (get_row(session, Gate, number) if number is not None
            else session.scalar(select(Gate).where(Gate.code == ref.strip())))
    if gate is None:
        raise NotFound(f"找不到出入口“{ref}”", f"no gate {ref!r}")
    return (float(gate.geom.x), float(gate.geom.y)), gate.id


def route(session: Session, start: tuple[float, float], to: str, *, at: str | None = None,
          has_pass: bool = False, at_gate: int | None = None) -> dict[str, Any]:
    """The access route from ``start`` (lon, lat; with ``at_gate``, that gate's street
    side) to the door (or, ``gate:ID``, the gate) ``to`` names, with ``handoff``: the
    navigation apps' routes to where it enters."""
    key, network = door_network(session, start, to)
    if key[0] == "gate":
        answer = route_to_gate(network, start, key[1], at=at, has_pass=has_pass, at_gate=at_gate)
    else:
        answer = route_to_door(network, start, key, at=at, has_pass=has_pass, at_gate=at_gate)
    place = answer["gate"] or answer["to"]
    compound = (answer["to"].get("compound") or {}).get("name") or ""
    answer["handoff"] = handoff_links(*place["location"], f"{compound}{place['label']}")
    return answer


def unit_doors(session: Session, key: tuple[str, int]) -> tuple[tuple[str, int], ...]:
    """The door keys of a destination: a building's unit doors (itself when it has
    none), a unit itself."""
    if key[0] != "building":
        return (key,)
    units = session.scalars(select(Unit.id).where(Unit.building_id == key[1]).order_by(Unit.id))
    return tuple(("unit", u) for u in units) or (key,)


def _door_of(session: Session, key: tuple[str, int], start: tuple[float, float]) -> tuple[str, int]:
    """A building with unit doors is reached at its door nearest (straight line) to the
    start; other targets are their own door."""
    if key[0] != "building":
        return key
    units = session.scalars(select(Unit).where(Unit.building_id == key[1])).all()
    if not units:
        return key
    nearest_unit = min(units, key=lambda u: (u.geom.x - start[0]) ** 2 + (u.geom.y - start[1]) ** 2)
    return "unit", nearest_unit.id


def nearest(session: Session, start: tuple[float, float], kind: str, *, at: str | None = None,
            open_now: bool = False, k: int = 3, at_gate: int | None = None) -> list[dict[str, Any]]:
    """Facilities of ``kind`` nearest to ``start`` (with ``at_gate``, that gate's street
    side) by network time."""
    return nearest_facilities(_network_at(session, *start), start, kind, at=at,
                              open_now=open_now, k=k, at_gate=at_gate)


def isochrone(session: Session, start: tuple[float, float], minutes: list[float], *,
              at: str | None = None) -> dict[str, Any]:
    """Reachable areas from ``start`` within each of ``minutes``."""
    return isochrones(_network_at(session, *start), start, minutes, at=at)
