"""Migration 0010_reports on SQLite and PostGIS: old report kinds and states become the
plan's categories and the five states, and the migration goes down again cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from app.db import MIGRATIONS_DIR, make_engine, upgrade_schema
from tests.support.databases import drop_postgis_database, new_database


def test_old_reports_are_mapped_and_downgrade_works(backend: str, tmp_path: Path) -> None:
    url = new_database(backend, "migration", tmp_path)
    engine = make_engine(url)
    try:
        upgrade_schema(engine, "0006")
        with engine.begin() as conn:
            for kind, status in (("gate_closed", "new"), ("no_charging", "resolved"),
                                 ("forged_plate", "in_progress")):
                conn.execute(text("INSERT INTO reports (created_at, updated_at, kind, status) "
                                  "VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :k, :s)"),
                             {"k": kind, "s": status})
        upgrade_schema(engine, "head")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, status, supporters, photo_public FROM reports "
                                     "ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("access", "submitted", 0, False),
                                            ("charging", "resolved", 0, False),
                                            ("forged_plate", "in_progress", 0, False)]
        tables = set(inspect(engine).get_table_names())
        assert {"point_entries", "point_accounts", "rewards", "redemptions", "report_changes",
                "volunteer_activities", "volunteer_signups", "wishes"} <= tables
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0006")
        inspector = inspect(engine)
        assert "point_entries" not in inspector.get_table_names()
        assert "office_id" not in {c["name"] for c in inspector.get_columns("reports")}
    finally:
        engine.dispose()
        if backend == "postgis":
            drop_postgis_database(url.rsplit("/", 1)[1])
