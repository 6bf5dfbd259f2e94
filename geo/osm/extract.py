"""Read a real OSM extract into Youlu features: compounds, gates, buildings, units,
internal paths and facilities. Pure: no database, no Flask.

The file is read by ``geo.osm.reader`` (any format; clipped files cut) and its elements
shaped by ``geo.osm.shapes``. OSM data has three quirks this module handles (see
data/osm/PROVENANCE.md): an extract reaches beyond its bounds (features are kept where
they touch the bounds, or touch a compound that does); gates are not vertices of
compound polygons (they sit on the compound's walls or on the road at its entrance);
and many compounds have no gate mapped where a road enters them. Which gate is whose,
which are inferred and which proposed is ``geo.osm.entrances``'s; this module reads the
file and makes the features.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import STRtree
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.address.division_areas import is_division_boundary
from geo.address.numbering import bare_number, parse_building_number, parse_unit_number
from geo.errors import InvalidImportFile
from geo.osm import entrances
from geo.osm.reader import OsmData, OsmFile, read_osm
from geo.osm.shapes import Element, elements

KINDS = ("community", "building", "gate", "unit", "path", "facility")


@cache
def tag_rules() -> dict[str, Any]:
    """The OSM tag mapping from data/osm_tags.json."""
    rules: dict[str, Any] = json.loads((settings.DATA_DIR / "osm_tags.json").read_text(encoding="utf-8"))
    return rules


@dataclass
class ImportedFeature:
    """One feature read from OSM, ready to be stored.

    ``attrs`` are model column values; ``parent`` names the feature it belongs to as
    ``(kind, osm_type, osm_id)`` (a gate's compound, a unit's building); ``community``
    names a unit's compound (its building's parent).
    """

    kind: str
    osm_type: str
    osm_id: int
    geom: BaseGeometry
    attrs: dict[str, Any]
    tags: dict[str, str]
    parent: tuple[str, str, int] | None = None
    source: str = "osm"
    community: tuple[str, str, int] | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.osm_type, self.osm_id)

    @property
    def point(self) -> Point:
        """``geom`` of a point feature (a gate, unit door or facility: an OSM node)."""
        return cast(Point, self.geom)

    def content_hash(self) -> str:
        """A digest of everything imported, to tell changed OSM data from unchanged."""
        payload = json.dumps(
            [self.attrs, self.tags, self.parent, shapely.to_wkt(self.geom, rounding_precision=7)],
            sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class OsmExtract:
    """Everything read from one file, by kind, plus what was skipped and why (with the
    ways cut or dropped at missing nodes of a clipped file: ``way_cut_at_missing_nodes``,
    ``way_dropped_missing_nodes``, ``missing_node_refs``, ``relation_missing_ways``).
    ``source`` holds the file's facts (hash, format, counts); ``bounds`` is its bounds
    rule's box (W, S, E, N); ``division_relations`` counts its relations tagged as a
    division boundary (``geo.address.division_areas.is_division_boundary``)."""

    path: Path
    bounds: tuple[float, float, float, float] | None
    source: OsmFile
    division_relations: int = 0
    features: dict[str, list[ImportedFeature]] = field(
        default_factory=lambda: {kind: [] for kind in KINDS})
    skipped: Counter[str] = field(default_factory=Counter)

    def counts(self) -> dict[str, int]:
        return {kind: len(items) for kind, items in self.features.items()}


def read_osm_extract(path: str | Path, *, data: OsmData | None = None) -> OsmExtract:
    """Read an OSM file (.osm, .osm.bz2, .osm.gz, .osm.pbf) into features; ``data`` is
    the file already read by ``read_osm`` (an import reads it once for everything).

    Raises ``InvalidImportFile`` for a missing, empty, truncated, corrupt or non-OSM file
    or one without map features; nothing is returned half-read.
    """
    path = Path(path)
    data = data if data is not None else read_osm(path)
    found, incomplete = elements(data)
    if not found:
        raise InvalidImportFile(f"文件“{path.name}”里没有任何地图要素：请确认导出的范围和内容",
                                f"file {path.name} holds no map features; check the exported area")
    source = data.file
    extract = OsmExtract(path=path, bounds=source.bounds, source=source,
                         division_relations=sum(is_division_boundary(r.tags) for r in data.relations))
    clipped = {"missing_node_refs": source.missing_refs, "way_cut_at_missing_nodes": source.ways_cut,
               "way_dropped_missing_nodes": source.ways_dropped, "relation_missing_ways": incomplete}
    extract.skipped.update({k: v for k, v in clipped.items() if v})
    _Reader(found, extract).run()
    return extract


def _int_tag(tags: dict[str, str], key: str) -> int | None:
    value = tags.get(key, "")
    return int(value) if value.isdigit() else None


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    """A valid (Multi)Polygon from ``geom``, repaired if needed, or None."""
    if isinstance(geom, LineString) and geom.is_closed and len(geom.coords) >= 4:
        geom = Polygon(geom.coords)
    if not isinstance(geom, (Polygon, MultiPolygon)):
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]
        if not parts:
            return None
        geom = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return geom if not geom.is_empty else None


def _stable_id(*parts: Any) -> int:
    """A positive 63-bit id from ``parts``: the key of an inferred feature."""
    return int(hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:15], 16)


class _Reader:
    """One pass over the tagged elements of a file, filling an ``OsmExtract``.

    Elements touching the bounds are read; after the compounds, so are those outside
    that touch a compound (a building of a border compound whose centre lies outside).
    """

    def __init__(self, found: list[Element], extract: OsmExtract) -> None:
        self.rules = tag_rules()
        self.extract = extract
        geoms = np.array([e.geometry for e in found], dtype=object)
        inside = shapely.intersects(geoms, shapely.box(*extract.bounds)) if extract.bounds else None
        west, south, east, north = extract.bounds or shapely.total_bounds(geoms)
        self.metric_crs = (f"+proj=aeqd +lat_0={(south + north) / 2} "
                           f"+lon_0={(west + east) / 2} +units=m +ellps=WGS84")
        metric = _to_metric(geoms, self.metric_crs)
        rows = [(e, e.tags, metric[i]) for i, e in enumerate(found)]
        self.rows = [r for i, r in enumerate(rows) if inside is None or inside[i]]
        self.outside = [r for i, r in enumerate(rows) if inside is not None and not inside[i]]

    def run(self) -> None:
        self.communities = self._communities()
        self.rows += [r for r in self.outside
                      if len(self.community_tree.query(r[2], predicate="intersects"))]
        self._buildings()
        self.ways = self._ways()
        gates = self._gates_and_units()
        self._number_units()
        self._guessed_gates(gates)
        self._paths()
        self._facilities()

    def _add(self, feature: ImportedFeature) -> None:
        self.extract.features[feature.kind].append(feature)

    # --- compounds -----------------------------------------------------------------
    def _communities(self) -> list[tuple[ImportedFeature, BaseGeometry]]:
        rules = self.rules["community"]
        found: list[tuple[ImportedFeature, BaseGeometry]] = []
        self.named_streets = [(tags["name"], metric) for _, tags, metric in self.rows
                              if "highway" in tags and "name" in tags and isinstance(metric, LineString)]
        self.named_street_tree = STRtree([m for _, m in self.named_streets])
        for row, tags, metric in self.rows:
            by_tag = any(tags.get(k) in v for k, v in rules["polygon_tags"].items())
            ring = "name" in tags and any(
                tags.get(k) in v for k, v in rules["named_ring_tags"].items())
            if not (by_tag or ring):
                continue
            geom, metric_geom = _polygonal(row.geometry), _polygonal(metric)
            if geom is None or metric_geom is None:
                self.extract.skipped["community_not_polygon"] += 1
                continue
            if metric_geom.area < settings.MIN_COMMUNITY_AREA_M2:
                self.extract.skipped["community_too_small"] += 1
                continue
            name = tags.get("name")
            feature = ImportedFeature(
                "community", row["element"], int(row["id"]), geom,
                {"name": name or self._placeholder_name(metric_geom, row),
                 "name_is_placeholder": name is None}, tags)
            self._add(feature)
            found.append((feature, metric_geom))
        self.community_tree = STRtree([m for _, m in found])
        self.outlines = [entrances.Outline(f.key, m) for f, m in found]
        return found

    def _ways(self) -> list[entrances.Way]:
        """The roads, paths, walls and fences, as lines in metres (a closed wall: its ring)."""
        ways = []
        for row, tags, metric in self.rows:
            if row["element"] != "way" or not ("highway" in tags or "barrier" in tags):
                continue
            line = metric.exterior if isinstance(metric, Polygon) and "barrier" in tags else metric
            if isinstance(line, LineString):
                ways.append(entrances.Way(int(row["id"]), LineString(line.coords), tags))
        return ways

    def _placeholder_name(self, metric_geom: BaseGeometry, row: Element) -> str:
        """``未命名小区（<street>旁）`` after the nearest named street within 200 m (the
        first in file order among equals), else after the element's OSM id."""
        near = self.named_street_tree.query_nearest(metric_geom, max_distance=200, all_matches=True)
        if len(near):
            return f"未命名小区（{self.named_streets[int(min(near))][0]}旁）"
        return f"未命名小区（OSM {row['element']} {row['id']}）"

    def _community_at(self, metric_point: BaseGeometry) -> ImportedFeature | None:
        hits = self.community_tree.query(metric_point, predicate="within")
        if len(hits) == 0:
            return None
        # The smallest compound containing the point (nested compounds happen).
        best = int(min(hits, key=lambda i: self.communities[i][1].area))
        return self.communities[best][0]

    @staticmethod
    def _parent(feature: ImportedFeature | None) -> tuple[str, str, int] | None:
        return (feature.kind, feature.osm_type, feature.osm_id) if feature else None

    # --- buildings -------------------------------------------------------------------
    def _buildings(self) -> None:
        polygons: list[BaseGeometry] = []
        self.building_features: list[ImportedFeature] = []
        for row, tags, metric in self.rows:
            if tags.get("building", "no") == "no":
                continue
            geom, metric_geom = _polygonal(row.geometry), _polygonal(metric)
            if geom is None or metric_geom is None:
                continue
            name = tags.get("name")
            number = (parse_building_number(name) or bare_number(tags.get("addr:housenumber"))
                      or bare_number(tags.get("ref"))
                      or parse_building_number(tags.get("addr:housenumber")))
            community = self._community_at(metric_geom.representative_point())
            feature = ImportedFeature(
                "building", row["element"], int(row["id"]), geom,
                {"name": name, "number": number, "floors": _int_tag(tags, "building:levels")},
                tags, self._parent(community))
            self._add(feature)
            self.building_features.append(feature)
            polygons.append(metric_geom.boundary)
        self.building_tree = STRtree(polygons)

    # --- gates and unit doors (which gate is whose: geo.osm.entrances) ---------------------
    def _gates_and_units(self) -> list[entrances.Entrance]:
        gate_rules, unit_rules = self.rules["gate"], self.rules["unit"]
        nodes: list[entrances.GateNode] = []
        self.gate_rows: dict[int, Element] = {}
        for row, tags, metric in self.rows:
            if row["element"] != "node":
                continue
            is_gate = tags.get("barrier") in gate_rules["barrier"]
            entrance = tags.get("entrance")
            if not is_gate and entrance is None:
                continue
            if entrance is not None and not is_gate:
                building = self._building_at(metric, unit_rules["max_distance_to_building_m"])
                if building is not None:
                    if entrance in unit_rules["entrance"]:
                        self._add(self._unit(row, tags, building))
                    continue
            nodes.append(entrances.GateNode(int(row["id"]), metric, tags))
            self.gate_rows[int(row["id"])] = row
        matched, unmatched = entrances.match_gates(
            self.outlines, nodes, self.ways, self.rules["road_crossing"]["highway"])
        self.extract.skipped["gate_not_near_compound"] += len(unmatched)
        for gate in matched:
            assert gate.node is not None
            self._add(ImportedFeature(
                "gate", "node", gate.node.osm_id, self.gate_rows[gate.node.osm_id].geometry,
                self._gate_attrs(dict(gate.node.tags)), {**gate.node.tags, "youlu:matched": gate.found},
                self._parent(self.communities[gate.compound][0])))
        return matched

    def _number_units(self) -> None:
        """Number the doors of a building west to east where OSM gives no numbers.

        Chinese residential buildings number their units from west to east; doors
        numbered this way carry ``tags["youlu:number"] = "inferred"``.
        """
        by_building: dict[tuple[str, str, int] | None, list[ImportedFeature]] = {}
        for unit in self.extract.features["unit"]:
            by_building.setdefault(unit.parent, []).append(unit)
        for units in by_building.values():
            if any(u.attrs["number"] for u in units):
                continue
            for n, unit in enumerate(sorted(units, key=lambda u: u.point.x), start=1):
                unit.attrs["number"] = str(n)
                unit.tags["youlu:number"] = "inferred"

    def _building_at(self, metric_point: BaseGeometry, max_m: float) -> ImportedFeature | None:
        if not self.building_features:
            return None
        index, distance = self.building_tree.query_nearest(
            metric_point, max_distance=max_m, return_distance=True, all_matches=False)
        if len(index) == 0:
            return None
        return self.building_features[int(index[0])]

    def _unit(self, row: Element, tags: dict[str, str], building: ImportedFeature) -> ImportedFeature:
        name = tags.get("name")
        number = (bare_number(tags.get("addr:unit")) or bare_number(tags.get("ref"))
                  or parse_unit_number(name))
        return ImportedFeature(
            "unit", "node", int(row["id"]), row.geometry,
            {"name": name, "number": number, "floors": _int_tag(tags, "building:levels"),
             "elevator": {"yes": True, "no": False}.get(tags.get("elevator", ""))},
            tags, self._parent(building), community=building.parent)

    def _gate_attrs(self, tags: dict[str, str]) -> dict[str, Any]:
        rules = self.rules["gate"]
        access = tags.get("access")
        closed = tags.get("locked") == "yes" or access in rules["closed_access"]
        if tags.get("entrance") == "emergency":
            closed = True
        return {
            "name": tags.get("name"),
            "number": bare_number(tags.get("ref")) or tags.get("ref"),
            "kind": tags.get("barrier") or "entrance",
            "inferred": False,
            "foot": tags.get("foot") != "no",
            "ebike": tags.get("bicycle") != "no",
            "rider_access": "closed" if closed else "open",
            "opening_hours": tags.get("opening_hours"),
        }

    # --- gates inferred where roads enter a compound, proposed where none does ---------------
    def _guessed_gates(self, known: list[entrances.Entrance]) -> None:
        rules = self.rules["road_crossing"]
        to_wgs = _metric_to_wgs(self.metric_crs)
        inferred = entrances.infer_crossings(self.outlines, self.ways, known, rules["highway"])
        proposed = entrances.propose_entrances(self.outlines, self.ways, [*known, *inferred],
                                               self.rules["proposed_entrance"]["highway"])
        for guess in (*inferred, *proposed):
            assert guess.way is not None
            community = self.communities[guess.compound][0]
            lon, lat = to_wgs(guess.point.x, guess.point.y)
            highway, street = guess.way.tags["highway"], guess.way.tags.get("name")
            if guess.source == entrances.INFERRED:
                key = _stable_id(guess.way.osm_id, community.osm_type, community.osm_id,
                                 round(lon, 6), round(lat, 6))
                name = f"推断出入口（{street}）" if street else "推断出入口"
                tags = {"highway": highway, "osm_way": str(guess.way.osm_id)}
            else:
                key = _stable_id(guess.source, community.osm_type, community.osm_id)
                name = f"待核实入口（{street}旁）" if street else "待核实入口"
                tags = {"highway": highway, "osm_way": str(guess.way.osm_id),
                        "youlu:found": guess.found, "youlu:distance_m": f"{guess.distance_m:.1f}"}
            self._add(ImportedFeature(
                "gate", guess.source, key, Point(lon, lat),
                {"name": name, "number": None, "kind": guess.source, "inferred": True,
                 "foot": True, "ebike": highway not in rules["foot_only"],
                 "rider_access": "open", "opening_hours": None},
                tags, self._parent(community), source=guess.source))

    # --- internal paths and facilities -------------------------------------------------------
    def _paths(self) -> None:
        rules = self.rules["internal_path"]
        for row, tags, metric in self.rows:
            highway = tags.get("highway")
            if highway not in rules["highway"] or not isinstance(metric, LineString):
                continue
            best: tuple[float, ImportedFeature] | None = None
            for i in self.community_tree.query(metric, predicate="intersects"):
                community, polygon = self.communities[int(i)]
                share = metric.intersection(polygon).length / max(metric.length, 1e-9)
                if share >= rules["min_share_inside"] and (best is None or share > best[0]):
                    best = (share, community)
            if best is None:
                continue
            self._add(ImportedFeature(
                "path", row["element"], int(row["id"]), row.geometry,
                {"name": tags.get("name"),
                 "mode": "foot" if highway in rules["foot_only"] else "both"},
                tags, self._parent(best[1])))

    def _facilities(self) -> None:
        for row, tags, metric in self.rows:
            kind = next((rule["kind"] for rule in self.rules["facility"]
                         if any(tags.get(k) in v for k, v in rule["match"].items())), None)
            if kind is None:
                continue
            point = row.geometry if isinstance(row.geometry, Point) else row.geometry.representative_point()
            metric_point = metric if isinstance(metric, Point) else metric.representative_point()
            community = self._community_at(metric_point)
            self._add(ImportedFeature(
                "facility", row["element"], int(row["id"]), point,
                {"kind": kind, "name": tags.get("name"),
                 "capacity": _int_tag(tags, "capacity"),
                 "opening_hours": tags.get("opening_hours"),
                 "operator": tags.get("operator"),
                 "shaded": True if tags.get("covered") == "yes" else None,
                 "charging": True if kind == "charger" else None,
                 "charger_type": "pile" if kind == "charger" else None},
                tags, self._parent(community)))


def _to_metric(geoms: NDArray[np.object_], metric_crs: str) -> NDArray[np.object_]:
    """``geoms`` (2-D, WGS-84) in ``metric_crs``, transformed as geopandas' ``to_crs``
    does it (the same coordinates to the bit), without importing geopandas and pandas."""
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
    coords = shapely.get_coordinates(geoms)
    moved = transformer.transform(coords[:, 0], coords[:, 1])
    metric: NDArray[np.object_] = shapely.set_coordinates(geoms.copy(), np.array(moved).T)
    return metric


def _metric_to_wgs(metric_crs: str) -> Any:
    from pyproj import Transformer
    transformer = Transformer.from_crs(metric_crs, "EPSG:4326", always_xy=True)
    return lambda x, y: transformer.transform(x, y)


__all__ = ["KINDS", "ImportedFeature", "OsmExtract", "read_osm_extract", "tag_rules"]
