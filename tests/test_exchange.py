"""Export and import of features (app.places.exchange, geo.places.exchange, the CLI commands):
round trips through GeoJSON, GeoPackage and OSM XML on the real Beijing data, and bad
files refused with nothing changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import osmium
import pyogrio
import pytest
from flask import Flask
from shapely import wkt as shapely_wkt
from shapely.geometry import Point, shape
from sqlalchemy import select

from app.db import get_engine, get_session
from app.imports.importer import import_osm
from app.models import AuditEntry, Gate
from app.places.exchange import gather
from app.places.schemas import PROPS
from geo.osm.entrances import GUESSED_SOURCES
from tests.support.accounts import make_accounts
from tests.support.databases import drop_postgis_database, make_app, new_database, prepare
from tests.support.dbdump import dump_database
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract

REFERENCES = {"community": "communities", "building": "buildings"}


def canonical(app: Flask) -> dict[str, list[tuple[str, str]]]:
    """Every feature as (geometry WKT, writable properties + code), references given as
    the referenced feature's code or geometry: comparable across databases."""
    with app.app_context():
        layers = gather(get_session())
    key_of = {(name, f["id"]): f["properties"].get("code") or shape(f["geometry"]).wkt
              for name, features in layers.items() for f in features}
    out: dict[str, list[tuple[str, str]]] = {}
    for name, features in layers.items():
        rows = []
        for f in features:
            props = {k: f["properties"][k] for k in PROPS[name].model_fields}
            for ref, target in REFERENCES.items():
                if props.get(ref) is not None:
                    props[ref] = key_of[(target, props[ref])]
            props["code"] = f["properties"].get("code")
            props["uid"] = f["properties"]["uid"]
            rows.append((shape(f["geometry"]).wkt, json.dumps(props, sort_keys=True,
                                                              ensure_ascii=False)))
        out[name] = sorted(rows)
    return out


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_round_trip_into_an_empty_database(imported_app: Flask, app: Flask, tmp_path: Path,
                                           fmt: str) -> None:
    out = tmp_path / f"all.{fmt}"
    result = imported_app.test_cli_runner().invoke(
        args=["export", "--format", fmt, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)["counts"]
    assert counts["communities"] >= 3 and counts["units"] == 92

    result = app.test_cli_runner().invoke(args=["import-features", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["created"] == {k: v for k, v in counts.items() if v}
    assert summary["codes_changed"] == []
    before, after = canonical(imported_app), canonical(app)
    for name in before:
        assert after[name] == before[name], name
    with app.app_context():
        actions = {e.action for e in get_session().scalars(select(AuditEntry))}
    assert actions == {"import"}


def test_reimporting_an_export_changes_nothing_and_an_edit_updates(
        writable_imported_app: Flask, tmp_path: Path) -> None:
    app = writable_imported_app
    runner = app.test_cli_runner()
    out = tmp_path / "one.geojson"
    assert runner.invoke(args=["export", "--format", "geojson", "--out", str(out)]).exit_code == 0
    again = runner.invoke(args=["import-features", str(out), "--json"])
    summary = json.loads(again.output)
    assert summary["created"] == {} and summary["updated"] == {}

    body = json.loads(out.read_text(encoding="utf-8"))
    gate = next(f for f in body["features"] if f["properties"]["layer"] == "gates")
    gate["properties"]["opening_hours"] = "Mo-Su 06:00-22:00"
    out.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    summary = json.loads(runner.invoke(args=["import-features", str(out), "--json"]).output)
    assert summary["updated"] == {"gates": 1} and summary["created"] == {}
    with app.app_context():
        row = get_session().get(Gate, gate["id"])
        assert row.opening_hours == "Mo-Su 06:00-22:00"
        assert row.version == gate["properties"]["version"] + 1

    # The same file again is now stale: refused, nothing changes.
    gate["properties"]["opening_hours"] = "Mo-Su 07:00-21:00"
    out.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    with app.app_context():
        before = dump_database(get_engine())
    result = runner.invoke(args=["import-features", str(out)])
    assert result.exit_code == 2 and "已被他人修改" in result.output
    with app.app_context():
        assert dump_database(get_engine()) == before


@contextmanager
def fresh_app(backend: str, label: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a new, migrated database of ``backend``: its id sequences start at 1."""
    url = new_database(backend, label, tmp_path)
    prepare(url)
    (tmp_path / label).mkdir()
    application = make_app(url, tmp_path / label)
    try:
        yield application
    finally:
        application.extensions["db_engine"].dispose()
        if backend == "postgis":
            drop_postgis_database(url.rsplit("/", 1)[1])


def _import_extract(app: Flask, name: str) -> None:
    filename, division = EXTRACTS[name]
    with app.app_context():
        session = get_session()
        import_osm(session, OSM_DIR / filename, division=division, extract=read_extract(name))
        session.commit()


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {name: len(features) for name, features in gather(get_session()).items()}


def test_import_where_ids_moved_on_creates_every_feature(backend: str, tmp_path: Path) -> None:
    """Issue 17: bupt's export into a database holding qinghuadonglu, whose ids are the
    same numbers, creates bupt's features (it merged 16 facilities into unrelated ones)."""
    with fresh_app(backend, "uid_source", tmp_path) as source, \
            fresh_app(backend, "uid_target", tmp_path) as target:
        _import_extract(source, "bupt")
        out = tmp_path / "bupt.geojson"
        assert source.test_cli_runner().invoke(
            args=["export", "--format", "geojson", "--out", str(out)]).exit_code == 0
        _import_extract(target, "qinghuadonglu")
        qinghua, bupt = _counts(target), _counts(source)
        with target.app_context():
            stored = {name: {f["id"] for f in features}
                      for name, features in gather(get_session()).items()}
        file_ids = {(f["properties"]["layer"], f["id"])
                    for f in json.loads(out.read_text(encoding="utf-8"))["features"]}
        assert sum(1 for layer, i in file_ids if i in stored[layer]) > 100  # ids do collide

        runner = target.test_cli_runner()
        result = runner.invoke(args=["import-features", str(out), "--json"])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output)
        assert summary["updated"] == {} and summary["unchanged"] == {}
        assert summary["created"] == {k: v for k, v in bupt.items() if v}
        assert _counts(target) == {k: bupt[k] + qinghua[k] for k in bupt}
        mine, theirs = canonical(source), canonical(target)
        for name in mine:
            assert set(mine[name]) <= set(theirs[name]), name

        with target.app_context():
            before = dump_database(get_engine())
        for _ in range(2):  # the same file again, twice: nothing changes
            summary = json.loads(runner.invoke(args=["import-features", str(out), "--json"]).output)
            assert summary["created"] == {} and summary["updated"] == {}
            assert sum(summary["unchanged"].values()) == sum(bupt.values())
        with target.app_context():
            assert dump_database(get_engine()) == before


def test_a_feature_without_uid_matches_by_osm_reference_and_a_bad_uid_is_refused(
        writable_imported_app: Flask, tmp_path: Path) -> None:
    app = writable_imported_app
    runner = app.test_cli_runner()
    out = tmp_path / "all.geojson"
    assert runner.invoke(args=["export", "--format", "geojson", "--out", str(out)]).exit_code == 0
    body = json.loads(out.read_text(encoding="utf-8"))
    osm_features = [f for f in body["features"] if f["properties"].get("osm")]
    for feature in osm_features:
        del feature["properties"]["uid"]
    out.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    summary = json.loads(runner.invoke(args=["import-features", str(out), "--json"]).output)
    assert osm_features and summary["created"] == {} and summary["updated"] == {}

    osm_features[0]["properties"]["uid"] = "not-a-uuid"
    out.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    with app.app_context():
        before = dump_database(get_engine())
    result = runner.invoke(args=["import-features", str(out)])
    assert result.exit_code == 2 and "uid 应为 UUID" in result.output
    with app.app_context():
        assert dump_database(get_engine()) == before


def test_one_compound_only(imported_app: Flask, tmp_path: Path) -> None:
    with imported_app.app_context():
        layers = gather(get_session())
    community = next(f for f in layers["communities"] if f["properties"]["name"] == "双泉嘉苑")
    out = tmp_path / "one.geojson"
    result = imported_app.test_cli_runner().invoke(args=[
        "export", "--format", "geojson", "--out", str(out),
        "--community", community["properties"]["code"]])
    assert result.exit_code == 0, result.output
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert [f["id"] for f in features if f["properties"]["layer"] == "communities"] == [
        community["id"]]
    gates = [f for f in features if f["properties"]["layer"] == "gates"]
    assert gates and all(f["properties"]["community"] == community["id"] for f in gates)
    expected = sum(1 for f in layers["gates"] if f["properties"]["community"] == community["id"])
    assert len(gates) == expected


def _read_osm(path: Path) -> dict[str, Any]:
    """An OSM file read by an independent parser (pyosmium)."""
    found: dict[str, Any] = {"nodes": {}, "ways": {}, "relations": {}}
    for obj in osmium.FileProcessor(str(path)):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            found["nodes"][obj.id] = tags
        elif obj.is_way():
            found["ways"][obj.id] = ([n.ref for n in obj.nodes], tags)
        else:
            found["relations"][obj.id] = tags
    return found


def test_osm_export_opens_as_new_objects_with_tags_mapped_back(imported_app: Flask,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "bupt.osm"
    result = imported_app.test_cli_runner().invoke(
        args=["export", "--format", "osm", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    osm = _read_osm(out)
    ids = [*osm["nodes"], *osm["ways"], *osm["relations"]]
    assert ids and all(i < 0 for i in ids) and len(ids) == len(set(ids))
    assert all(ref in osm["nodes"] for refs, _ in osm["ways"].values() for ref in refs)
    with imported_app.app_context():
        gates = list(get_session().scalars(select(Gate).where(Gate.source == "osm")))
    gate_tags = [t for t in osm["nodes"].values() if "barrier" in t]
    assert len(gate_tags) == len(gates)
    closed = [t for t in gate_tags if t.get("access") == "private"]
    assert len(closed) == sum(1 for g in gates if g.rider_access == "closed")
    own = {k for t in osm["nodes"].values() for k in t if k.startswith("youlu:")}
    assert own == {"youlu:uid"}  # the stable identity only, no bookkeeping tags
    doors = [t for t in osm["nodes"].values() if "entrance" in t and "barrier" not in t]
    assert len(doors) == 92  # every unit door of the BUPT extract, numbered
    assert all(t.get("ref") for t in doors)


def test_osm_round_trip_through_the_osm_importer(imported_app: Flask, app: Flask,
                                                 tmp_path: Path) -> None:
    """What OSM can carry comes back: compounds, buildings, OSM gates, unit doors (the
    importer's guesses, inferred and proposed gates, are not exported and guessed anew)."""
    out = tmp_path / "all.osm"
    assert imported_app.test_cli_runner().invoke(
        args=["export", "--format", "osm", "--out", str(out)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["import-osm", str(out)])
    assert result.exit_code == 0, result.output
    before, after = canonical(imported_app), canonical(app)

    def carried(rows: list[tuple[str, str]], keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """(centroid to about a metre, the attributes OSM carries) of each feature."""
        out = []
        for geometry, props in rows:
            centre = shapely_wkt.loads(geometry).centroid
            out.append((round(centre.x, 5), round(centre.y, 5),
                        *(json.loads(props)[k] for k in keys)))
        return sorted(out, key=repr)

    for name, keys in {"communities": ("name",), "buildings": ("number", "floors"),
                       "units": ("number",)}.items():
        assert carried(after[name], keys) == carried(before[name], keys), name
    kinds = {name: sorted(json.loads(p)["kind"] for _w, p in rows)
             for name, rows in (("before", before["facilities"]), ("after", after["facilities"]))}
    assert kinds["after"] == kinds["before"]  # each written once: none doubled (was 41 of 39 in bupt)
    gates = [json.loads(p) for _w, p in before["gates"]]
    osm_gates = sorted((g["name"] or "", g["rider_access"], g["opening_hours"] or "")
                       for g in gates if g["kind"] not in GUESSED_SOURCES)
    back = sorted((g["name"] or "", g["rider_access"], g["opening_hours"] or "")
                  for g in (json.loads(p) for _w, p in after["gates"]) if g["kind"] not in GUESSED_SOURCES)
    assert back == osm_gates


BAD_FILES = [
    ("empty.geojson", b"", "是空的"),
    ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "不是有效的 JSON"),
    ("list.geojson", b"[1, 2, 3]", "不是 GeoJSON FeatureCollection"),
    ("deep.geojson", b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000
     + b"]" * 100_000 + b"}", "JSON 嵌套太深：最多 64 层"),
    ("nolayer.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {"name": "x"}}]}).encode(),
     "properties.layer"),
    ("badgeom.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
            [[116.35, 39.96], [116.36, 39.97], [116.36, 39.96], [116.35, 39.97], [116.35, 39.96]]]},
         "properties": {"layer": "communities", "name": "自相交"}}]}).encode(), "自相交"),
    ("swapped.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [39.96, 116.35]},
         "properties": {"layer": "facilities", "kind": "toilet"}}]}).encode(), "写反"),
    ("fake.gpkg", b"this is not a geopackage", "GeoPackage"),
    ("data.csv", b"a,b\n1,2\n", "不支持的文件类型"),
    ("extract.osm", b"<osm version='0.6'></osm>", "import-osm"),
    ("extract.osm.pbf", b"\x00\x00\x00\x0d\x0a\x09OSMHeader", "import-osm"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_bad_file_is_refused_and_nothing_changes(app: Flask, tmp_path: Path, name: str,
                                                 content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with app.app_context():
        before = dump_database(get_engine())
    result = app.test_cli_runner().invoke(args=["import-features", str(path)])
    assert result.exit_code == 2
    assert message in result.output
    with app.app_context():
        assert dump_database(get_engine()) == before


def _gpkg(path: Path, types: str, floors: list[Any]) -> Path:
    """A one-layer GeoPackage of units with ``youlu_types`` metadata ``types``."""
    frame = gpd.GeoDataFrame({"id": list(range(1, len(floors) + 1)), "floors": floors},
                             geometry=[Point(116.355, 39.962)] * len(floors), crs="EPSG:4326")
    pyogrio.write_dataframe(frame, path, layer="units", driver="GPKG",
                            layer_metadata={"youlu_types": types})
    return path


@pytest.mark.parametrize(("types", "floors", "message"), [
    ('{"id": "int", "floors": ', [3], "youlu_types 元数据不是有效的 JSON"),
    ('["int"]', [3], "元数据应为“列名: 类型”"),
    ('{"id": "int", "floors": "tuple"}', [3], "元数据应为“列名: 类型”"),
    ('{"id": "int", "floors": "int"}', ["很多"], "第 1 行的 floors 应为 int 类型，收到“很多”"),
    ('{"id": "int", "floors": "int"}', [2.5], "floors 应为 int 类型"),
    ('{"id": "int", "floors": "json"}', ["{oops"], "floors 应为 json 类型"),
])
def test_bad_geopackage_is_refused_and_nothing_changes(app: Flask, tmp_path: Path, types: str,
                                                       floors: list[Any], message: str) -> None:
    path = _gpkg(tmp_path / "bad.gpkg", types, floors)
    with app.app_context():
        before = dump_database(get_engine())
    result = app.test_cli_runner().invoke(args=["import-features", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    with app.app_context():
        assert dump_database(get_engine()) == before


def test_failure_midway_leaves_nothing(imported_app: Flask, app: Flask, tmp_path: Path) -> None:
    """A good file whose last feature is bad: the features before it are not kept."""
    out = tmp_path / "all.geojson"
    imported_app.test_cli_runner().invoke(args=["export", "--format", "geojson", "--out", str(out)])
    body = json.loads(out.read_text(encoding="utf-8"))
    units = [f for f in body["features"] if f["properties"]["layer"] == "units"]
    units[-1]["properties"]["floors"] = "很多"
    out.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    with app.app_context():
        before = dump_database(get_engine())
    result = app.test_cli_runner().invoke(args=["import-features", str(out)])
    assert result.exit_code == 2 and "floors" in result.output
    with app.app_context():
        assert dump_database(get_engine()) == before


def test_import_outside_the_users_scope_is_refused(imported_app: Flask, app: Flask,
                                                   tmp_path: Path) -> None:
    make_accounts(app)  # "other" edits only 110108015; the file is 110108008/010/014
    out = tmp_path / "all.gpkg"
    imported_app.test_cli_runner().invoke(args=["export", "--format", "gpkg", "--out", str(out)])
    with app.app_context():
        before = dump_database(get_engine())
    result = app.test_cli_runner().invoke(args=["import-features", str(out), "--user", "other"])
    assert result.exit_code == 2 and "无权修改" in result.output
    with app.app_context():
        assert dump_database(get_engine()) == before


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "geojson", "--community", "999999"], "找不到编号为 999999"),
    (["--format", "geojson", "--community", "110108010000-001-003"], "楼栋编码"),
    (["--format", "shapefile"], "Invalid value for '--format'"),
])
def test_export_refuses_bad_arguments(app: Flask, tmp_path: Path, args: list[str],
                                      message: str) -> None:
    out = tmp_path / "out.file"
    result = app.test_cli_runner().invoke(args=["export", "--out", str(out), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()
