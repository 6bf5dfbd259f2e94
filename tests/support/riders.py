"""What the rider pass tests share: real compounds from the bupt extract with signed gate
plates, an office, and riders registered through the real HTTP flow (the SMS outbox
sender hands the test the texted code). The fixtures (loaded for every test by the root
conftest): the site built once per backend, and a private copy of it for each test."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text

from app.db import get_session
from app.imports.importer import import_osm
from app.models import Community, EntryEvent, Gate, Unit
from app.plates.keys import active_signer, init_keys, keys_dir, signed_url
from geo.osm.extract import OsmExtract
from tests.support.accounts import Accounts, make_accounts
from tests.support.databases import POSTGRES_ADMIN_URL, drop_postgis_database, make_app, new_database, prepare
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract

STREET = EXTRACTS["bupt"][1]  # 110108008 学院路街道
ISSUER = "https://youlu.example.cn"
PHONE = "13812345678"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def compounds_with_doors(extract: OsmExtract, count: int) -> OsmExtract:
    """A smaller extract: the ``count`` compounds with the most unit doors and everything
    that belongs to them, as read from the real file."""
    doors: dict[tuple[str, str, int], int] = {}
    for unit in extract.features["unit"]:
        if unit.community is not None:
            doors[unit.community] = doors.get(unit.community, 0) + 1
    keep = set(sorted(doors, key=doors.get, reverse=True)[:count])  # type: ignore[arg-type]
    kept = {kind: [f for f in features
                   if ("community", f.osm_type, f.osm_id) in keep
                   or f.parent in keep or f.community in keep]
            for kind, features in extract.features.items()}
    buildings = {("building", f.osm_type, f.osm_id) for f in kept["building"]}
    kept["unit"] = [f for f in extract.features["unit"] if f.parent in buildings]
    return replace(extract, features=kept)


@dataclass(frozen=True)
class SiteIds:
    """What the template site holds: ids of its compounds, gates and units."""

    community_id: int
    other_community_id: int
    gate_ids: list[int]
    other_gate_id: int
    unit_ids: list[int]
    tokens: dict[str, str]


@dataclass
class Site:
    """Two real compounds with coded gates, signed plates and an office serving their
    street, in a private copy of the template database."""

    app: Flask
    ids: SiteIds
    plates: dict[int, str] = field(default_factory=dict)

    @property
    def community_id(self) -> int:
        return self.ids.community_id

    @property
    def other_community_id(self) -> int:
        return self.ids.other_community_id

    @property
    def gate_ids(self) -> list[int]:
        return self.ids.gate_ids

    @property
    def unit_ids(self) -> list[int]:
        return self.ids.unit_ids

    @property
    def accounts(self) -> Accounts:
        return Accounts(self.app, self.ids.tokens)

    def plate(self, gate_id: int) -> str:
        """The signed plate path (``A/<CODE>/<KID>/<SIG>``) of a gate."""
        if gate_id not in self.plates:
            with self.app.app_context():
                db = get_session()
                code = db.get(Gate, gate_id).code
                url = signed_url(db, code, active_signer(db, keys_dir()), base_url=ISSUER)
            self.plates[gate_id] = url.split("/", 3)[3]
        return self.plates[gate_id]

    def gate_url(self, gate_id: int) -> str:
        return f"/pass/gate/{self.plate(gate_id)}"

    def events(self) -> list[EntryEvent]:
        with self.app.app_context():
            return list(get_session().scalars(select(EntryEvent).order_by(EntryEvent.id)))


def build_site(app: Flask) -> SiteIds:
    """Import two bupt compounds into their street, add offices and users
    (``make_accounts``: the editor's office serves the street) and a signing key."""
    with app.app_context():
        db = get_session()
        import_osm(db, OSM_DIR / EXTRACTS["bupt"][0], division=STREET,
                   extract=compounds_with_doors(read_extract("bupt"), 2))
        communities = list(db.scalars(select(Community).order_by(Community.id)))
        main, other = sorted(communities, key=lambda c: -db.scalar(
            select(func.count()).select_from(Unit).where(Unit.community_id == c.id)))
        gates = db.scalars(select(Gate.id).where(Gate.community_id == main.id)
                           .order_by(Gate.code)).all()
        other_gate = db.scalar(select(Gate.id).where(Gate.community_id == other.id)
                               .order_by(Gate.code).limit(1))
        units = db.scalars(select(Unit.id).where(Unit.community_id == main.id)
                           .order_by(Unit.id)).all()
        init_keys(db, keys_dir())
        ids = SiteIds(main.id, other.id, list(gates), other_gate, list(units), {})
    tokens = make_accounts(app, division=STREET).tokens
    return replace(ids, tokens=tokens)


@dataclass(frozen=True)
class SiteTemplate:
    """The built database (per backend), its keys folder and ids."""

    backend: str
    url: str
    keys_dir: Path
    ids: SiteIds


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


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on the page at ``url``."""
    page = client.get(url)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no form on {url} ({page.status_code})"
    return match.group(1)


def texted_code(app: Flask, phone: str) -> str:
    """The last verification code the outbox holds for ``phone``."""
    texts = [message for to, message in app.extensions["sms_outbox"] if to == phone]
    return re.search(r"验证码是 (\d+)", texts[-1]).group(1)


def register_rider(client: FlaskClient, app: Flask, *, phone: str = PHONE, name: str = "张三",
                   next_url: str = "", platform: str = "meituan", rider_id: str = "MT-2024-001",
                   plate: str = "京A12345"):
    """Register through the pages: form, texted code, verification. Returns the last
    response (a redirect to ``next_url`` with the device cookie)."""
    token = csrf_token(client, "/pass/register")
    sent = client.post("/pass/register", data={
        "csrf_token": token, "next": next_url, "name": name, "phone": phone,
        "platform": platform, "platform_rider_id": rider_id, "plate": plate})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    return client.post("/pass/verify", data={"csrf_token": token,
                                             "code": texted_code(app, phone)})


def tap_form(client: FlaskClient, gate_url: str) -> dict[str, str]:
    """The hidden fields of the tap form on a gate page."""
    html = client.get(gate_url).get_data(as_text=True)
    seq = re.search(r'name="seq" value="(\d+)"', html)
    assert seq, html
    return {"csrf_token": _CSRF.search(html).group(1), "seq": seq.group(1)}
