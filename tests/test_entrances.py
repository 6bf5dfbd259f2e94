"""An entrance for every compound (geo/osm/entrances.py through geo/osm/extract.py), on the
three bundled extracts and on copies of them changed with pyosmium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pytest
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.geometry.coords import from_metres, to_metres
from geo.osm.entrances import CLEAR_OF_NEIGHBOUR_M
from geo.osm.extract import ImportedFeature, OsmExtract, read_osm_extract, tag_rules
from geo.routing.inputs import AccessData, Door
from geo.routing.instructions import UNCONFIRMED_GATE_ZH
from geo.routing.network import AccessNetwork
from geo.routing.route import route_to_door
from geo.routing.street_graph import StreetGraph
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract
from tests.support.routing import NOON

QINGHUADONGLU = OSM_DIR / EXTRACTS["qinghuadonglu"][0]
START_M = 300.0


def _gates_of(extract: OsmExtract, compound: ImportedFeature) -> list[ImportedFeature]:
    parent = ("community", compound.osm_type, compound.osm_id)
    return [g for g in extract.features["gate"] if g.parent == parent]


def _compound(extract: OsmExtract, name: str) -> ImportedFeature:
    return next(c for c in extract.features["community"] if c.attrs["name"] == name)


@pytest.mark.parametrize("name", EXTRACTS)
def test_every_compound_has_an_entrance(name: str) -> None:
    extract = read_extract(name)
    for compound in extract.features["community"]:
        assert _gates_of(extract, compound), compound.attrs["name"]


def _start_300_m_out(street: StreetGraph, door: Door, polygon: BaseGeometry) -> tuple[float, float]:
    """The street node outside ``polygon`` (the door's compound) whose distance from the
    door is nearest 300 m, (lon, lat)."""
    x, y = to_metres(Point(door.lon, door.lat), origin=(street.lon0, street.lat0)).coords[0]
    for node in np.argsort(np.abs(np.hypot(street.x - x, street.y - y) - START_M)).tolist():
        lonlat = (float(street.lon[node]), float(street.lat[node]))
        if not polygon.covers(Point(lonlat)):
            return lonlat
    raise AssertionError("no street node outside the compound")


@pytest.mark.parametrize("name", EXTRACTS)
def test_every_building_in_a_compound_is_routable_from_300_m(
        name: str, streets: dict[str, StreetGraph], access: dict[str, AccessData],
        networks: dict[str, AccessNetwork]) -> None:
    polygons = {c.id: c.polygon for c in access[name].compounds}
    doors = [d for d in access[name].doors if d.kind == "building" and d.compound_id is not None]
    assert doors
    for door in doors:
        assert door.compound_id is not None
        start = _start_300_m_out(streets[name], door, polygons[door.compound_id])
        route = route_to_door(networks[name], start, ("building", door.id), at=NOON, compare=False)
        assert route["gate"] is not None, door
        assert route["gate"]["origin"] in ("mapped", "inferred", "proposed")


def _streets_raw(path: Path) -> list[LineString]:
    """The street lines (WGS-84) of ``path``, read with pyosmium."""
    wanted = set(tag_rules()["proposed_entrance"]["highway"])
    ways = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
    return [LineString([(n.lon, n.lat) for n in way.nodes]) for way in ways
            if way.is_way() and way.tags.get("highway") in wanted and len(way.nodes) >= 2]


def _assert_at_nearest_street(path: Path, extract: OsmExtract, compound: ImportedFeature,
                              gate: ImportedFeature) -> None:
    """``gate`` is the boundary point of ``compound`` nearest the nearest street outside it,
    recomputed from the raw file ``path``, on the part of the boundary that keeps
    ``CLEAR_OF_NEIGHBOUR_M`` from the other compounds of ``extract``."""
    assert gate.source == "proposed" and gate.attrs["kind"] == "proposed" and gate.attrs["inferred"]
    assert gate.attrs["name"].startswith("待核实入口")
    assert gate.tags["youlu:found"] == "nearest_street"
    origin = (compound.geom.centroid.x, compound.geom.centroid.y)
    polygon = to_metres(compound.geom, origin=origin)
    outside = [to_metres(s, origin=origin).difference(polygon) for s in _streets_raw(path)]
    nearest = min((o for o in outside if not o.is_empty), key=lambda o: o.distance(polygon.boundary))
    others = [to_metres(c.geom, origin=origin) for c in extract.features["community"] if c is not compound]
    clear = polygon.boundary.difference(shapely.union_all(others).buffer(CLEAR_OF_NEIGHBOUR_M))
    expected = shapely.ops.nearest_points(clear, nearest)[0]
    at = to_metres(gate.point, origin=origin)
    assert at.distance(expected) < 0.5
    assert polygon.boundary.distance(at) < 0.5
    assert min((o.distance(at) for o in others), default=np.inf) >= CLEAR_OF_NEIGHBOUR_M - 0.01
    assert float(gate.tags["youlu:distance_m"]) == pytest.approx(nearest.distance(polygon.boundary), abs=0.1)


@pytest.mark.parametrize("name", ["富润家园", "静淑苑"])
def test_a_compound_without_gate_or_road_gets_one_proposed_entrance(name: str) -> None:
    # Neither compound has a gate mapped nor a road entering it: the importer proposes the
    # boundary point nearest the nearest street outside it, marked for the office to check.
    extract = read_extract("qinghuadonglu")
    compound = _compound(extract, name)
    gates = _gates_of(extract, compound)
    assert [g.source for g in gates] == ["proposed"]
    _assert_at_nearest_street(QINGHUADONGLU, extract, compound, gates[0])


def _write_copy(source: Path, target: Path, *, move: dict[int, tuple[float, float]] | None = None,
                new_nodes: dict[int, tuple[float, float]] | None = None,
                new_ways: dict[int, tuple[list[int], dict[str, str]]] | None = None,
                untag: set[int] | None = None) -> None:
    """``source`` written to ``target`` with nodes moved (id → lon, lat), nodes and ways
    added, and the gate tags (barrier, entrance) of ``untag`` removed."""
    move, untag = move or {}, untag or set()
    processor = osmium.FileProcessor(str(source))
    with osmium.SimpleWriter(str(target), header=processor.header, overwrite=True) as writer:
        for obj in processor:
            if obj.is_node() and obj.id in move:
                writer.add_node(obj.replace(location=osmium.osm.Location(*move[obj.id])))
            elif obj.is_node() and obj.id in untag:
                writer.add_node(obj.replace(tags={t.k: t.v for t in obj.tags
                                                  if t.k not in ("barrier", "entrance")}))
            else:
                writer.add(obj)
        for node_id, (lon, lat) in (new_nodes or {}).items():
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat), version=1,
                                                    tags={}))
        for way_id, (refs, tags) in (new_ways or {}).items():
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags, version=1))


def _mapped_gate(extract: OsmExtract) -> tuple[ImportedFeature, ImportedFeature]:
    """A mapped gate and its compound."""
    gate = next(g for g in extract.features["gate"] if g.source == "osm")
    compound = next(c for c in extract.features["community"]
                    if ("community", c.osm_type, c.osm_id) == gate.parent)
    return gate, compound


def test_a_gate_60_m_out_on_the_compounds_wall_ring_is_matched(tmp_path: Path) -> None:
    # The compound's wall drawn as a ring 60 m outside its landuse outline, and one of its
    # mapped gates moved onto that ring, at the vertex farthest from every other compound.
    extract = read_extract("qinghuadonglu")
    gate, compound = _mapped_gate(extract)
    origin = (compound.geom.centroid.x, compound.geom.centroid.y)
    others = shapely.union_all([to_metres(c.geom, origin=origin) for c in extract.features["community"]
                                if c.key != compound.key])
    ring = to_metres(compound.geom, origin=origin).buffer(60.0, quad_segs=2).exterior
    corners = list(ring.coords)[:-1]
    at = max(range(len(corners)), key=lambda k: others.distance(Point(corners[k])))
    assert others.distance(Point(corners[at])) > settings.GATE_MATCH_DISTANCE_M
    corners = corners[at:] + corners[:at]
    lonlat = [from_metres(Point(c), origin=origin).coords[0] for c in corners]
    new_ids = list(range(9_000_000_001, 9_000_000_000 + len(lonlat)))
    refs = [gate.osm_id, *new_ids, gate.osm_id]
    copy = tmp_path / "wall_ring.osm"
    _write_copy(QINGHUADONGLU, copy, move={gate.osm_id: lonlat[0]},
                new_nodes=dict(zip(new_ids, lonlat[1:], strict=True)),
                new_ways={9_000_000_000: (refs, {"barrier": "wall"})})
    moved = read_osm_extract(copy)
    found = next(g for g in moved.features["gate"] if g.key == gate.key)
    assert found.parent == gate.parent
    assert found.tags["youlu:matched"] == "on_wall"
    assert moved.skipped["gate_not_near_compound"] == extract.skipped["gate_not_near_compound"]
    # without the wall the same moved node is too far from any compound
    bare = tmp_path / "no_wall.osm"
    _write_copy(QINGHUADONGLU, bare, move={gate.osm_id: lonlat[0]})
    assert gate.key not in {g.key for g in read_osm_extract(bare).features["gate"]}


def test_a_compound_stripped_of_its_gates_gets_a_proposal(tmp_path: Path) -> None:
    # bupt's mapped gates lose their gate tags. The compound whose north gate sits on a
    # service stub ending short of the outline has no road entering it: it gets a proposed
    # entrance at the boundary point nearest a street; every other compound keeps an
    # inferred one where a road enters, and no proposal.
    path = OSM_DIR / EXTRACTS["bupt"][0]
    extract = read_extract("bupt")
    mapped = {g.osm_id for g in extract.features["gate"] if g.source == "osm"}
    copy = tmp_path / "no_gates.osm"
    _write_copy(path, copy, untag=mapped)
    stripped = read_osm_extract(copy)
    assert not [g for g in stripped.features["gate"] if g.source == "osm"]
    proposed = 0
    for compound in stripped.features["community"]:
        sources = [g.source for g in _gates_of(stripped, compound)]
        assert sources, compound.attrs["name"]
        if "proposed" in sources:
            assert sources == ["proposed"]
            _assert_at_nearest_street(path, stripped, compound, _gates_of(stripped, compound)[0])
            proposed += 1
        else:
            assert set(sources) == {"inferred"}
    assert proposed == 1
    assert not [g for g in extract.features["gate"] if g.source == "proposed"]


def test_a_route_through_a_proposed_entrance_says_so(
        streets: dict[str, StreetGraph], access: dict[str, AccessData],
        networks: dict[str, AccessNetwork]) -> None:
    extract = read_extract("qinghuadonglu")
    compound = _compound(extract, "静淑苑")
    door = next(d for d in access["qinghuadonglu"].doors
                if d.kind == "building" and d.compound_id == compound.osm_id)
    start = _start_300_m_out(streets["qinghuadonglu"], door, compound.geom)
    route: dict[str, Any] = route_to_door(networks["qinghuadonglu"], start, ("building", door.id),
                                          at=NOON, compare=False)
    assert route["gate"]["origin"] == "proposed"
    assert route["gate"]["note_zh"] == UNCONFIRMED_GATE_ZH
    assert f"进入（{UNCONFIRMED_GATE_ZH}）" in route["instructions"]


def _road_vertex_out(path: Path, extract: OsmExtract, gate: ImportedFeature, compound: ImportedFeature
                     ) -> tuple[int, list[int], int] | None:
    """A road (way id, node refs, index of a vertex) that crosses ``compound``'s outline
    and has a vertex 40-100 m outside it, farther than the match distance from every
    outline; not a road through ``gate``."""
    origin = (compound.geom.centroid.x, compound.geom.centroid.y)
    outline = to_metres(compound.geom, origin=origin)
    outlines = shapely.union_all([to_metres(c.geom, origin=origin).boundary
                                  for c in extract.features["community"]])
    roads = set(tag_rules()["road_crossing"]["highway"])
    ways = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
    for way in ways:
        refs = [n.ref for n in way.nodes] if way.is_way() else []
        if way.tags.get("highway") not in roads or gate.osm_id in refs or len(refs) < 2:
            continue
        points = [to_metres(Point(n.lon, n.lat), origin=origin) for n in way.nodes]
        if not LineString(points).intersects(outline.boundary):
            continue
        k = next((k for k, p in enumerate(points) if 40 <= outline.boundary.distance(p) <= 100
                  and not outline.covers(p) and outlines.distance(p) > settings.GATE_MATCH_DISTANCE_M), None)
        if k is not None:
            return way.id, refs, k
    return None


@pytest.mark.parametrize("name", ["qinghuadonglu", "bupt"])
def test_a_gate_40_to_100_m_out_on_a_road_into_the_compound_is_matched(name: str, tmp_path: Path) -> None:
    # A mapped gate moved onto a road that crosses its compound's outline, at a vertex of
    # that road 40-100 m outside it and more than the match distance from every outline.
    path = OSM_DIR / EXTRACTS[name][0]
    extract = read_extract(name)
    candidates = [(g, c) for g in extract.features["gate"] if g.source == "osm"
                  for c in extract.features["community"] if ("community", c.osm_type, c.osm_id) == g.parent]
    gate, compound, (way_id, refs, k) = next(
        (g, c, found) for g, c in candidates if (found := _road_vertex_out(path, extract, g, c)))
    vertex = next((n.lon, n.lat) for n in osmium.FileProcessor(str(path), osmium.osm.NODE) if n.id == refs[k])
    copy = tmp_path / "gate_on_road.osm"
    processor = osmium.FileProcessor(str(path))
    with osmium.SimpleWriter(str(copy), header=processor.header, overwrite=True) as writer:
        for obj in processor:
            if obj.is_node() and obj.id == gate.osm_id:
                writer.add_node(obj.replace(location=osmium.osm.Location(*vertex)))
            elif obj.is_way() and obj.id == way_id:
                writer.add_way(obj.replace(nodes=[gate.osm_id if i == k else r for i, r in enumerate(refs)]))
            else:
                writer.add(obj)
    moved = read_osm_extract(copy)
    matched = next(g for g in moved.features["gate"] if g.key == gate.key)
    assert matched.parent == gate.parent
    assert matched.tags["youlu:matched"] == "on_road"
