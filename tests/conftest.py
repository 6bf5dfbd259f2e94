"""Fixtures: the app on SQLite and on PostGIS, a CLI runner, logged-in actors, and the
three real Beijing extracts imported once per backend.

Every storage test runs on both backends. PostGIS is mandatory: when it cannot be
reached the PostGIS tests fail, unless YOULU_SKIP_POSTGIS=1 says to skip them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, delete, text

from app import create_app
from app.accounts.auth import hash_password, issue_token
from app.addresses.divisions import load_national_divisions
from app.db import get_session, make_engine, upgrade_schema
from app.imports.importer import import_osm
from app.models import Base, Division, Office, User
from geo.osm.extract import OsmExtract, read_osm_extract

ROOT = Path(__file__).resolve().parent.parent
OSM_DIR = ROOT / "data" / "osm"
# The extracts and the street (街道) each is imported into for the tests.
EXTRACTS = {
    "qinghuadonglu": ("beijing_haidian_qinghuadonglu.osm.bz2", "110108010"),
    "bupt": ("beijing_haidian_bupt.osm.bz2", "110108008"),
    "wudaokou": ("beijing_haidian_wudaokou_2017.osm.bz2", "110108014"),
}
BACKENDS = ("sqlite", "postgis")
POSTGRES_ADMIN_URL = os.environ.get(
    "YOULU_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1/postgres")
PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    """The argon2 hash of ``PASSWORD``, computed once (argon2 is slow on purpose)."""
    return hash_password(PASSWORD)


@cache
def read_extract(name: str) -> OsmExtract:
    """Each real extract read once per test session."""
    return read_osm_extract(OSM_DIR / EXTRACTS[name][0])


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


def _drop_postgis_database(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _new_database(backend: str, label: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'{label}.sqlite3'}"
    return _postgis_database(f"youlu_test_{label}_{os.getpid()}")


def _prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade_schema(engine)
    from sqlalchemy.orm import Session
    with Session(engine) as session:
        load_national_divisions(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend under test: ``sqlite`` or ``postgis``."""
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database with the national divisions, emptied before each test."""
    url = _new_database(backend, "main", tmp_path_factory.mktemp(backend))
    _prepare(url)
    yield url
    if backend == "postgis":
        _drop_postgis_database(url.rsplit("/", 1)[1])


def _wipe(app: Flask) -> None:
    """Delete everything but the national divisions."""
    with app.app_context():
        db = get_session()
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "divisions":
                db.execute(delete(Division).where(Division.level == 5))
            else:
                db.execute(table.delete())
        db.commit()


def _make_app(url: str, tmp_path: Path) -> Flask:
    return create_app({
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "KEYS_DIR": str(tmp_path / "keys"),
        "CACHE_DIR": str(tmp_path / "cache"),
        "RATELIMIT_ENABLED": False,
    })


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app on an empty database (divisions loaded) of the current backend."""
    application = _make_app(database_url, tmp_path)
    _wipe(application)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def imported_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database with the three Beijing extracts imported (read it, do not change it)."""
    url = _new_database(backend, "imported", tmp_path_factory.mktemp(f"{backend}-imported"))
    _prepare(url)
    application = _make_app(url, tmp_path_factory.mktemp("imported-app"))
    with application.app_context():
        for name, (filename, division) in EXTRACTS.items():
            import_osm(get_session(), OSM_DIR / filename, division=division,
                       extract=read_extract(name))
    application.extensions["db_engine"].dispose()
    yield url
    if backend == "postgis":
        _drop_postgis_database(url.rsplit("/", 1)[1])


@pytest.fixture
def imported_app(imported_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on the shared imported database: for tests that only read."""
    application = _make_app(imported_url, tmp_path)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def writable_imported_app(backend: str, imported_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a private copy of the imported database: for tests that write."""
    if backend == "sqlite":
        source = Path(imported_url.removeprefix("sqlite:///"))
        target = tmp_path / "copy.sqlite3"
        shutil.copy(source, target)
        url = f"sqlite:///{target}"
        name = None
    else:
        name = f"youlu_test_copy_{os.getpid()}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(
                f'CREATE DATABASE "{name}" TEMPLATE "{imported_url.rsplit("/", 1)[1]}"'))
        admin.dispose()
        url = imported_url.rsplit("/", 1)[0] + f"/{name}"
    application = _make_app(url, tmp_path)
    yield application
    application.extensions["db_engine"].dispose()
    if name:
        _drop_postgis_database(name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright, one for the whole session."""
    from tests.browser_support import chromium
    with chromium() as (_playwright, chromium_browser):
        yield chromium_browser


@dataclass
class Accounts:
    """Offices, users and tokens made for a test, with helpers to use them."""

    app: Flask
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        """Authorization header of ``who``: admin, editor, other_editor or platform."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def make_accounts(app: Flask, *, division: str = "110108010") -> Accounts:
    """An admin; an editor of an office serving ``division``; an editor of another
    street's office; and a read-only platform token."""
    tokens: dict[str, str] = {}
    with app.app_context():
        db = get_session()
        home = Office(name="学院路街道测试社区", division_codes=[division])
        away = Office(name="燕园街道测试社区", division_codes=["110108015"])
        db.add_all([home, away])
        db.flush()
        users = {
            "admin": User(username="admin", password_hash=password_hash(), role="admin"),
            "editor": User(username="editor", password_hash=password_hash(),
                           role="editor", office_id=home.id),
            "other_editor": User(username="other", password_hash=password_hash(),
                                 role="editor", office_id=away.id),
        }
        db.add_all(users.values())
        for who, user in users.items():
            row, secret = issue_token(f"{who} token", scope="write", user=user)
            db.add(row)
            tokens[who] = secret
        row, secret = issue_token("platform", scope="read")
        db.add(row)
        tokens["platform"] = secret
        db.commit()
    return Accounts(app, tokens)


@pytest.fixture
def accounts(app: Flask) -> Accounts:
    return make_accounts(app)
