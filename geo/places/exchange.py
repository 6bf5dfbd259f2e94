"""Feature files in and out: GeoJSON, GeoPackage and OSM XML. Pure: no database.

Features travel as *layers*: ``{resource: [GeoJSON Feature dict, ...]}`` with the
resources ``communities``, ``buildings``, ``gates``, ``units``, ``paths``,
``facilities``; geometry (lon, lat) in WGS-84 (EPSG:4326).

- GeoJSON: one FeatureCollection; each feature's ``properties.layer`` names its layer.
- GeoPackage: one table per layer; the type of every column (int, bool, JSON list…)
  is kept in the layer's metadata so that values read back exactly as written.
- OSM XML (write only): new objects with negative ids, tags mapped back from our
  attributes (data/osm_export_tags.json), so that JOSM opens the file and an office
  can contribute its gates and entrances to OpenStreetMap.
"""

from __future__ import annotations

import itertools
import json
import math
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.errors import InvalidImportFile, InvalidInput
from geo.json_input import parse_json
from geo.osm.reader import FORMATS as OSM_FORMATS

LAYERS = ("communities", "buildings", "gates", "units", "paths", "facilities")
FORMATS = {"geojson": ".geojson", "gpkg": ".gpkg", "osm": ".osm"}
READABLE_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}
LAYER_KEY = "layer"
OSM_PRECISION = 7  # decimals of lon/lat in OSM XML (about 1 cm)
_TYPES_KEY = "youlu_types"
Layers = dict[str, list[dict[str, Any]]]


@cache
def export_tag_rules() -> dict[str, Any]:
    """The attribute → OSM tag mapping from data/osm_export_tags.json."""
    rules: dict[str, Any] = json.loads(
        (settings.DATA_DIR / "osm_export_tags.json").read_text(encoding="utf-8"))
    return rules


def empty_layers() -> Layers:
    return {name: [] for name in LAYERS}


def write_layers(layers: Layers, path: str | Path, fmt: str) -> int:
    """Write ``layers`` to ``path`` as ``fmt`` (geojson, gpkg, osm); features written."""
    path = Path(path)
    if fmt == "geojson":
        return write_geojson(layers, path)
    if fmt == "gpkg":
        return write_gpkg(layers, path)
    if fmt == "osm":
        return write_osm(layers, path)
    msg = f"unknown format {fmt!r}"
    raise ValueError(msg)


def read_layers(path: str | Path) -> Layers:
    """Layers from a GeoJSON or GeoPackage file; ``InvalidImportFile`` for anything else
    or a file that is not what its name says."""
    path = Path(path)
    if not path.is_file():
        raise InvalidImportFile(f"找不到文件“{path}”", f"no such file: {path}")
    if path.stat().st_size == 0:
        raise InvalidImportFile(f"文件“{path.name}”是空的", f"file {path.name} is empty")
    kind = READABLE_SUFFIXES.get(path.suffix.lower())
    if path.name.lower().endswith(tuple(OSM_FORMATS)):
        raise InvalidImportFile(
            f"“{path.name}”是 OSM 文件：请用 flask --app app import-osm 导入",
            f"{path.name} is an OSM file: import it with `flask --app app import-osm`")
    if kind is None:
        raise InvalidImportFile(
            f"不支持的文件类型“{path.suffix}”：可导入 .geojson、.json 或 .gpkg",
            f"unsupported file type {path.suffix!r}: use .geojson, .json or .gpkg")
    return read_geojson(path) if kind == "geojson" else read_gpkg(path)


# --- GeoJSON ------------------------------------------------------------------------------
def write_geojson(layers: Layers, path: Path) -> int:
    """One FeatureCollection with every layer's features (``properties.layer`` set)."""
    features = [
        {"type": "Feature", "id": f.get("id"), "geometry": f["geometry"],
         "properties": {LAYER_KEY: name, "id": f.get("id"), **f["properties"]}}
        for name in LAYERS for f in layers.get(name, [])]
    body = {"type": "FeatureCollection", "name": "youlu", "features": features}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(features)


def read_geojson(path: Path) -> Layers:
    """Layers from a FeatureCollection written by ``write_geojson`` (or by hand)."""
    body = parse_json(path.read_bytes(), what=(f"文件“{path.name}”", path.name),
                      error=InvalidImportFile)
    if not isinstance(body, dict) or body.get("type") != "FeatureCollection" \
            or not isinstance(body.get("features"), list):
        raise InvalidImportFile(f"文件“{path.name}”不是 GeoJSON FeatureCollection",
                                f"{path.name} is not a GeoJSON FeatureCollection")
    layers = empty_layers()
    for number, feature in enumerate(body["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            raise InvalidImportFile(f"第 {number} 个要素没有 properties",
                                    f"feature {number} has no properties")
        name = props.get(LAYER_KEY)
        if name not in layers:
            raise InvalidImportFile(
                f"第 {number} 个要素的 properties.layer 应为 {'、'.join(LAYERS)} 之一，收到“{name}”",
                f"feature {number}: properties.layer must be one of {', '.join(LAYERS)}, "
                f"got {name!r}")
        props = {k: v for k, v in props.items() if k != LAYER_KEY}
        layers[name].append({"type": "Feature", "id": props.get("id", feature.get("id")),
                             "geometry": feature.get("geometry"), "properties": props})
    return layers


# --- GeoPackage -----------------------------------------------------------------------------
def _column_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if any(isinstance(v, (list, dict)) for v in present):
        return "json"
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float"
    return "str"


_PANDAS_DTYPE: dict[str, Literal["boolean", "Int64", "Float64", "string"]] = {
    "bool": "boolean", "int": "Int64", "float": "Float64", "str": "string", "json": "string"}


def write_gpkg(layers: Layers, path: Path) -> int:
    """One GeoPackage table per non-empty layer, EPSG:4326; overwrites ``path``."""
    import geopandas as gpd  # pandas and GDAL: imported for a GeoPackage, not by every worker
    import pandas as pd
    import pyogrio

    path.unlink(missing_ok=True)
    written = 0
    for name in LAYERS:
        features = layers.get(name) or []
        if not features:
            continue
        rows = [{"id": f.get("id"), **f["properties"]} for f in features]
        columns = list(dict.fromkeys(k for row in rows for k in row))
        types = {c: _column_type([row.get(c) for row in rows]) for c in columns}
        data = {c: pd.array([_to_cell(row.get(c), types[c]) for row in rows],
                            dtype=_PANDAS_DTYPE[types[c]]) for c in columns}
        frame = gpd.GeoDataFrame(data, geometry=[shape(f["geometry"]) for f in features],
                                 crs="EPSG:4326")
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG",
                                geometry_type="Unknown", promote_to_multi=False,
                                layer_metadata={_TYPES_KEY: json.dumps(types)})
        written += len(features)
    if not written:
        gpd.GeoDataFrame({"id": pd.array([], dtype="Int64")}, geometry=[], crs="EPSG:4326") \
            .to_file(path, layer="communities", driver="GPKG")
    return written


def _to_cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False) if kind == "json" else value


def _from_cell(value: Any, kind: str) -> Any:
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "json":
        return parse_json(str(value), what=("单元格", "a cell"))
    if kind == "bool":
        return bool(value)
    if kind == "int":
        if isinstance(value, float) and not value.is_integer():
            msg = f"{value} is not a whole number"
            raise ValueError(msg)
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def read_gpkg(path: Path) -> Layers:
    """Layers from a GeoPackage written by ``write_gpkg``; unknown tables are refused."""
    import pyogrio

    try:
        names = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as error:  # GDAL raises its own kinds for a file it cannot read
        raise InvalidImportFile(f"文件“{path.name}”不是可读的 GeoPackage：{error}",
                                f"{path.name} is not a readable GeoPackage: {error}") from error
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise InvalidImportFile(
            f"GeoPackage 里有未知的图层：{'、'.join(unknown)}（可用 {'、'.join(LAYERS)}）",
            f"unknown layers in the GeoPackage: {', '.join(unknown)} "
            f"(expected {', '.join(LAYERS)})")
    layers = empty_layers()
    for name in names:
        info = pyogrio.read_info(path, layer=name)
        types = _column_types(name, (info.get("layer_metadata") or {}).get(_TYPES_KEY))
        frame = pyogrio.read_dataframe(path, layer=name)
        if frame.crs is not None and frame.crs.to_epsg() not in (4326, None):
            frame = frame.to_crs("EPSG:4326")
        for number, (record, geom) in enumerate(zip(
                frame.drop(columns="geometry").to_dict("records"), frame.geometry, strict=True),
                start=1):
            props = {c: _read_cell(name, number, c, v, types.get(c, "str"))
                     for c, v in record.items()}
            layers[name].append({"type": "Feature", "id": props.get("id"),
                                 "geometry": mapping(geom) if geom is not None else None,
                                 "properties": props})
    return layers


def _column_types(layer: str, metadata: str | None) -> dict[str, str]:
    """The column types a layer's ``youlu_types`` metadata declares (none: all text)."""
    types = parse_json(metadata or "{}", what=(f"图层 {layer} 的 {_TYPES_KEY} 元数据",
                                               f"the {_TYPES_KEY} metadata of layer {layer}"),
                       error=InvalidImportFile)
    if not isinstance(types, dict) or not all(
            isinstance(kind, str) and kind in _PANDAS_DTYPE for kind in types.values()):
        raise InvalidImportFile(
            f"图层 {layer} 的 {_TYPES_KEY} 元数据应为“列名: 类型”，类型为 {'、'.join(_PANDAS_DTYPE)}",
            f"the {_TYPES_KEY} metadata of layer {layer} must map columns to one of "
            f"{', '.join(_PANDAS_DTYPE)}")
    return types


def _read_cell(layer: str, number: int, column: str, value: Any, kind: str) -> Any:
    """``_from_cell``, a value that is not of its column's type an ``InvalidImportFile``."""
    try:
        return _from_cell(value, kind)
    except (ValueError, TypeError, OverflowError, InvalidInput):
        raise InvalidImportFile(
            f"图层 {layer} 第 {number} 行的 {column} 应为 {kind} 类型，收到“{value}”",
            f"layer {layer} row {number}: {column} must be of type {kind}, got {value!r}",
            details={"layer": layer, "row": number, "column": column}) from None


# --- OSM XML ------------------------------------------------------------------------------
def osm_tags(resource: str, props: dict[str, Any], base: dict[str, str] | None = None
             ) -> dict[str, str]:
    """The OSM tags of a feature: ``base`` (the tags it was imported with, if any)
    updated from its attributes. Youlu's own bookkeeping tags are dropped; the feature's
    ``uid`` is written as ``youlu:uid``."""
    rules = export_tag_rules()
    tags = {k: v for k, v in (base or {}).items() if not k.startswith(rules["own_tag_prefix"])}
    if props.get("uid"):
        tags[f"{rules['own_tag_prefix']}uid"] = str(props["uid"])
    layer = rules.get(resource, {})
    for key, value in layer.get("default", {}).items():
        tags.setdefault(key, value)
    changes: dict[str, Any] = {}
    for attr, key in rules["attributes"].items():
        if attr in props:
            changes[key] = props[attr]
    if resource == "communities" and props.get("aliases"):
        changes["alt_name"] = ";".join(props["aliases"])
    if resource == "gates":
        kind = props.get("kind")
        changes["barrier"] = kind if kind in layer["barrier_kinds"] else layer["default_barrier"]
        access = props.get("rider_access", "open")
        changes["access"] = layer["rider_access"].get(access)
        if access != "closed":
            changes["locked"] = None
        changes["foot"] = _allowed(tags.get("foot"), props.get("foot", True))
        changes["bicycle"] = _allowed(tags.get("bicycle"), props.get("ebike", True))
    if resource == "units" and props.get("elevator") is not None:
        changes["elevator"] = "yes" if props["elevator"] else "no"
    if resource == "paths":
        mode = props.get("mode", "both")
        current = tags.get("highway")
        keeps = current is not None and ((current in layer["foot_only"]) == (mode == "foot"))
        changes["highway"] = current if keeps else layer["highway"][mode]
    if resource == "facilities":
        tags.update(layer["kinds"].get(props.get("kind"), {}))
        if props.get("shaded") is not None:
            changes["covered"] = "yes" if props["shaded"] else "no"
    for key, value in changes.items():
        if value is None or value == "":
            tags.pop(key, None)
        else:
            tags[key] = str(value)
    return tags


def _allowed(current: str | None, allowed: bool) -> str | None:
    if not allowed:
        return "no"
    return None if current == "no" else current


class _OsmWriter:
    """Builds the <osm> tree: new nodes, ways and relations with negative ids."""

    def __init__(self) -> None:
        self.ids = itertools.count(-1, -1)
        self.nodes: list[ET.Element] = []
        self.ways: list[ET.Element] = []
        self.relations: list[ET.Element] = []
        self.vertex_ids: dict[tuple[str, str], int] = {}
        self.last_tagged: ET.Element | None = None  # the element ``add`` wrote last

    @staticmethod
    def _coord(value: float) -> str:
        return f"{value:.{OSM_PRECISION}f}"

    def node(self, lon: float, lat: float, tags: dict[str, str] | None = None) -> int:
        key = (self._coord(lon), self._coord(lat))
        if tags is None and key in self.vertex_ids:
            return self.vertex_ids[key]
        node_id = next(self.ids)
        element = ET.Element("node", id=str(node_id), visible="true", lat=key[1], lon=key[0])
        self._tag(element, tags or {})
        self.nodes.append(element)
        if tags is None:
            self.vertex_ids[key] = node_id
        return node_id

    def way(self, coords: Any, tags: dict[str, str]) -> int:
        refs = [self.node(x, y) for x, y in coords]
        way_id = next(self.ids)
        element = ET.Element("way", id=str(way_id), visible="true")
        for ref in refs:
            ET.SubElement(element, "nd", ref=str(ref))
        self._tag(element, tags)
        self.ways.append(element)
        return way_id

    def area(self, geom: Polygon | MultiPolygon, tags: dict[str, str]) -> None:
        polygons = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
        if len(polygons) == 1 and not polygons[0].interiors:
            self.way(polygons[0].exterior.coords, tags)
            return
        members = []
        for polygon in polygons:
            members.append(("outer", self.way(polygon.exterior.coords, {})))
            members += [("inner", self.way(ring.coords, {})) for ring in polygon.interiors]
        element = ET.Element("relation", id=str(next(self.ids)), visible="true")
        for role, ref in members:
            ET.SubElement(element, "member", type="way", ref=str(ref), role=role)
        self._tag(element, {"type": "multipolygon", **tags})
        self.relations.append(element)

    def add(self, geom: BaseGeometry, tags: dict[str, str]) -> None:
        if isinstance(geom, (Polygon, MultiPolygon)):
            self.area(geom, tags)
        elif isinstance(geom, LineString):
            self.way(geom.coords, tags)
        else:
            point = cast(Point, geom)  # gates, units and facilities are points
            self.node(point.x, point.y, tags)

    def _tag(self, element: ET.Element, tags: dict[str, str]) -> None:
        for key in sorted(tags):
            ET.SubElement(element, "tag", k=key, v=tags[key])
        self.last_tagged = element

    @staticmethod
    def merge_tags(element: ET.Element, tags: dict[str, str]) -> None:
        """Add to ``element`` the ``tags`` it does not have yet."""
        present = {tag.get("k") for tag in element.iter("tag")}
        for key in sorted(tags):
            if key not in present:
                ET.SubElement(element, "tag", k=key, v=tags[key])

    def tree(self, bounds: tuple[float, float, float, float] | None) -> ET.ElementTree:
        root = ET.Element("osm", version="0.6", generator="Youlu 友路")
        if bounds is not None:
            west, south, east, north = bounds
            ET.SubElement(root, "bounds", minlat=self._coord(south), minlon=self._coord(west),
                          maxlat=self._coord(north), maxlon=self._coord(east))
        root.extend([*self.nodes, *self.ways, *self.relations])
        ET.indent(root)
        return ET.ElementTree(root)


def write_osm(layers: Layers, path: Path) -> int:
    """An OSM XML file (API 0.6) of ``layers`` as new objects; features written.

    A feature may carry ``"osm_tags"`` (the tags it was imported with): they are kept
    and updated from its attributes. Features made from one OSM element (``properties.osm``,
    e.g. a building that is also a toilet) are written as that one element, their tags
    merged, so that importing the file makes each of them once.
    """
    writer = _OsmWriter()
    count = 0
    bounds: tuple[float, float, float, float] | None = None
    written: dict[str, ET.Element] = {}  # OSM reference → the element written for it
    for name in LAYERS:
        for feature in layers.get(name, []):
            tags = osm_tags(name, feature["properties"], feature.get("osm_tags"))
            ref = feature["properties"].get("osm")
            if ref and ref in written:
                writer.merge_tags(written[ref], tags)
                count += 1
                continue
            geom = shape(feature["geometry"])
            writer.add(geom, tags)
            if ref and writer.last_tagged is not None:
                written[ref] = writer.last_tagged
            west, south, east, north = geom.bounds
            bounds = (west, south, east, north) if bounds is None else (
                min(bounds[0], west), min(bounds[1], south),
                max(bounds[2], east), max(bounds[3], north))
            count += 1
    writer.tree(bounds).write(path, encoding="UTF-8", xml_declaration=True)
    return count


__all__ = ["FORMATS", "LAYERS", "Layers", "empty_layers", "osm_tags", "read_gpkg",
           "read_geojson", "read_layers", "write_geojson", "write_gpkg", "write_layers",
           "write_osm"]
