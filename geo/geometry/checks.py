"""Checks for geometries that users send: GeoJSON shape, type, validity, place.

Each failure raises ``InvalidGeometry`` (or ``InvalidCoordinates``) with a message that
says what is wrong and, for a broken polygon, where.
"""

from __future__ import annotations

import re
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geo.errors import InvalidGeometry
from geo.geometry.coords import check_geometry_in_china, to_wgs84

_REASON_ZH = {
    "Self-intersection": "多边形自相交",
    "Ring Self-intersection": "多边形的边界环自相交",
    "Too few points": "点数太少",
    "Hole lies outside shell": "内洞在外边界之外",
    "Nested shells": "多个外边界相互嵌套",
    "Interior is disconnected": "多边形内部不连通",
    "Invalid Coordinate": "坐标无效",
}
_LOCATION_RE = re.compile(r"\[([-\d.eE]+) ([-\d.eE]+)\]")


def parse_geometry(obj: Any, *, allowed: tuple[str, ...], crs: str = "wgs84") -> BaseGeometry:
    """A valid shapely geometry in WGS-84 from a GeoJSON geometry object.

    ``allowed`` lists the accepted GeoJSON types; ``crs`` is ``wgs84`` or ``gcj02``
    (converted on the way in). Raises ``InvalidGeometry`` / ``InvalidCoordinates``.
    """
    if not isinstance(obj, dict) or "type" not in obj or "coordinates" not in obj:
        raise InvalidGeometry("缺少几何对象：需要 GeoJSON geometry（type 与 coordinates）",
                              "missing geometry: expected a GeoJSON geometry with type and coordinates")
    if obj["type"] not in allowed:
        raise InvalidGeometry(f"几何类型应为 {'/'.join(allowed)}，收到 {obj['type']}",
                              f"geometry type must be {'/'.join(allowed)}, got {obj['type']}")
    try:
        geom = shape(obj)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as error:
        raise InvalidGeometry(f"几何坐标格式错误：{error}",
                              f"malformed geometry coordinates: {error}") from error
    if geom.is_empty:
        raise InvalidGeometry("几何对象为空", "geometry is empty")
    coords = shapely.get_coordinates(geom)
    if not (coords == coords).all():  # NaN
        raise InvalidGeometry("坐标包含非数字值", "coordinates contain NaN")
    check_geometry_in_china(geom)
    geom = to_wgs84(geom, crs)
    check_valid(geom)
    return geom


def check_valid(geom: BaseGeometry) -> None:
    """Raise ``InvalidGeometry`` naming the problem and its (lon, lat) if ``geom`` is invalid."""
    if geom.geom_type == "LineString" and geom.length == 0:
        raise InvalidGeometry("线段长度为零", "line has zero length")
    if geom.is_valid:
        if geom.geom_type in ("Polygon", "MultiPolygon") and geom.area == 0:
            raise InvalidGeometry("多边形面积为零", "polygon has zero area")
        return
    reason = explain_validity(geom)
    name = reason.split("[")[0].strip()
    details: dict[str, Any] = {"reason": reason}
    where_zh = where_en = ""
    if match := _LOCATION_RE.search(reason):
        lon, lat = float(match.group(1)), float(match.group(2))
        details.update(lon=lon, lat=lat)
        where_zh, where_en = f"，位置 ({lon:.6f}, {lat:.6f})", f" at ({lon:.6f}, {lat:.6f})"
    raise InvalidGeometry(f"{_REASON_ZH.get(name, '几何无效')}{where_zh}",
                          f"invalid geometry: {name}{where_en}", details=details)
