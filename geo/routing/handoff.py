"""Hand-off of a destination to a phone's navigation app (高德地图, 百度地图).

The apps take the rider through the streets to the gate; Youlu's own steps take them
from the gate to the door. Each app wants its own coordinates: 高德 GCJ-02, 百度 BD-09;
Youlu's points are WGS-84 ``(lon, lat)``. The links use the apps' URI schemes, so the
page never requests anything outside the app.
"""

from __future__ import annotations

from urllib.parse import urlencode

from geo.geometry.coords import wgs84_to_bd09, wgs84_to_gcj02

SOURCE_APP = "youlu"
AMAP_RIDE = 3  # 高德 ``t``: 0 drive, 1 transit, 2 walk, 3 ride


def amap_uri(lon: float, lat: float, name: str) -> str:
    """A 高德地图 riding route to ``(lon, lat)`` (WGS-84, converted to GCJ-02)."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    return "amapuri://route/plan/?" + urlencode({
        "sourceApplication": SOURCE_APP, "dlat": f"{glat:.6f}", "dlon": f"{glon:.6f}",
        "dname": name, "dev": 0, "t": AMAP_RIDE})


def baidu_uri(lon: float, lat: float, name: str) -> str:
    """A 百度地图 riding route to ``(lon, lat)`` (WGS-84, converted to BD-09)."""
    blon, blat = wgs84_to_bd09(lon, lat)
    return "baidumap://map/direction?" + urlencode({
        "destination": f"latlng:{blat:.6f},{blon:.6f}|name:{name}", "coord_type": "bd09ll",
        "mode": "riding", "src": SOURCE_APP})


def handoff_links(lon: float, lat: float, name: str) -> dict[str, str]:
    """``{"amap": …, "baidu": …}``: the two apps' routes to ``(lon, lat)`` (WGS-84)."""
    return {"amap": amap_uri(lon, lat, name), "baidu": baidu_uri(lon, lat, name)}
