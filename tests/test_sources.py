"""Sources of the map (app/imports/sources.py, the ``import-osm`` and ``sources`` commands,
routing on the recorded sources): a fresh database with no setting but the imported
extracts routes on them, lists them, drops one, marks a file without roads failed once,
and follows a changed file. On SQLite and PostGIS."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.db import get_session
from app.models import Building, Community, Gate, Source
from app.routing.service import cache_dir, networks
from geo.routing.cache import load_street_graph
from geo.routing.street_graph import StreetGraph
from tests.support.extracts import EXTRACTS, OSM_DIR


def _json(result: Any) -> Any:
    """The JSON object a ``--json`` command printed as its last line."""
    return json.loads(result.output.strip().splitlines()[-1])


def _import(runner: FlaskCliRunner, path: Path) -> dict[str, Any]:
    result = runner.invoke(args=["import-osm", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return _json(result)


def test_import_shows_its_phases_on_stderr_and_only_json_with_json(
        app: Flask, runner: FlaskCliRunner) -> None:
    path = OSM_DIR / "beijing_haidian_bupt.osm.bz2"
    shown = runner.invoke(args=["import-osm", str(path)])
    assert shown.exit_code == 0, shown.output
    phases = ["读取 reading", "要素 features: community", "要素 features: facility",
              "路网与缓存 graph and cache", "完成 done"]
    assert [p for p in phases if p not in shown.stderr] == [], shown.stderr
    assert "完成 done" not in shown.stdout and "出入口 entrances" in shown.stdout
    again = runner.invoke(args=["import-osm", str(path), "--json"])
    assert again.exit_code == 0 and again.stderr == "", again.stderr
    assert json.loads(again.stdout)["source"]["status"] == "ready"


def _building_in_a_compound(app: Flask, west: float, south: float, east: float,
                            north: float) -> tuple[int, float, float]:
    """The first building (by id) inside a compound whose centre lies in the box: id, lon, lat."""
    with app.app_context():
        for building in get_session().scalars(select(Building).where(
                Building.community_id.is_not(None)).order_by(Building.id)):
            c = building.geom.centroid
            if west <= c.x <= east and south <= c.y <= north:
                return building.id, c.x, c.y
    raise AssertionError("no building inside a compound")


def _street_point(street: StreetGraph, lon: float, lat: float, metres: float = 300.0
                  ) -> tuple[float, float]:
    """The street node nearest to ``metres`` away from (lon, lat)."""
    x, y = street.to_plane(lon, lat)
    node = int(np.argmin(np.abs(np.hypot(street.x - x, street.y - y) - metres)))
    return float(street.lon[node]), float(street.lat[node])


def _route(runner: FlaskCliRunner, start: tuple[float, float], building: int) -> Any:
    return runner.invoke(args=["route", "--from", f"{start[0]},{start[1]}",
                               "--to", f"building:{building}", "--at", "2025-05-01T12:00", "--json"])


def _cache_entries(app: Flask, stem: str) -> list[Path]:
    with app.app_context():
        folder = cache_dir()
    return sorted(folder.glob(f"{stem}-*")) if folder.exists() else []


def test_imported_extracts_are_routed_listed_and_removed(
        app: Flask, runner: FlaskCliRunner, streets: dict[str, StreetGraph]) -> None:
    """Import each extract into a fresh database with no other setting: a route from a
    street 300 m away reaches a building of each; ``sources`` lists three; a removed
    source's place then answers the clear error."""
    for name, (filename, _division) in EXTRACTS.items():
        answer = _import(runner, OSM_DIR / filename)
        assert answer["source"]["status"] == "ready" and answer["source"]["error"] is None
        assert answer["source"]["counts"]["entrances"]["found"] + \
            answer["source"]["counts"]["entrances"]["inferred"] > 0
        assert _cache_entries(app, filename.split(".")[0]), name
    targets = {}
    for name, street in streets.items():
        building, lon, lat = _building_in_a_compound(app, *street.bounds)
        start = _street_point(street, lon, lat)
        result = _route(runner, start, building)
        assert result.exit_code == 0, (name, result.output)
        route = _json(result)
        assert route["to"]["kind"] in ("unit", "building") and route["distance_m"] > 200, name
        targets[name] = (start, building)

    listed = runner.invoke(args=["sources", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = _json(listed)
    assert sorted(Path(r["path"]).name for r in rows) == sorted(f for f, _ in EXTRACTS.values())
    assert all(r["status"] == "ready" and len(r["bounds"]) == 4 for r in rows)
    for r in rows:  # imported at, in Beijing time (UTC+8)
        utc = datetime.fromisoformat(r["imported_at"])
        assert utc.utcoffset() == timedelta(0)
        assert r["imported_local"] == (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    text = runner.invoke(args=["sources"]).output
    assert text.count("ready") == 3 and "bounds" in text

    bupt = next(r for r in rows if "bupt" in r["path"])
    removed = runner.invoke(args=["sources", "remove", str(bupt["id"])])
    assert removed.exit_code == 0, removed.output
    result = _route(runner, *targets["bupt"])
    assert result.exit_code == 2
    error = _json(result)
    assert error["error"] == "not_found" and "不在已载入的路网范围内" in error["message"]
    assert not any("bupt" in n for n in error["details"]["networks"])
    assert _route(runner, *targets["wudaokou"]).exit_code == 0  # the others still route

    unknown = runner.invoke(args=["sources", "remove", "/no/such/file.osm"])
    assert unknown.exit_code == 2 and "no source" in unknown.output
    with app.app_context():
        db = get_session()
        assert db.scalar(select(func.count()).select_from(Source)) == 2
        assert db.scalar(select(func.count()).select_from(Community)) > 0  # features stay


def _without_roads(source: Path, target: Path) -> None:
    """``source`` rewritten without any highway way: compounds and buildings, no streets."""
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(source)):
            if isinstance(obj, osmium.osm.Way) and "highway" in obj.tags:
                continue
            writer.add(obj)


def test_a_source_without_roads_fails_once_and_is_never_rebuilt(
        app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bupt_buildings.osm"
    _without_roads(OSM_DIR / EXTRACTS["bupt"][0], path)
    answer = _import(runner, path)
    source = answer["source"]
    assert source["status"] == "failed" and "roads" in source["error"]
    assert source["bounds"] is not None
    building, lon, lat = _building_in_a_compound(app, *source["bounds"])
    for _ in range(3):
        result = _route(runner, (lon + 0.002, lat), building)
        assert result.exit_code == 2
        error = _json(result)
        assert error["error"] == "not_found"
        assert error["details"]["failed_sources"] == [
            {"id": source["id"], "path": str(path), "error": source["error"]}]
    assert _cache_entries(app, "bupt_buildings") == []
    with app.app_context():
        row = get_session().get(Source, source["id"])
        assert (row.status, row.error) == ("failed", source["error"])


def _moved_gates(source: Path, target: Path) -> int:
    """``source`` rewritten with every gate node moved ~10 m north; how many moved."""
    moved = 0
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(source)):
            if isinstance(obj, osmium.osm.Node) and ("entrance" in obj.tags
                                                     or obj.tags.get("barrier") == "gate"):
                writer.add(obj.replace(location=osmium.osm.Location(obj.lon, obj.lat + 0.0001)))
                moved += 1
            else:
                writer.add(obj)
    return moved


def test_reimporting_a_changed_file_updates_its_source(
        app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bupt.osm.bz2"
    shutil.copy(OSM_DIR / EXTRACTS["bupt"][0], path)
    first = _import(runner, path)["source"]
    again = _import(runner, path)["source"]
    assert (again["id"], again["sha256"]) == (first["id"], first["sha256"])
    changed = tmp_path / "changed.osm.bz2"
    assert _moved_gates(path, changed) > 0
    shutil.move(changed, path)
    after = _import(runner, path)
    assert after["source"]["id"] == first["id"] and after["source"]["sha256"] != first["sha256"]
    assert after["source"]["status"] == "ready" and sum(after["updated"].values()) > 0
    with app.app_context():
        db = get_session()
        assert db.scalar(select(func.count()).select_from(Source)) == 1
        assert db.get(Source, first["id"]).size == path.stat().st_size
        assert db.scalar(select(func.count()).select_from(Gate)) > 0


def test_a_lost_graph_cache_answers_the_import_again_error(
        app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    """A request never builds a graph: with the cache cleared, routing tells the office
    to import the file again, and nothing is built."""
    path = OSM_DIR / EXTRACTS["bupt"][0]
    source = _import(runner, path)["source"]
    building, lon, lat = _building_in_a_compound(app, *source["bounds"])
    with app.app_context():
        shutil.rmtree(cache_dir())
    result = _route(runner, (lon + 0.002, lat), building)
    assert result.exit_code == 2
    error = _json(result)
    assert error["error"] == "service_unavailable" and "import-osm" in error["message"]
    assert error["details"]["source"] == source["path"]
    assert _cache_entries(app, "beijing_haidian_bupt") == []


@pytest.mark.parametrize("bad", ["999999", "", "nothing.osm"])
def test_removing_an_unknown_source_changes_nothing(app: Flask, runner: FlaskCliRunner,
                                                    bad: str) -> None:
    result = runner.invoke(args=["sources", "remove", bad])
    assert result.exit_code == 2 and "no source" in result.output
    assert "还没有来源" in runner.invoke(args=["sources"]).output


def _clip(source: Path, target: Path, bbox: tuple[float, float, float, float]) -> None:
    """``source`` cut to ``bbox`` (W, S, E, N) as ``osmium extract`` does with complete
    ways: nodes inside, every way with a node inside (with all its nodes), the relations
    of those; the box written as the file's ``<bounds>``."""
    west, south, east, north = bbox
    inside = {n.id for n in osmium.FileProcessor(str(source), osmium.osm.NODE)
              if west <= n.lon <= east and south <= n.lat <= north}
    ways: set[int] = set()
    refs: set[int] = set()
    for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
        nodes = [n.ref for n in way.nodes]
        if any(r in inside for r in nodes):
            ways.add(way.id)
            refs.update(nodes)
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(osmium.osm.Location(west, south), osmium.osm.Location(east, north)))
    with osmium.SimpleWriter(str(target), header=header) as writer:
        for obj in osmium.FileProcessor(str(source)):
            if isinstance(obj, osmium.osm.Node):
                keep = obj.id in inside or obj.id in refs
            elif isinstance(obj, osmium.osm.Way):
                keep = obj.id in ways
            else:
                keep = any(m.ref in (ways if m.type == "w" else inside) for m in obj.members)
            if keep:
                writer.add(obj)


def test_overlapping_sources_are_routed_as_one_network(
        app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    """The bundled BUPT extract cut in a west and an east part that overlap: imported as
    two sources, they are served as one street graph joined by OSM node id, and a route
    from the west part's streets reaches a building at the far east through both."""
    west, south, east, north = 116.34886, 39.95668, 116.35519, 39.96377
    parts = {"bupt_west": (west, south, 116.3530, north), "bupt_east": (116.3515, south, east, north)}
    for name, bbox in parts.items():
        _clip(OSM_DIR / EXTRACTS["bupt"][0], tmp_path / f"{name}.osm", bbox)
        assert _import(runner, tmp_path / f"{name}.osm")["source"]["status"] == "ready"
    assert len(_cache_entries(app, "joined2")) == 1
    with app.app_context():
        singles = {name: load_street_graph(tmp_path / f"{name}.osm", cache_dir=cache_dir())
                   for name in parts}
        with app.test_request_context():
            served = networks(get_session())
        assert len(served) == 1
        joined = served[0].street
        assert set(joined.osmid.tolist()) == set(singles["bupt_west"].osmid.tolist()) | set(
            singles["bupt_east"].osmid.tolist())
    east_part = singles["bupt_east"]
    building, lon, lat = _building_in_a_compound(app, 116.3540, south, east, north)
    # The start: a street node of the west part only, as far as can be from the east part.
    west_part = singles["bupt_west"]
    only_west = np.flatnonzero(~np.isin(west_part.osmid, east_part.osmid) & west_part.node_main)
    ex, ey = east_part.to_plane(east_part.lon, east_part.lat)
    wx, wy = east_part.to_plane(west_part.lon[only_west], west_part.lat[only_west])
    gap = np.min(np.hypot(wx[:, None] - ex[None, :], wy[:, None] - ey[None, :]), axis=1)
    node = only_west[int(np.argmax(gap))]
    assert gap.max() > 100.0  # no street of the east part within 100 m of the start
    start = (float(west_part.lon[node]), float(west_part.lat[node]))
    result = _route(runner, start, building)
    assert result.exit_code == 0, result.output
    route = _json(result)
    first = route["legs"][0]["geometry"]["coordinates"][0]
    fx, fy = east_part.to_plane(first[0], first[1])
    sx, sy = east_part.to_plane(*start)
    assert float(np.hypot(fx - sx, fy - sy)) < 5.0  # the route starts on the west part's street
    assert route["to"]["id"] is not None and route["distance_m"] > 0

    east_id = next(r["id"] for r in _json(runner.invoke(args=["sources", "--json"]))
                   if r["path"].endswith("bupt_east.osm"))
    assert runner.invoke(args=["sources", "remove", str(east_id)]).exit_code == 0
    with app.test_request_context():
        assert [n.street.source for n in networks(get_session())] == ["bupt_west.osm"]
