"""A comparable dump of every table, to prove that a refused write changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, select


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
