"""Spatial indexes for migrations: GiST on PostGIS, an R*Tree over the bbox on SQLite."""

from __future__ import annotations

from alembic import op


def create_spatial_index(table: str) -> None:
    """Index ``table.geom`` for bbox and containment queries on the current backend.

    On SQLite the R*Tree ``rtree_<table>`` mirrors the bbox columns through triggers.
    """
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING gist (geom)")
        return
    rtree = f"rtree_{table}"
    op.execute(f"CREATE VIRTUAL TABLE {rtree} USING rtree(id, min_lon, max_lon, min_lat, max_lat)")
    cols = "id, min_lon, max_lon, min_lat, max_lat"
    new = "new.id, new.min_lon, new.max_lon, new.min_lat, new.max_lat"
    op.execute(f"CREATE TRIGGER {rtree}_ins AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {rtree} ({cols}) VALUES ({new}); END")
    op.execute(f"CREATE TRIGGER {rtree}_upd AFTER UPDATE ON {table} BEGIN "
               f"DELETE FROM {rtree} WHERE id = old.id; "
               f"INSERT INTO {rtree} ({cols}) VALUES ({new}); END")
    op.execute(f"CREATE TRIGGER {rtree}_del AFTER DELETE ON {table} BEGIN "
               f"DELETE FROM {rtree} WHERE id = old.id; END")


def drop_spatial_index(table: str) -> None:
    """Undo ``create_spatial_index``."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_geom")
        return
    for suffix in ("ins", "upd", "del"):
        op.execute(f"DROP TRIGGER IF EXISTS rtree_{table}_{suffix}")
    op.execute(f"DROP TABLE IF EXISTS rtree_{table}")
