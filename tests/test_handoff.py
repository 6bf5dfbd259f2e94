"""Hand-off links to 高德/百度 (``geo.routing.handoff``): each app's own coordinates, riding."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from geo.geometry.coords import gcj02_to_wgs84, wgs84_to_gcj02
from geo.routing.handoff import amap_uri, baidu_uri, handoff_links

GATE = (116.3522154, 40.0092205)  # 双泉嘉苑 南门, WGS-84


def _query(uri: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(uri).query).items()}


def test_amap_gets_gcj02_and_rides() -> None:
    uri = amap_uri(*GATE, "双泉嘉苑南门")
    assert uri.startswith("amapuri://route/plan/?")
    q = _query(uri)
    lon, lat = float(q["dlon"]), float(q["dlat"])
    assert (lon, lat) == pytest.approx(wgs84_to_gcj02(*GATE), abs=2e-6)
    assert gcj02_to_wgs84(lon, lat) == pytest.approx(GATE, abs=5e-6)  # back to the gate
    assert abs(lon - GATE[0]) > 1e-3  # GCJ-02 is a few hundred metres off in Beijing
    assert q["t"] == "3" and q["dev"] == "0" and q["dname"] == "双泉嘉苑南门"


def test_baidu_gets_bd09_and_rides() -> None:
    q = _query(baidu_uri(*GATE, "南门"))
    where, name = q["destination"].removeprefix("latlng:").split("|name:")
    lat, lon = map(float, where.split(","))
    glon, glat = wgs84_to_gcj02(*GATE)
    assert lon - glon == pytest.approx(0.0065, abs=0.001)  # BD-09 is GCJ-02 shifted again
    assert lat - glat == pytest.approx(0.006, abs=0.001)
    assert name == "南门" and q["coord_type"] == "bd09ll" and q["mode"] == "riding"


def test_both_apps() -> None:
    links = handoff_links(*GATE, "南门")
    assert set(links) == {"amap", "baidu"} and all("南门" in v or "%" in v for v in links.values())
