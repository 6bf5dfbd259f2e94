"""Storing extracts (app/imports/importer.py and ``flask import-osm``) on SQLite and PostGIS."""

from __future__ import annotations

import bz2
from collections import Counter
from pathlib import Path

import osmium
import pytest
from flask import Flask
from sqlalchemy import func, select

from app.accounts.auth import Actor
from app.db import get_engine, get_session
from app.imports.importer import MODEL_OF_KIND, import_osm
from app.models import AuditEntry, Community, Gate, User
from app.places.editing import delete_feature, update_feature
from geo import settings
from geo.geometry.coords import distance_m
from geo.osm.extract import read_osm_extract
from tests.support.dbdump import dump_database
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        db = get_session()
        return {kind: db.scalar(select(func.count()).select_from(model))
                for kind, model in MODEL_OF_KIND.items()}


def test_imported_counts_equal_the_extracts(imported_app: Flask) -> None:
    expected = {kind: sum(len(read_extract(name).features[kind]) for name in EXTRACTS)
                for kind in MODEL_OF_KIND}
    assert _counts(imported_app) == expected


def test_compounds_get_their_division_and_gates(imported_app: Flask) -> None:
    with imported_app.app_context():
        db = get_session()
        shuangquan = db.scalar(select(Community).where(Community.name == "双泉嘉苑"))
        assert shuangquan.division_code == "110108010"
        huaqing = db.scalar(select(Community).where(Community.name == "华清嘉园小区"))
        assert huaqing.division_code == "110108014"
        assert huaqing.gates, "华清嘉园 is entered through gates inferred where roads cross it"
        assert all(g.inferred and g.source == "inferred" for g in huaqing.gates)


def test_reimport_is_idempotent(writable_imported_app: Flask) -> None:
    app = writable_imported_app
    before = dump_database(app.extensions["db_engine"])
    with app.app_context():
        report = import_osm(get_session(), OSM_DIR / EXTRACTS["bupt"][0],
                            extract=read_extract("bupt"))
    assert not report.created and not report.updated and not report.conflicts
    assert sum(report.unchanged.values()) == sum(read_extract("bupt").counts().values())
    assert dump_database(app.extensions["db_engine"]) == before


def test_reimport_updates_osm_changes_but_keeps_office_edits(writable_imported_app: Flask,
                                                             tmp_path: Path) -> None:
    app = writable_imported_app
    raw = bz2.decompress((OSM_DIR / EXTRACTS["qinghuadonglu"][0]).read_bytes()).decode()
    assert '<tag k="name" v="双泉嘉苑"/>' in raw and '<tag k="name" v="学士居"/>' in raw
    changed = raw.replace('<tag k="name" v="双泉嘉苑"/>', '<tag k="name" v="双泉嘉苑小区"/>')
    changed = changed.replace('<tag k="name" v="学士居"/>', '<tag k="name" v="学士居小区"/>')
    path = tmp_path / "changed.osm"
    path.write_text(changed, encoding="utf-8")
    with app.app_context():
        db = get_session()
        admin = User(username="office-admin", password_hash="x", role="admin")
        db.add(admin)
        db.commit()
        xueshiju = db.scalar(select(Community).where(Community.name == "学士居"))
        update_feature(db, Actor(user=admin, token=None, via_session=False), "communities",
                       xueshiju.id, {"type": "Feature", "properties": {
                           "version": xueshiju.version, "ebikes_allowed": False}})
        report = import_osm(db, path)
        names = set(db.scalars(select(Community.name)))
        kept = db.get(Community, xueshiju.id)
    assert report.updated["community"] == 1
    assert [c["id"] for c in report.conflicts] == [xueshiju.id]
    assert "双泉嘉苑小区" in names and "双泉嘉苑" not in names
    assert kept.name == "学士居" and kept.ebikes_allowed is False and kept.edited


def test_import_reports_the_entrances_found_inferred_and_proposed(writable_imported_app: Flask) -> None:
    extract = read_extract("qinghuadonglu")
    with writable_imported_app.app_context():
        report = import_osm(get_session(), OSM_DIR / EXTRACTS["qinghuadonglu"][0], extract=extract)
    sources = Counter(g.source for g in extract.features["gate"])
    assert report.entrances == {"mapped": sources["osm"], "inferred": sources["inferred"],
                                "proposed": sources["proposed"]}
    assert report.entrances["proposed"] == 2  # 富润家园 and 静淑苑: no gate, no road in
    assert report.as_dict()["entrances"] == report.entrances


def test_confirmed_entrances_keep_their_code_through_a_reimport(writable_imported_app: Flask) -> None:
    # The office confirms a proposed entrance by renaming it and an inferred one by moving
    # it along the boundary: both become the office's, keep their address code, and a
    # new import of the same extract leaves them alone and adds no twin.
    app = writable_imported_app
    with app.app_context():
        db = get_session()
        admin = User(username="office-admin", password_hash="x", role="admin")
        db.add(admin)
        db.commit()
        actor = Actor(user=admin, token=None, via_session=False)
        jingshu = db.scalar(select(Community).where(Community.name == "静淑苑"))
        proposed = next(g for g in jingshu.gates if g.source == "proposed")
        inferred = db.scalar(select(Gate).where(Gate.source == "inferred").order_by(Gate.id))
        codes = {proposed.id: proposed.code, inferred.id: inferred.code}
        assert all(codes.values())
        update_feature(db, actor, "gates", proposed.id, {"type": "Feature", "properties": {
            "version": proposed.version, "name": "静淑苑东门"}})
        boundary = inferred.community.geom.boundary
        along = boundary.interpolate(boundary.project(inferred.geom) + 0.00002)
        update_feature(db, actor, "gates", inferred.id, {"type": "Feature", "properties": {
            "version": inferred.version}, "geometry": {"type": "Point", "coordinates": [along.x, along.y]}})
        gates_before = db.scalar(select(func.count()).select_from(Gate))
        report = import_osm(db, OSM_DIR / EXTRACTS["qinghuadonglu"][0], extract=read_extract("qinghuadonglu"))
        renamed, moved = db.get(Gate, proposed.id), db.get(Gate, inferred.id)
        assert db.scalar(select(func.count()).select_from(Gate)) == gates_before
        jingshu_gates = [(g.source, g.name) for g in db.get(Community, jingshu.id).gates]
    assert not report.created["gate"] and not report.updated["gate"]
    assert (renamed.source, renamed.inferred, renamed.kind) == ("office", False, "gate")
    assert renamed.name == "静淑苑东门"
    assert (moved.source, moved.inferred) == ("office", False)
    assert (moved.geom.x, moved.geom.y) == pytest.approx((along.x, along.y), abs=1e-7)
    assert renamed.edited and moved.edited
    assert {renamed.id: renamed.code, moved.id: moved.code} == codes
    assert jingshu_gates == [("office", "静淑苑东门")]


def _shift_way(source: Path, target: Path, way_id: int, east_deg: float) -> None:
    """``source`` written to ``target`` with every node of way ``way_id`` moved east."""
    nodes = {n.ref for w in osmium.FileProcessor(str(source), osmium.osm.WAY) if w.id == way_id
             for n in w.nodes}
    processor = osmium.FileProcessor(str(source))
    with osmium.SimpleWriter(str(target), header=processor.header, overwrite=True) as writer:
        for obj in processor:
            if obj.is_node() and obj.id in nodes:
                writer.add_node(obj.replace(location=osmium.osm.Location(obj.lon + east_deg, obj.lat)))
            else:
                writer.add(obj)


def test_office_gates_are_not_undone_by_new_guesses(writable_imported_app: Flask, tmp_path: Path) -> None:
    # The office confirms one inferred gate and deletes another (a wrong guess). OSM then
    # moves the first one's road 2 m, so its crossing gets a new key: a re-import adds
    # neither a twin next to the confirmed gate nor the deleted guess again.
    app = writable_imported_app
    path = OSM_DIR / EXTRACTS["qinghuadonglu"][0]
    with app.app_context():
        db = get_session()
        admin = User(username="office-admin", password_hash="x", role="admin")
        db.add(admin)
        db.commit()
        actor = Actor(user=admin, token=None, via_session=False)
        kept, wrong = db.scalars(select(Gate).where(Gate.source == "inferred").order_by(Gate.id)).all()[:2]
        kept_id, community_id, way = kept.id, kept.community_id, int(kept.tags["osm_way"])
        update_feature(db, actor, "gates", kept.id, {"type": "Feature", "properties": {
            "version": kept.version, "name": "确认的门"}})
        wrong_key = (wrong.osm_type, wrong.osm_id)
        delete_feature(db, actor, "gates", wrong.id, version=wrong.version)
        db.commit()
        moved = tmp_path / "moved.osm"
        _shift_way(path, moved, way, 0.00002)
        report = import_osm(db, moved)
        confirmed = db.get(Gate, kept_id)
        near = [g for g in db.scalars(select(Gate).where(Gate.community_id == community_id))
                if distance_m(g.geom, confirmed.geom) <= settings.INFERRED_GATE_MIN_SPACING_M]
        again = db.scalar(select(Gate).where(Gate.osm_type == wrong_key[0], Gate.osm_id == wrong_key[1]))
    assert [g.id for g in near] == [kept_id]
    assert again is None
    assert report.skipped["guess_near_office_gate"] >= 1
    assert report.skipped["guess_deleted_by_office"] == 1
    # the moved road's new crossing is read, so the skip is the office rule's doing
    confirmed_key = (confirmed.osm_type, confirmed.osm_id)
    assert any(g.tags.get("osm_way") == str(way) and g.key != confirmed_key
               for g in read_osm_extract(moved).features["gate"])


def test_import_writes_the_audit_log(imported_app: Flask) -> None:
    with imported_app.app_context():
        db = get_session()
        entries = db.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "import"))
    assert entries == sum(_counts(imported_app).values())


def test_cli_import_prints_a_summary(runner, app: Flask) -> None:
    result = runner.invoke(args=["import-osm", str(OSM_DIR / EXTRACTS["bupt"][0]),
                                 "--division", "110108008"])
    assert result.exit_code == 0, result.output
    assert "community" in result.output and "created" in result.output
    counts = Counter(g.source for g in read_extract("bupt").features["gate"])
    assert (f"entrances: 已标注 mapped {counts['osm']}，推断 inferred {counts['inferred']}，"
            f"待核实 proposed {counts['proposed']}") in result.output
    assert counts["osm"] and counts["inferred"]
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Gate)) == len(
            read_extract("bupt").features["gate"])


def test_cli_bad_inputs_change_nothing(runner, app: Flask, tmp_path: Path) -> None:
    runner.invoke(args=["import-osm", str(OSM_DIR / EXTRACTS["bupt"][0])])
    with app.app_context():
        before = dump_database(get_engine())
    truncated = tmp_path / "truncated.osm"
    truncated.write_bytes(bz2.decompress((OSM_DIR / EXTRACTS["bupt"][0]).read_bytes())[:200000])
    huge_id = tmp_path / "huge-id.osm"
    huge_id.write_text("<?xml version='1.0'?><osm version='0.6'>"
                       "<bounds minlat='39.96' minlon='116.35' maxlat='39.97' maxlon='116.36'/>"
                       f"<node id='{2**63}' lat='39.961' lon='116.351' version='1'/></osm>")
    cases = [
        ([str(truncated)], "无法解析"),
        ([str(huge_id)], "illegal id"),
        ([str(tmp_path / "nope.osm")], "找不到"),
        ([str(OSM_DIR / EXTRACTS["bupt"][0]), "--division", "12345"], "位数"),
        ([str(OSM_DIR / EXTRACTS["bupt"][0]), "--division", "110108999"], "不在国家"),
        ([str(OSM_DIR / EXTRACTS["bupt"][0]), "--division", "110108008000"], "000"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["import-osm", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
    with app.app_context():
        assert dump_database(get_engine()) == before
