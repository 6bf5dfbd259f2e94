"""Division boundaries (geo.address.division_areas, app.addresses.division_areas,
``flask import-divisions`` and the import-osm hook) on the real qinghuadonglu extract cut
into three Haidian streets, on SQLite and PostGIS."""

from __future__ import annotations

import bz2
import json
from pathlib import Path

import geopandas as gpd
import pytest
from flask import Flask
from shapely import affinity
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from app.db import get_engine, get_session
from app.imports import importer
from app.imports.importer import import_osm
from app.models import Community, Division, DivisionArea
from geo.address.division_areas import DivisionBoundary, DivisionIndex, read_osm_boundaries
from tests.support.dbdump import dump_database
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract

QINGHUADONGLU = OSM_DIR / EXTRACTS["qinghuadonglu"][0]
# A meridian through 石科院生活区 (68 % of it west) and 双泉嘉苑 (31 % west), and a
# parallel cutting the east half: three real Haidian streets.
SPLIT_LON, SPLIT_LAT = 116.353, 40.0075
STREETS = {
    "110108010": box(116.33, 39.99, SPLIT_LON, 40.02),       # 学院路街道, west
    "110108014": box(SPLIT_LON, 39.99, 116.37, SPLIT_LAT),   # 清华园街道, south-east
    "110108008": box(SPLIT_LON, SPLIT_LAT, 116.37, 40.02),   # 北太平庄街道, north-east
}
FORMATS = {"geojson": ("GeoJSON", "streets.geojson"), "gpkg": ("GPKG", "streets.gpkg"),
           "shp": ("ESRI Shapefile", "streets.shp")}


def write_divisions(path: Path, polygons: dict[str, BaseGeometry], *, driver: str = "GeoJSON",
                    code_field: str = "code", crs: str = "EPSG:4326") -> Path:
    frame = gpd.GeoDataFrame({code_field: list(polygons), "name": [f"区划{c}" for c in polygons]},
                             geometry=list(polygons.values()), crs="EPSG:4326").to_crs(crs)
    frame.to_file(path, driver=driver)
    return path


def majority(geom: BaseGeometry, polygons: dict[str, BaseGeometry]) -> str:
    """The code of the polygon holding most of ``geom`` (planar degrees: a check independent
    of the metric areas the code under test compares)."""
    return max(polygons, key=lambda code: polygons[code].intersection(geom).area)


def compounds(app: Flask) -> dict[str, tuple[str | None, str | None, BaseGeometry]]:
    with app.app_context():
        rows = get_session().scalars(select(Community))
        return {f"{r.osm_type}/{r.osm_id}": (r.division_code, r.code, r.geom) for r in rows}


def invoke(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_index_prefers_the_majority_street_then_its_committee() -> None:
    west, east = box(0, 0, 1, 1), box(1, 0, 2, 1)
    index = DivisionIndex([DivisionBoundary("110108010", None, west),
                           DivisionBoundary("110108014", None, east),
                           DivisionBoundary("110108014002", None, box(1.5, 0, 2, 1))])
    assert index.division_of(box(0.2, 0.2, 1.1, 0.8)) == "110108010"
    assert index.division_of(box(0.9, 0.2, 1.2, 0.8)) == "110108014"
    assert index.division_of(box(1.4, 0.2, 1.9, 0.8)) == "110108014002"
    assert index.division_of(box(5, 5, 6, 6)) is None
    assert index.division_of(box(2, 0, 3, 1)) is None  # touching is not holding


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_import_divisions_codes_every_compound_by_its_street(app: Flask, tmp_path: Path,
                                                             fmt: str) -> None:
    driver, name = FORMATS[fmt]
    path = write_divisions(tmp_path / name, STREETS, driver=driver)
    with app.app_context():
        import_osm(get_session(), QINGHUADONGLU, extract=read_extract("qinghuadonglu"))
    assert all(code is None for _, code, _ in compounds(app).values())

    result = invoke(app, "import-divisions", str(path), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    rows = compounds(app)
    assert summary["created"] == {"division": 3}
    assert summary["compounds"] == {"assigned": len(rows), "kept": 0, "uncovered": 0}
    for division, code, geom in rows.values():
        assert division == majority(geom, STREETS)
        assert code is not None and code.startswith(division + "000-")
    by_name = {c.name: c for c in _all(app)}
    shike = by_name["石科院生活区"].geom
    assert 0.5 < STREETS["110108010"].intersection(shike).area / shike.area < 0.75
    assert by_name["石科院生活区"].code.startswith("110108010000-")
    assert by_name["双泉嘉苑"].code.startswith("110108008000-")
    with app.app_context():
        stored = {a.code: a.name for a in get_session().scalars(select(DivisionArea))}
    assert stored == {code: f"区划{code}" for code in STREETS}

    before = dump_database(get_engine_of(app))
    again = invoke(app, "import-divisions", str(path), "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["unchanged"] == {"division": 3}
    text = invoke(app, "import-divisions", str(path)).output
    assert "0 created, 0 updated, 3 unchanged" in text and f"0 assigned, {len(rows)} kept" in text
    assert dump_database(get_engine_of(app)) == before


def test_compounds_outside_every_boundary_stay_uncoded(app: Flask, tmp_path: Path) -> None:
    west = {"110108010": STREETS["110108010"]}
    with app.app_context():
        import_osm(get_session(), QINGHUADONGLU, extract=read_extract("qinghuadonglu"))
    result = invoke(app, "import-divisions", str(write_divisions(tmp_path / "w.geojson", west)),
                    "--json")
    assert result.exit_code == 0, result.output
    rows = compounds(app).values()
    outside = [geom for _, _, geom in rows if west["110108010"].intersection(geom).area == 0]
    assert outside and json.loads(result.output)["compounds"]["uncovered"] == len(outside)
    for division, code, geom in rows:
        held = west["110108010"].intersection(geom).area > 0
        assert (division, code is not None) == (("110108010", True) if held else (None, False))


def test_coded_compounds_keep_their_codes_and_new_ones_follow_the_boundaries(
        app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        import_osm(get_session(), QINGHUADONGLU, division="110108010",
                   extract=read_extract("qinghuadonglu"))
    coded = compounds(app)
    path = write_divisions(tmp_path / "streets.geojson", STREETS)
    result = invoke(app, "import-divisions", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["compounds"] == {"assigned": 0, "kept": len(coded),
                                                      "uncovered": 0}
    assert compounds(app) == coded

    # a compound drawn later (here: re-imported after its row was removed) follows the boundaries
    with app.app_context():
        db = get_session()
        shuangquan = db.scalar(select(Community).where(Community.name == "双泉嘉苑"))
        db.delete(shuangquan)
        db.commit()
        import_osm(db, QINGHUADONGLU, division="110108010", extract=read_extract("qinghuadonglu"))
        shuangquan = db.scalar(select(Community).where(Community.name == "双泉嘉苑"))
        assert shuangquan.division_code == "110108008"
        assert shuangquan.code == "110108008000-001"


def _all(app: Flask) -> list[Community]:
    with app.app_context():
        return list(get_session().scalars(select(Community)))


def get_engine_of(app: Flask):
    with app.app_context():
        return get_engine()


def _osm_with_boundaries(tmp_path: Path, boundaries: list[tuple[str, str, str, Polygon]]) -> Path:
    """The qinghuadonglu extract with ``(ref, admin_level, name, polygon)`` relations added
    (one closed way each), nodes before the ways and ways before the relations."""
    raw = bz2.decompress(QINGHUADONGLU.read_bytes()).decode()
    nodes, ways, relations = [], [], []
    for i, (ref, level, name, polygon) in enumerate(boundaries):
        way_id, ids = 9_100_000_000 + i, []
        for j, (lon, lat) in enumerate(polygon.exterior.coords[:-1]):
            node_id = 9_000_000_000 + 100 * i + j
            ids.append(node_id)
            nodes.append(f' <node id="{node_id}" version="1" lat="{lat}" lon="{lon}"/>')
        ways.append(f' <way id="{way_id}" version="1">'
                    + "".join(f'<nd ref="{n}"/>' for n in [*ids, ids[0]]) + "</way>")
        relations.append(
            f' <relation id="{9_200_000_000 + i}" version="1">'
            f'<member type="way" ref="{way_id}" role="outer"/>'
            f'<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
            f'<tag k="admin_level" v="{level}"/><tag k="ref" v="{ref}"/>'
            f'<tag k="name" v="{name}"/></relation>')
    first_way, first_relation = raw.index(" <way "), raw.index(" <relation ")
    raw = (raw[:first_way] + "\n".join(nodes) + "\n" + raw[first_way:first_relation]
           + "\n".join(ways) + "\n" + raw[first_relation:])
    raw = raw.replace("</osm>", "\n".join(relations) + "\n</osm>")
    path = tmp_path / "with_boundaries.osm"
    path.write_text(raw, encoding="utf-8")
    return path


def test_osm_boundaries_assign_compounds_and_division_is_the_fallback(app: Flask,
                                                                      tmp_path: Path) -> None:
    jingshu = next(f.geom for f in read_extract("qinghuadonglu").features["community"]
                   if f.attrs["name"] == "静淑苑")
    committee = affinity.scale(box(*jingshu.bounds), 1.2, 1.2)
    path = _osm_with_boundaries(tmp_path, [
        ("110108014", "8", "清华园街道", STREETS["110108014"]),
        ("110108010023", "10", "测试社区居委会", committee),
        ("110108999", "8", "不存在的街道", box(116.36, 40.0, 116.37, 40.01)),
    ])
    assert {b.code for b in read_osm_boundaries(path)} == {"110108014", "110108010023", "110108999"}
    with app.app_context():
        report = import_osm(get_session(), path, division="110108010")
        assert get_session().get(Division, "110108010023").name == "测试社区居委会"
    assert report.skipped["boundary"] == 1 and report.created["division"] == 2
    areas = {"110108014": STREETS["110108014"], "110108010023": committee}
    for division, code, geom in compounds(app).values():
        held = max(areas.values(), key=lambda a: a.intersection(geom).area)
        expected = (majority(geom, areas) if held.intersection(geom).area > 0 else "110108010")
        assert division == expected
        assert code.startswith(expected if len(expected) == 12 else expected + "000")
    assert {c.name: c.code[:12] for c in _all(app)}["静淑苑"] == "110108010023"

    before = dump_database(get_engine_of(app))
    with app.app_context():
        import_osm(get_session(), path, division="110108010")
    assert dump_database(get_engine_of(app)) == before


def _bowtie() -> Polygon:
    return Polygon([(116.34, 40.0), (116.35, 40.01), (116.35, 40.0), (116.34, 40.01)])


def _swapped() -> Polygon:
    return affinity.affine_transform(STREETS["110108010"], [0, 1, 1, 0, 0, 0])


BAD_FILES = {
    "unknown street": ({"110108999": STREETS["110108010"]}, {}, "110108999"),
    "committee not under a known street": ({"110108010": STREETS["110108010"],
                                             "110108999001": STREETS["110108014"]}, {},
                                            "110108999001"),
    "committee outside its street": ({**STREETS, "110108014001": affinity.translate(
        STREETS["110108014"], yoff=0.02)}, {}, "大部分不在街道 110108014"),
    "committee 000": ({"110108010000": STREETS["110108010"]}, {}, "000"),
    "not a street or committee code": ({"110108": STREETS["110108010"]}, {}, "9位街道"),
    "no code column": ({"110108010": STREETS["110108010"]}, {"code_field": "bianhao"},
                       "没有区划代码列"),
    "broken geometry": ({"110108010": _bowtie()}, {}, "自相交"),
    "swapped lon/lat": ({"110108010": _swapped()}, {}, "写反"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_division_files_are_refused_and_change_nothing(app: Flask, tmp_path: Path,
                                                           case: str) -> None:
    polygons, options, message = BAD_FILES[case]
    with app.app_context():
        import_osm(get_session(), QINGHUADONGLU, extract=read_extract("qinghuadonglu"))
    path = write_divisions(tmp_path / "bad.geojson", polygons, **options)
    before = dump_database(get_engine_of(app))
    result = invoke(app, "import-divisions", str(path))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert dump_database(get_engine_of(app)) == before


@pytest.mark.parametrize("content", ["code,name\n110108010,学院路街道\n", "not a spatial file"])
def test_non_spatial_files_are_refused(app: Flask, tmp_path: Path, content: str) -> None:
    path = tmp_path / "streets.csv"
    path.write_text(content, encoding="utf-8")
    before = dump_database(get_engine_of(app))
    result = invoke(app, "import-divisions", str(path), "--json")
    assert result.exit_code == 2, result.output
    assert json.loads(result.output)["error"] == "invalid_file"
    assert dump_database(get_engine_of(app)) == before


def test_a_named_code_column_and_a_projected_file(app: Flask, tmp_path: Path) -> None:
    path = write_divisions(tmp_path / "streets.gpkg", STREETS, driver="GPKG",
                           code_field="区划代码", crs="EPSG:3857")
    with app.app_context():
        import_osm(get_session(), QINGHUADONGLU, extract=read_extract("qinghuadonglu"))
    assert invoke(app, "import-divisions", str(path), "--code-field", "ref").exit_code == 2
    result = invoke(app, "import-divisions", str(path))
    assert result.exit_code == 0, result.output
    for division, _, geom in compounds(app).values():
        assert division == majority(geom, STREETS)


def test_a_file_with_no_division_relation_is_read_once(app: Flask, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The boundary pass over the file runs only when a relation is tagged as a division
    # boundary: the bundled extracts have none, and import without it (the pass refused
    # here), while a file with one is read for it.
    def no_second_pass(path: object) -> list[DivisionBoundary]:
        raise AssertionError(f"{path} read a second time")

    with_boundaries = _osm_with_boundaries(tmp_path, [("110108014", "8", "清华园街道",
                                                       STREETS["110108014"])])
    assert importer.read_osm_extract(with_boundaries).division_relations == 1
    monkeypatch.setattr(importer, "read_osm_boundaries", no_second_pass)
    filename, street = EXTRACTS["bupt"]
    path = OSM_DIR / filename
    assert importer.read_osm_extract(path).division_relations == 0
    with app.app_context():
        report = import_osm(get_session(), path, division=street)
        get_session().commit()
    assert report.created["community"] > 0 and report.created["division"] == 0
