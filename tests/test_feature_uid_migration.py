"""Migration 0007_feature_uids on SQLite and PostGIS: existing place features get distinct
uids, new ones get one at creation, and the migration goes down again cleanly."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from alembic import command
from alembic.config import Config
from shapely.geometry import Point, box
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from app.db import MIGRATIONS_DIR, make_engine, upgrade_schema
from app.models import Community, Gate
from tests.support.databases import drop_postgis_database, new_database

PLACE_TABLES = ("communities", "gates", "buildings", "units", "paths", "facilities")


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def test_existing_features_get_distinct_uids_and_downgrade_works(backend: str,
                                                                   tmp_path: Path) -> None:
    url = new_database(backend, "uid_migration", tmp_path)
    engine = make_engine(url)
    try:
        upgrade_schema(engine, "head")
        with Session(engine) as session:
            compound = Community(name="双泉嘉苑", geom=box(116.35, 39.96, 116.36, 39.97))
            session.add(compound)
            session.flush()
            session.add_all([Gate(community_id=compound.id, geom=Point(116.35, 39.965)),
                             Gate(community_id=compound.id, geom=Point(116.36, 39.965))])
            session.commit()
        _downgrade(engine, "0006")
        inspector = inspect(engine)
        for table in PLACE_TABLES:
            assert "uid" not in {c["name"] for c in inspector.get_columns(table)}, table
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM gates")).scalar() == 2
        assert "session_version" not in {c["name"] for c in inspector.get_columns("users")}

        upgrade_schema(engine, "head")
        with engine.connect() as conn:
            uids = [*conn.execute(text("SELECT uid FROM communities")).scalars(),
                    *conn.execute(text("SELECT uid FROM gates")).scalars()]
        assert len(uids) == 3 and len(set(uids)) == 3
        assert all(str(UUID(u)) == u for u in uids)
        for table in PLACE_TABLES:
            columns = {c["name"]: c for c in inspect(engine).get_columns(table)}
            assert columns["uid"]["nullable"] is False, table
            indexes = inspect(engine).get_indexes(table)
            assert any(i["column_names"] == ["uid"] and i["unique"] for i in indexes), table
        with Session(engine) as session:
            gate = Gate(community_id=session.query(Community.id).scalar(),
                        geom=Point(116.355, 39.97))
            session.add(gate)
            session.flush()
            assert gate.uid not in uids and str(UUID(gate.uid)) == gate.uid
    finally:
        engine.dispose()
        if backend == "postgis":
            drop_postgis_database(url.rsplit("/", 1)[1])
