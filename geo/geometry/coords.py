"""Coordinates: checks for WGS-84 input in China, GCJ-02 conversion, metric projection.

Coordinates are ``(lon, lat)`` in degrees everywhere in Youlu.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import prcoords
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidCoordinates, InvalidInput

if TYPE_CHECKING:  # pyproj is imported where a transformer is made: routing never needs it
    from pyproj import Transformer

_G = TypeVar("_G", bound=BaseGeometry)

# A generous box around China's territory (lon 73.4–135.1 E, lat 3.8–53.6 N).
CHINA_BOUNDS = (73.4, 3.8, 135.1, 53.6)
CRS_NAMES = ("wgs84", "gcj02")


def in_china(lon: float, lat: float) -> bool:
    """Whether (lon, lat) lies in the box around China."""
    west, south, east, north = CHINA_BOUNDS
    return west <= lon <= east and south <= lat <= north


def check_box(west: float, south: float, east: float, north: float) -> None:
    """Raise ``InvalidCoordinates`` unless the WGS-84 box (degrees) is finite, in range and
    overlaps China; a box with corners outside China that covers part of it is fine.

    Says so when the box looks swapped (lat, lon). The order W < E, S < N is the caller's.
    """
    values = (west, south, east, north)
    if not all(math.isfinite(v) for v in values):
        raise InvalidCoordinates("范围应为有限的数（不能是 NaN 或无穷大）",
                                 "the box must be finite numbers (not NaN or infinity)")
    if not _overlaps_china(west, south, east, north):
        if _overlaps_china(south, west, north, east):
            raise InvalidCoordinates(
                "经纬度似乎写反了：顺序是 西,南,东,北（先经度后纬度）",
                "lon/lat look swapped: the order is W,S,E,N (lon before lat)",
                details={"swapped": True})
        raise InvalidCoordinates(f"范围 ({west}, {south}, {east}, {north}) 不在中国境内",
                                 f"the box ({west}, {south}, {east}, {north}) is outside China",
                                 details={"bbox": list(values)})
    if not (west >= -180 and east <= 180 and south >= -90 and north <= 90):
        raise InvalidCoordinates(f"范围超出经纬度取值：{west}, {south}, {east}, {north}",
                                 f"box out of range: {west}, {south}, {east}, {north}",
                                 details={"bbox": list(values)})


def _overlaps_china(west: float, south: float, east: float, north: float) -> bool:
    china_west, china_south, china_east, china_north = CHINA_BOUNDS
    return west <= china_east and east >= china_west and south <= china_north and north >= china_south


def check_lon_lat(lon: float, lat: float) -> None:
    """Raise ``InvalidCoordinates`` unless (lon, lat) is a WGS-84 point in China.

    Says so when the pair looks swapped (lat, lon). NaN and infinities are refused
    without being echoed (they are not JSON).
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidCoordinates("坐标应为有限的数（不能是 NaN 或无穷大）",
                                 "coordinates must be finite numbers (not NaN or infinity)")
    if in_china(lon, lat):
        return
    if in_china(lat, lon):
        raise InvalidCoordinates(
            f"经纬度似乎写反了：({lon}, {lat}) 应为 ({lat}, {lon})，顺序是先经度后纬度",
            f"lon/lat look swapped: ({lon}, {lat}) should be ({lat}, {lon}); order is lon, lat",
            details={"lon": lon, "lat": lat, "swapped": True},
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidCoordinates(
            f"坐标超出范围：经度 {lon}，纬度 {lat}",
            f"coordinates out of range: lon {lon}, lat {lat}",
            details={"lon": lon, "lat": lat},
        )
    raise InvalidCoordinates(
        f"坐标 ({lon}, {lat}) 不在中国境内",
        f"coordinates ({lon}, {lat}) are outside China",
        details={"lon": lon, "lat": lat},
    )


def parse_lon_lat(text: str, what: tuple[str, str] = ("坐标", "the point")) -> tuple[float, float]:
    """``LON,LAT`` text as (lon, lat), checked by ``check_lon_lat``.

    Not two numbers: ``InvalidInput`` naming ``what`` (in Chinese, in English), e.g.
    ``("参数 from", "parameter from")`` for a query parameter.
    """
    try:
        lon, lat = (float(part) for part in text.split(","))
    except ValueError:
        raise InvalidInput(f"{what[0]} 应为“经度,纬度”，收到“{text}”",
                           f"{what[1]} must be LON,LAT, got {text!r}") from None
    check_lon_lat(lon, lat)
    return lon, lat


def check_geometry_in_china(geom: BaseGeometry) -> None:
    """``check_lon_lat`` for every vertex of ``geom``."""
    for lon, lat in shapely.get_coordinates(geom):
        check_lon_lat(float(lon), float(lat))


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Convert a GCJ-02 point (Chinese phone maps) to WGS-84, precise to centimetres."""
    point = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
    return point.lon, point.lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Convert a WGS-84 point to GCJ-02 (for GCJ-02 tile sources)."""
    point = prcoords.wgs_gcj(prcoords.Coords(lat, lon))
    return point.lon, point.lat


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """Convert a WGS-84 point to BD-09 (Baidu's coordinates)."""
    point = prcoords.wgs_bd(prcoords.Coords(lat, lon))
    return point.lon, point.lat


def to_wgs84(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """``geom`` converted from ``crs`` (``wgs84`` or ``gcj02``) to WGS-84."""
    if crs == "wgs84":
        return geom
    if crs != "gcj02":
        raise InvalidCoordinates(
            f"不支持的坐标系“{crs}”：可用 wgs84 或 gcj02",
            f"unsupported crs {crs!r}: use wgs84 or gcj02",
        )
    return transform_lonlat(geom, gcj02_to_wgs84)


def transform_lonlat(
    geom: BaseGeometry, fn: Callable[[float, float], tuple[float, float]]
) -> BaseGeometry:
    """Apply a point function ``fn(lon, lat) -> (lon, lat)`` to every vertex."""
    return shapely.transform(
        geom, lambda xy: shapely.get_coordinates(
            shapely.points([fn(float(x), float(y)) for x, y in xy])
        )
    )


def metric_transformer(lon: float, lat: float) -> Transformer:
    """WGS-84 → local azimuthal equidistant metres centred near (lon, lat).

    The centre is rounded to 0.001° (about 100 m), so nearby calls share one cached
    transformer; distances within a few kilometres stay exact to centimetres.
    """
    return _metric_transformer(round(lon, 3), round(lat, 3))


@lru_cache(maxsize=1024)
def _metric_transformer(lon: float, lat: float) -> Transformer:
    from pyproj import Transformer

    return Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +units=m +ellps=WGS84",
        always_xy=True,
    )


def _project(geom: _G, transformer: Transformer) -> _G:
    return shapely.transform(
        geom, lambda xy: np.asarray(list(zip(*transformer.transform(xy[:, 0], xy[:, 1]), strict=True)),
                                    dtype=np.float64)
    )


def to_metres(geom: _G, *, origin: tuple[float, float] | None = None) -> _G:
    """``geom`` projected to metres around ``origin`` (default: its centroid)."""
    if origin is None:
        c = geom.centroid
        origin = (c.x, c.y)
    return _project(geom, metric_transformer(*origin))


def to_metres_all(geoms: Sequence[BaseGeometry], origin: tuple[float, float]) -> NDArray[np.object_]:
    """All ``geoms`` (WGS-84) projected in one pass to metres around ``origin``
    (lon, lat), rounded to 0.01° (about a kilometre) so that nearby calls share one
    transformer; an array of geometries in the order given."""
    transformer = metric_transformer(round(origin[0], 2), round(origin[1], 2))
    return shapely.transform(np.array(geoms, dtype=object), lambda xy: np.column_stack(
        transformer.transform(xy[:, 0], xy[:, 1])))


def distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """The distance between two WGS-84 geometries, in metres (local projection)."""
    return distances_m(b, [a])[0]


def distances_m(reference: BaseGeometry, geoms: list[BaseGeometry]) -> list[float]:
    """Distances in metres from each of ``geoms`` to ``reference``, all projected once
    around ``reference``'s centroid (good to centimetres within a few kilometres)."""
    c = reference.centroid
    transformer = metric_transformer(c.x, c.y)
    projected = _project(reference, transformer)
    return [float(projected.distance(_project(g, transformer))) for g in geoms]



def from_metres(geom: _G, *, origin: tuple[float, float]) -> _G:
    """Inverse of ``to_metres``: local metres around ``origin`` back to WGS-84 (lon, lat)."""
    from pyproj import Transformer

    forward = metric_transformer(*origin)
    return _project(geom, Transformer.from_crs(forward.target_crs, "EPSG:4326", always_xy=True))
