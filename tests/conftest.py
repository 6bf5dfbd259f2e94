"""Fixtures: the app on SQLite and on PostGIS, a CLI runner, logged-in actors, and the
three real Beijing extracts imported once per backend. The fixtures of the support
modules (plates, the rider site, routing) are loaded below as plugins; the helpers are
imported from ``tests.support``.

Every storage test runs on both backends. PostGIS is mandatory: when it cannot be
reached the PostGIS tests fail, unless YOULU_SKIP_POSTGIS=1 says to skip them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings as hypothesis_settings

from app.db import get_session
from app.imports.importer import import_osm
from app.imports.sources import record_source
from tests.support.accounts import Accounts, make_accounts
from tests.support.databases import (
    BACKENDS,
    copy_postgis_database,
    drop_postgis_database,
    make_app,
    new_database,
    prepare,
    wipe,
)
from tests.support.dbdump import database_fingerprint
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract

pytest_plugins = [
    "tests.support.plates",
    "tests.support.riders",
    "tests.support.routing",
    "tests.support.jobs",  # after riders, whose site fixture it uses
]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend under test: ``sqlite`` or ``postgis``."""
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database with the national divisions, emptied before each test."""
    url = new_database(backend, "main", tmp_path_factory.mktemp(backend))
    prepare(url)
    yield url
    if backend == "postgis":
        drop_postgis_database(url.rsplit("/", 1)[1])


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app on an empty database (divisions loaded) of the current backend."""
    application = make_app(database_url, tmp_path)
    wipe(application)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def imported_url(backend: str, tmp_path_factory: pytest.TempPathFactory,
                 routing_cache: Path) -> Iterator[str]:
    """A database with the three Beijing extracts imported as sources, their street graphs
    in ``routing_cache`` (read it, do not change it)."""
    url = new_database(backend, "imported", tmp_path_factory.mktemp(f"{backend}-imported"))
    prepare(url)
    application = make_app(url, tmp_path_factory.mktemp("imported-app"))
    with application.app_context():
        session = get_session()
        for name, (filename, division) in EXTRACTS.items():
            extract = read_extract(name)
            report = import_osm(session, OSM_DIR / filename, division=division, extract=extract)
            record_source(session, extract, report, cache_dir=routing_cache)
        session.commit()
    application.extensions["db_engine"].dispose()
    yield url
    if backend == "postgis":
        drop_postgis_database(url.rsplit("/", 1)[1])


@pytest.fixture
def imported_app(imported_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on the shared imported database: for tests that only read. A test that
    writes to it fails (it would change what the tests after it see, so their outcome would
    hang on the order): such a test takes ``writable_imported_app``."""
    application = make_app(imported_url, tmp_path)
    engine = application.extensions["db_engine"]
    before = database_fingerprint(engine)
    yield application
    after = database_fingerprint(engine)
    engine.dispose()
    changed = sorted(name for name in before if before[name] != after[name])
    assert not changed, f"the test wrote to the shared imported database: {changed}"


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
        copy_postgis_database(imported_url.rsplit("/", 1)[1], name)
        url = imported_url.rsplit("/", 1)[0] + f"/{name}"
    application = make_app(url, tmp_path)
    yield application
    application.extensions["db_engine"].dispose()
    if name:
        drop_postgis_database(name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright, one for the whole session."""
    from tests.support.browser import chromium
    with chromium() as (_playwright, chromium_browser):
        yield chromium_browser


@pytest.fixture
def accounts(app: Flask) -> Accounts:
    return make_accounts(app)


# Property tests explore new examples on every local run; CI (HYPOTHESIS_PROFILE=ci, set by
# .ci/run) replays one fixed, derived set, so that a landing is decided by the code, not by
# the draw. A defect a local run finds is kept as an explicit test (see test_routing_trust).
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
