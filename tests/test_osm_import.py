"""Reading the real Beijing extracts (geo/osm/extract.py), checked against a pyosmium recount."""

from __future__ import annotations

import bz2
from collections import Counter
from pathlib import Path

import pytest
import shapely

from geo import settings
from geo.errors import InvalidImportFile
from geo.geometry.coords import distance_m
from geo.osm.extract import read_osm_extract
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract
from tests.support.osm_recount import gates_near, recount

EXPECTED_NAMED = {
    "qinghuadonglu": {"双泉嘉苑", "富润家园", "静淑苑", "学士居", "清华东路27号院", "农大小区-北区",
                      "石科院生活区", "中建壹品·学府公馆", "大华花园别墅"},
    "wudaokou": {"华清嘉园小区", "荷清苑教师住宅区", "新林院", "西院", "西王庄小区", "清华大学西北小区"},
    "bupt": set(),
}


@pytest.mark.parametrize("name", EXTRACTS)
def test_named_compounds(name: str) -> None:
    extract = read_extract(name)
    named = {c.attrs["name"] for c in extract.features["community"]
             if not c.attrs["name_is_placeholder"]}
    assert EXPECTED_NAMED[name] <= named


@pytest.mark.parametrize("name", EXTRACTS)
def test_compounds_match_recount(name: str) -> None:
    extract = read_extract(name)
    raw = recount(OSM_DIR / EXTRACTS[name][0], extract.bounds)
    imported = {c.osm_id: c for c in extract.features["community"]}
    # Every imported compound is a residential polygon of the raw file touching the bounds…
    assert set(imported) <= set(raw.residential)
    # …and every raw one left out is a sliver below the minimum area or not a polygon.
    for way_id in set(raw.residential) - set(imported):
        polygon = raw.residential[way_id][1]
        assert (shapely.area(_metres(polygon)) < settings.MIN_COMMUNITY_AREA_M2
                or polygon.geom_type not in ("Polygon", "MultiPolygon"))
    for way_id, community in imported.items():
        assert raw.residential[way_id][0] == (None if community.attrs["name_is_placeholder"]
                                              else community.attrs["name"])


@pytest.mark.parametrize("name", EXTRACTS)
def test_gates_match_recount(name: str) -> None:
    extract = read_extract(name)
    raw = recount(OSM_DIR / EXTRACTS[name][0], extract.bounds)
    osm_gates = Counter(g.parent[2] for g in extract.features["gate"] if g.source == "osm"
                        and g.tags.get("barrier"))
    for community in extract.features["community"]:
        near = gates_near(raw, raw.residential[community.osm_id][1])
        assert osm_gates[community.osm_id] <= len(near)
    total_near = set().union(*(gates_near(raw, raw.residential[c.osm_id][1])
                               for c in extract.features["community"]))
    assert sum(osm_gates.values()) == len(total_near)


@pytest.mark.parametrize("name", EXTRACTS)
def test_inferred_gates_sit_on_boundary_where_a_road_crosses(name: str) -> None:
    extract = read_extract(name)
    communities = {c.key: c for c in extract.features["community"]}
    inferred = [g for g in extract.features["gate"] if g.source == "inferred"]
    assert inferred, "each extract has roads entering a compound without a mapped gate"
    for gate in inferred:
        community = communities[gate.parent[1:]]
        assert distance_m(gate.geom, community.geom.boundary) < 1.0
        assert gate.attrs["inferred"] is True and gate.tags["highway"]
        same = [g for g in extract.features["gate"] if g.parent == gate.parent and g is not gate]
        assert all(distance_m(gate.geom, g.geom) > settings.INFERRED_GATE_MIN_SPACING_M * 0.99
                   for g in same)


def test_bupt_locked_north_gate_is_closed_with_hours() -> None:
    gates = {g.osm_id: g for g in read_extract("bupt").features["gate"]}
    north = gates.get(12735976948)
    assert north is not None, "北门 (node 12735976948) was not extracted as a gate"
    assert north.attrs["rider_access"] == "closed"
    assert north.attrs["opening_hours"] == "Mo-Su 06:00-24:00"
    assert north.attrs["ebike"] is False


def test_units_are_doors_on_their_building() -> None:
    extract = read_extract("bupt")
    buildings = {b.key: b for b in extract.features["building"]}
    assert len(extract.features["unit"]) >= 80
    for unit in extract.features["unit"]:
        building = buildings[unit.parent[1:]]
        assert distance_m(unit.geom, building.geom.boundary) <= 1.5
        assert unit.attrs["number"]


def test_building_numbers_parsed_from_names() -> None:
    numbered = {b.attrs["name"]: b.attrs["number"] for b in read_extract("wudaokou").features["building"]
                if b.attrs["name"] and "号楼" in b.attrs["name"]}
    assert numbered
    for name, number in numbered.items():
        assert number and number in name.replace("０", "0"), (name, number)


def test_facilities_by_kind() -> None:
    kinds = Counter(f.attrs["kind"] for f in read_extract("bupt").features["facility"])
    assert kinds["charger"] == 7
    assert kinds["toilet"] >= 1 and kinds["parking"] >= 18


def test_features_stay_near_bounds() -> None:
    extract = read_extract("qinghuadonglu")
    area = shapely.box(*extract.bounds)
    for kind, features in extract.features.items():
        for feature in features:
            assert feature.geom.intersects(area.buffer(0.01)), (kind, feature.key)


def _metres(geom: shapely.Geometry) -> shapely.Geometry:
    from geo.geometry.coords import to_metres
    return to_metres(geom)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: _write(d / "empty.osm", b""), "空的"),
    (lambda d: _write(d / "cut.osm.bz2",
                      (OSM_DIR / EXTRACTS["bupt"][0]).read_bytes()[:20000]), "损坏"),
    (lambda d: _write(d / "cut.osm", bz2.decompress(
        (OSM_DIR / EXTRACTS["bupt"][0]).read_bytes())[:300000]), "无法解析"),
    (lambda d: _write(d / "not.osm", b"<?xml version='1.0'?><gpx><trk/></gpx>"), "不是 OSM"),
    (lambda d: _write(d / "noise.osm.bz2", b"BZh9" + b"\x00garbage" * 50), "损坏"),
    (lambda d: _write(d / "empty-osm.osm", b"<?xml version='1.0'?><osm version='0.6'></osm>"),
     "没有任何"),
    (lambda d: d / "missing.osm", "找不到"),
])
def test_bad_files_are_refused(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(InvalidImportFile) as error:
        read_osm_extract(make(tmp_path))
    assert message in error.value.zh
