"""A comparable dump of every table, to prove that a refused write changed nothing; and a
cheap fingerprint of it, to prove that a test left a shared database as it found it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, func, select


def dump_database(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (reflected), ordered, with values made comparable."""
    meta = MetaData()
    meta.reflect(engine)
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name.startswith(("rtree_", "spatial_ref_sys")):
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).all()
            dump[table.name] = [tuple(_comparable(v) for v in row) for row in rows]
    return dump


def _comparable(value: Any) -> Any:
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return str(value) if value is not None and not isinstance(value, (int, float, str, bool)) else value


def database_fingerprint(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """Per model table: row count, highest id, sum of versions and latest ``updated_at``
    (where the table has them). Cheap enough to take around every test; a write that
    keeps all four (an update that sets neither) goes unseen, a dump sees everything."""
    from app.models import Base
    queries = {}
    for table in Base.metadata.sorted_tables:
        columns = table.columns
        parts = [func.count()]
        parts += [func.max(columns[name]) for name in ("id", "updated_at") if name in columns]
        parts += [func.sum(columns["version"])] if "version" in columns else []
        queries[table.name] = select(*parts).select_from(table)
    with engine.connect() as conn:
        return {name: tuple(_comparable(v) for v in conn.execute(query).one())
                for name, query in queries.items()}
