"""The rider site fixtures (loaded as a plugin by the rider test modules:
``pytest_plugins = ("tests.rider_fixtures",)``): the site built once per backend, and a
private copy of it for each test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.databases import POSTGRES_ADMIN_URL, drop_postgis_database, make_app, new_database, prepare
from tests.support.riders import ISSUER, Site, SiteTemplate, build_site


@pytest.fixture(scope="session")
def site_template(backend: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[SiteTemplate]:
    """Build the rider site once per backend."""
    tmp = tmp_path_factory.mktemp(f"rider-site-{backend}")
    url = new_database(backend, "riders", tmp)
    prepare(url)
    app = make_app(url, tmp)
    ids = build_site(app)
    app.extensions["db_engine"].dispose()
    yield SiteTemplate(backend, url, tmp / "keys", ids)
    if backend == "postgis":
        drop_postgis_database(url.rsplit("/", 1)[1])


@pytest.fixture
def site(site_template: SiteTemplate, tmp_path: Path) -> Iterator[Site]:
    """A private copy of the rider site for one test (SMS to the outbox)."""
    url, drop = _copy_database(site_template, tmp_path)
    app = make_app(url, tmp_path)
    app.config.update(PUBLIC_BASE_URL=ISSUER, SMS_SENDER="outbox",
                      KEYS_DIR=str(site_template.keys_dir))
    yield Site(app, site_template.ids)
    app.extensions["db_engine"].dispose()
    if drop:
        drop_postgis_database(drop)


def _copy_database(template: SiteTemplate, tmp_path: Path) -> tuple[str, str | None]:
    """(url of a copy of the template database, PostGIS database to drop after)."""
    if template.backend == "sqlite":
        target = tmp_path / "riders.sqlite3"
        shutil.copy(template.url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}", None
    name = f"youlu_test_riders_copy_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.url.rsplit("/", 1)[1]}"'))
    admin.dispose()
    return template.url.rsplit("/", 1)[0] + f"/{name}", name
