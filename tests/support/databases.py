"""Test databases on SQLite and PostGIS, migrated with the national divisions, and the
app on one. PostGIS is mandatory: when it cannot be reached the PostGIS tests fail,
unless YOULU_SKIP_POSTGIS=1 says to skip them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, delete, text

from app import create_app
from app.addresses.divisions import load_national_divisions
from app.db import get_session, make_engine, upgrade_schema
from app.models import Base, Division

BACKENDS = ("sqlite", "postgis")
POSTGRES_ADMIN_URL = os.environ.get(
    "YOULU_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1/postgres")


def _postgis_database(name: str) -> str:
    """Create an empty PostGIS database ``name`` and return its URL."""
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as error:  # no server, no rights: say so loudly
        if os.environ.get("YOULU_SKIP_POSTGIS") == "1":
            pytest.skip(f"PostGIS not available: {error}")
        pytest.fail(f"PostGIS is required for the storage tests and is not reachable at "
                    f"{POSTGRES_ADMIN_URL}: {error}")
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgis_database(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def copy_postgis_database(template: str, name: str) -> None:
    """Create database ``name`` as a copy of ``template``.

    PostgreSQL copies a template only while nobody is connected to it. A read-only test that
    has finished can leave a session behind (a live server's thread still holding a pooled
    connection when its engine was disposed), so those sessions are ended first."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = :template AND pid <> pg_backend_pid()"),
                     {"template": template})
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()


def new_database(backend: str, label: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'{label}.sqlite3'}"
    return _postgis_database(f"youlu_test_{label}_{os.getpid()}")


def prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade_schema(engine)
    from sqlalchemy.orm import Session
    with Session(engine) as session:
        load_national_divisions(session)
        session.commit()
    engine.dispose()


def wipe(app: Flask) -> None:
    """Delete everything but the national divisions."""
    with app.app_context():
        db = get_session()
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "divisions":
                db.execute(delete(Division).where(Division.level == 5))
            else:
                db.execute(table.delete())
        db.commit()


def make_app(url: str, tmp_path: Path) -> Flask:
    return create_app({
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "KEYS_DIR": str(tmp_path / "keys"),
        "CACHE_DIR": str(tmp_path / "cache"),
        "JOBS_DIR": str(tmp_path / "jobs"),
        "RATELIMIT_ENABLED": False,
    })
