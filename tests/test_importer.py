"""Storing extracts (app/imports/importer.py and ``flask import-osm``) on SQLite and PostGIS."""

from __future__ import annotations

import bz2
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from app.accounts.auth import Actor
from app.db import get_engine, get_session
from app.imports.importer import MODEL_OF_KIND, import_osm
from app.models import AuditEntry, Community, Gate, User
from app.places.editing import update_feature
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
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Gate)) == len(
            read_extract("bupt").features["gate"])


def test_cli_bad_inputs_change_nothing(runner, app: Flask, tmp_path: Path) -> None:
    runner.invoke(args=["import-osm", str(OSM_DIR / EXTRACTS["bupt"][0])])
    with app.app_context():
        before = dump_database(get_engine())
    truncated = tmp_path / "truncated.osm"
    truncated.write_bytes(bz2.decompress((OSM_DIR / EXTRACTS["bupt"][0]).read_bytes())[:200000])
    cases = [
        ([str(truncated)], "无法解析"),
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
