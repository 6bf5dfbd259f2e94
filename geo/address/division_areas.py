"""Boundaries of streets (街道, 9-digit code) and committees (社区/居委会, 12 digits):
reading them from a GIS file or from OSM ``boundary=administrative`` relations, and
choosing the division a compound belongs to by its area.

Geometries are (lon, lat) WGS-84; areas are compared in square metres.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from geo.address.divisions import division_level
from geo.errors import InvalidImportFile, UnknownDivision, YouluError
from geo.geometry.checks import parse_geometry
from geo.geometry.coords import to_metres

# Column names tried, in order, when the code or name column is not given.
CODE_FIELDS = ("code", "区划代码", "ref")
NAME_FIELDS = ("name", "名称", "name:zh")
# The least share of a committee's area that must lie in its street's boundary.
MIN_SHARE_IN_STREET = 0.5
# OSM admin_level of streets and committees in China.
OSM_ADMIN_LEVELS = frozenset({"8", "9", "10"})
_LISTED = 5  # rows named in one error message
_CODE_RE = re.compile(r"\d{9}(\d{3})?")  # a street or committee code


@dataclass(frozen=True)
class DivisionBoundary:
    """The polygon (WGS-84) of a street or committee, with its code and name if known."""

    code: str
    name: str | None
    geom: BaseGeometry

    @property
    def level(self) -> int:
        """4 for a street (9 digits), 5 for a committee (12 digits)."""
        return division_level(self.code)


def code_text(value: Any) -> str:
    """A code or name read from a file cell: numbers lose their ``.0``, text is stripped,
    an empty cell is ``""``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _pick_field(columns: Sequence[str], wanted: str | None, candidates: tuple[str, ...],
                what_zh: str, what_en: str) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise InvalidImportFile(
                f"文件里没有{what_zh}列“{wanted}”（有：{'、'.join(columns)}）",
                f"the file has no {what_en} column {wanted!r} (columns: {', '.join(columns)})")
        return wanted
    lower = {c.lower(): c for c in columns}
    return next((lower[c.lower()] for c in candidates if c.lower() in lower), None)


def read_division_file(path: str | Path, *, code_field: str | None = None,
                       name_field: str | None = None) -> list[DivisionBoundary]:
    """The boundaries in a GeoJSON, GeoPackage or Shapefile (first layer).

    The code column is ``code_field`` or the first of ``CODE_FIELDS`` present; the name
    column likewise. Rows of one code are merged. Raises ``InvalidImportFile`` for a file
    that is not spatial or has no code column, ``UnknownDivision`` for malformed codes,
    ``InvalidGeometry``/``InvalidCoordinates`` for broken or misplaced polygons.
    """
    import geopandas as gpd  # pandas and GDAL: a second to import, only for this file reader
    import pyogrio

    path = Path(path)
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        raise InvalidImportFile(f"文件“{path.name}”不是可读的 GeoJSON、GeoPackage 或 Shapefile：{error}",
                                f"{path.name} is not a readable GeoJSON, GeoPackage or Shapefile: "
                                f"{error}") from error
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise InvalidImportFile(f"文件“{path.name}”没有几何图形（不是空间数据）",
                                f"{path.name} has no geometries (not a spatial file)")
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs("EPSG:4326")
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    code_column = _pick_field(columns, code_field, CODE_FIELDS, "区划代码", "code")
    if code_column is None:
        raise InvalidImportFile(
            f"文件“{path.name}”没有区划代码列（{'、'.join(CODE_FIELDS)}，或用 --code-field 指定）",
            f"{path.name} has no division code column ({', '.join(CODE_FIELDS)}, or name it "
            "with --code-field)")
    name_column = _pick_field(columns, name_field, NAME_FIELDS, "名称", "name")
    rows = [(i + 1, code_text(code), geom, name)
            for i, (code, geom, name) in enumerate(zip(
                frame[code_column], frame.geometry,
                frame[name_column] if name_column else [None] * len(frame), strict=True))]
    return _boundaries(path.name, rows)


def _boundaries(source: str, rows: Iterable[tuple[int, str, Any, Any]]) -> list[DivisionBoundary]:
    """Check codes and geometries of ``(row number, code, geometry, name)``; merge by code."""
    bad_codes: list[str] = []
    parts: dict[str, list[BaseGeometry]] = {}
    names: dict[str, str | None] = {}
    for number, code, geom, name in rows:
        if not _CODE_RE.fullmatch(code):
            bad_codes.append(f"{number}: {code or '(空/empty)'}")
            continue
        try:
            checked = parse_geometry(mapping(geom) if geom is not None else None,
                                     allowed=("Polygon", "MultiPolygon"))
        except YouluError as error:
            raise type(error)(f"{source} 第{number}行（区划 {code}）：{error.zh}",
                              f"{source} row {number} (division {code}): {error.en}",
                              details={**error.details, "row": number, "code": code}) from error
        parts.setdefault(code, []).append(checked)
        names[code] = names.get(code) or code_text(name) or None
    if bad_codes:
        listed = "、".join(bad_codes[:_LISTED]) + ("…" if len(bad_codes) > _LISTED else "")
        raise UnknownDivision(
            f"{source} 有 {len(bad_codes)} 行的区划代码不是9位街道或12位社区代码（行: 代码）：{listed}",
            f"{source}: {len(bad_codes)} rows have no 9-digit street or 12-digit committee code "
            f"(row: code): {listed}", details={"rows": bad_codes})
    if not parts:
        raise InvalidImportFile(f"{source} 里没有区划边界", f"{source} holds no division boundaries")
    return [DivisionBoundary(code, names[code], shapely.union_all(geoms) if len(geoms) > 1 else geoms[0])
            for code, geoms in parts.items()]


def read_osm_boundaries(path: str | Path) -> list[DivisionBoundary]:
    """``boundary=administrative`` relations of admin_level 8–10 whose ``ref`` is a 9- or
    12-digit code, assembled into multipolygons (incomplete relations are left out)."""
    import osmium

    wkb = osmium.geom.WKBFactory()
    found: list[DivisionBoundary] = []
    processor = osmium.FileProcessor(str(path)).with_areas(
        osmium.filter.TagFilter(("boundary", "administrative")))
    for obj in processor:
        if not isinstance(obj, osmium.osm.Area) or obj.from_way():
            continue
        tags = obj.tags
        if not is_division_boundary(tags):
            continue
        geom = shapely.from_wkb(bytes.fromhex(wkb.create_multipolygon(obj)))
        if geom.is_valid and not geom.is_empty:
            found.append(DivisionBoundary(tags["ref"].strip(), tags.get("name"), geom))
    return found


def is_division_boundary(tags: Any) -> bool:
    """Whether OSM ``tags`` (a mapping) make a boundary ``read_osm_boundaries`` reads:
    ``boundary=administrative``, admin_level 8–10, a 9- or 12-digit ``ref``. An import
    that finds no relation so tagged skips that second pass over the file."""
    ref = (tags.get("ref") or "").strip()
    return (tags.get("boundary") == "administrative" and tags.get("admin_level") in OSM_ADMIN_LEVELS
            and _CODE_RE.fullmatch(ref) is not None)


def share_within(inner: BaseGeometry, outer: BaseGeometry) -> float:
    """The fraction (0–1) of ``inner``'s area (square metres) that lies in ``outer``."""
    centre = inner.centroid
    origin = (centre.x, centre.y)
    total = to_metres(inner, origin=origin).area
    return to_metres(inner.intersection(outer), origin=origin).area / total if total else 0.0


class DivisionIndex:
    """The division a polygon belongs to, among a set of street and committee boundaries."""

    def __init__(self, boundaries: Sequence[DivisionBoundary]) -> None:
        self.boundaries = list(boundaries)
        self._tree = STRtree([b.geom for b in self.boundaries])

    def division_of(self, geom: BaseGeometry) -> str | None:
        """The code of the division holding ``geom``: the street with most of its area
        (a street's share counts its committees where the street itself has no boundary),
        then the committee under that street with most of its area, if any. ``None`` when
        no boundary overlaps it."""
        hits = [self.boundaries[int(i)] for i in self._tree.query(geom, predicate="intersects")]
        if not hits:
            return None
        centre = geom.centroid
        origin = (centre.x, centre.y)
        area = {b.code: to_metres(b.geom.intersection(geom), origin=origin).area for b in hits}
        streets: dict[str, float] = {}
        for code, square_metres in area.items():
            if len(code) == 12 and code[:9] in area:
                continue
            streets[code[:9]] = streets.get(code[:9], 0.0) + square_metres
        street, share = max(streets.items(), key=lambda item: (item[1], item[0]))
        if share <= 0:
            return None
        committees = [(a, c) for c, a in area.items() if len(c) == 12 and c[:9] == street and a > 0]
        return max(committees)[1] if committees else street
