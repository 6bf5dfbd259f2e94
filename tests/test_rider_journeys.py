"""The rider's journeys on the demo, whole, in headless Chromium at phone size (390×844),
on SQLite and PostGIS; each ends on the page a person sees and saves its screenshot under
artifacts/journeys/ (kept out of git):

- scan a gate plate → the route to a unit on the map (steps, hand-off to 高德/百度) →
  check in (a pending pass says how long and whom to call; the approval is told on the
  next visit) → 路线详情 → check out;
- scan a closed gate → the way to the open gate, drawn on the rider map;
- the nearest station from every gate of the demo's compounds: at least one result,
  each with a network distance.

Debian's /usr/bin/chromium driven by Playwright; the app runs in a werkzeug thread on
127.0.0.1 and every request elsewhere is aborted (and fails the test).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.addresses.commands import init_database
from app.db import get_session
from app.demo.service import build_demo, load_annotations
from app.models import Community, Facility, Gate, Office, RiderPass, Unit
from app.models.base import utcnow
from app.plates.keys import active_signer, init_keys, keys_dir, signed_url
from app.riders.service import decide_pass, set_policy
from app.routing.service import cache_dir
from geo import settings
from tests.support.browser import ARTIFACTS, PHONE, Visit, serve, visit
from tests.support.databases import drop_postgis_database, make_app, new_database, prepare
from tests.support.riders import PHONE as PHONE_NUMBER
from tests.support.riders import texted_code

pytestmark = pytest.mark.browser

ISSUER = "https://youlu.example.cn"
SHOTS = ARTIFACTS / "journeys"
COMPOUND = "双泉嘉苑"


@dataclass
class Demo:
    """The demo database, built once per backend, and its app."""

    app: Flask

    def gate(self, compound: str, name: str) -> Gate:
        with self.app.app_context():
            db = get_session()
            community = db.scalar(select(Community).where(Community.name == compound))
            return db.scalar(select(Gate).where(Gate.community_id == community.id,
                                                Gate.name == name))

    def plate(self, gate: Gate) -> str:
        """The signed plate path (``A/<CODE>/<KID>/<SIG>``) of ``gate``."""
        with self.app.app_context():
            db = get_session()
            url = signed_url(db, gate.code, active_signer(db, keys_dir()), base_url=ISSUER)
        return "/" + url.split("/", 3)[3]


@pytest.fixture(scope="module")
def demo(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp(f"journeys-{backend}")
    url = new_database(backend, "journeys", tmp)
    prepare(url)
    app = make_app(url, tmp)
    app.config.update(PUBLIC_BASE_URL=ISSUER, SMS_SENDER="outbox", CHECKIN_REPEAT_WINDOW_S=0)
    with app.app_context():
        db = get_session()
        init_database(db)
        build_demo(db, cache_dir=cache_dir())
        init_keys(db, keys_dir())
        db.commit()
    yield Demo(app)
    app.extensions["db_engine"].dispose()
    if backend == "postgis":
        drop_postgis_database(url.rsplit("/", 1)[1])


def _shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], width


def _clean(*seen: Visit) -> None:
    for v in seen:
        assert v.outside == [] and v.console_errors == [] and v.dialogs == []


def _route_shown(page: Page, arrive: str) -> list[str]:
    """Wait for the route panel; its steps, which end at ``arrive``."""
    steps = page.locator("#y-route .y-step")
    expect(steps.last).to_contain_text(arrive, timeout=20_000)
    expect(page.locator("#y-route .y-route-sum")).to_contain_text("米")
    expect(page.locator("path.y-route, .leaflet-overlay-pane path").first).to_be_attached()
    return steps.all_inner_texts()


def test_scan_route_to_a_unit_check_in_and_out(browser: Browser, demo: Demo) -> None:
    app = demo.app
    with app.app_context():
        db = get_session()
        set_policy(db, db.scalars(select(Office).order_by(Office.id)).first(),
                   approval="approval", validity_days=90, scope="community", actor="editor")
        community = db.scalar(select(Community).where(Community.name == COMPOUND))
        unit = db.scalars(select(Unit).where(Unit.community_id == community.id)
                          .order_by(Unit.id)).first()
        db.commit()
    south = demo.gate(COMPOUND, "南门")
    with serve(app) as base:
        rider = visit(browser, base, demo.plate(south), context=PHONE)
        phone = rider.page
        try:
            # 1. the plate is genuine; the map starts at this gate
            expect(phone.locator(".verdict")).to_contain_text("真实门牌")
            phone.get_by_role("link", name="在小区地图上查看").click()
            expect(phone.locator(".here-chip")).to_contain_text("南门")
            # 2. pick the building, then the unit: the route is drawn with its steps
            phone.locator(f"[data-building-id='{unit.building_id}']").click()
            phone.locator(f"[data-unit-id='{unit.id}']").click()
            steps = _route_shown(phone, "到达")
            assert all(not re.search(r"\d+\.\d{3,}", s) for s in steps)  # no raw coordinates
            assert phone.locator("#y-nav-amap").get_attribute("href").startswith("amapuri://")
            assert phone.locator("#y-nav-baidu").get_attribute("href").startswith("baidumap://")
            _no_sideways_scroll(phone)
            _shot(phone, "1-route-to-unit")

            # 3. check in: register once; the pending pass says how long and whom to call
            phone.goto(base + demo.plate(south))
            phone.get_by_role("link", name="骑手登记进门").click()
            phone.locator("#register").click()
            phone.fill("#name", "张三")
            phone.fill("#phone", PHONE_NUMBER)
            phone.select_option("#platform", label="美团")
            phone.fill("#platform_rider_id", "MT-2024-001")
            phone.get_by_role("button", name="获取验证码").click()
            phone.fill("#code", texted_code(app, PHONE_NUMBER))
            phone.get_by_role("button", name="确认").click()
            expect(phone.locator("#refusal")).to_have_attribute("data-reason", "pass_pending")
            expect(phone.locator("#review-wait")).to_contain_text(
                f"{settings.PASS_REVIEW_EXPECTED_HOURS} 小时")
            expect(phone.locator("#office-phone")).to_have_text(
                load_annotations()["office"]["phone"])
            _shot(phone, "2-pass-pending")

            # 4. the office approves; the rider is told on the next visit
            with app.app_context():
                db = get_session()
                pending = db.scalars(select(RiderPass).where(RiderPass.status == "pending")).one()
                decide_pass(db, pending, "approve", actor="editor", user_id=None, note=None,
                            now=utcnow())
                db.commit()
            phone.locator("#reload").click()
            expect(phone.locator("#pass-news")).to_contain_text("通行证已批准")
            phone.select_option("#unit", value=str(unit.id))
            phone.locator("#tap").click()
            expect(phone.locator("#last-event")).to_have_attribute("data-direction", "in")

            # 5. 路线详情 opens the rider map with the route from this gate to the unit
            phone.locator("#way-route").click()
            _route_shown(phone, "到达")
            assert "/api/" not in phone.url
            _shot(phone, "3-checked-in-route")

            # 6. and out again at the same gate
            phone.go_back()
            phone.goto(base + f"/pass/gate/{demo.plate(south).lstrip('/')}")
            expect(phone.locator("#tap")).to_have_text("离开")
            phone.locator("#tap").click()
            expect(phone.locator("#last-event")).to_have_attribute("data-direction", "out")
            _no_sideways_scroll(phone)
            _shot(phone, "4-checked-out")
        finally:
            rider.close()
    _clean(rider)


def test_scan_a_closed_gate_and_go_round_to_the_open_one(browser: Browser, demo: Demo) -> None:
    app = demo.app
    north = demo.gate(COMPOUND, "北门")
    with app.app_context():
        db = get_session()
        db.get(Gate, north.id).rider_access = "closed"  # closed whatever the hour of the run
        db.commit()
    try:
        with serve(app) as base:
            rider = visit(browser, base, demo.plate(north), context=PHONE)
            phone = rider.page
            try:
                expect(phone.locator("#closed-gate")).to_contain_text("这个门现在不能进入")
                way = phone.locator("#closed-gate a", has_text="南门")
                expect(way).to_be_visible()
                way.click()
                expect(phone.locator(".here-chip")).to_contain_text("北门")
                steps = _route_shown(phone, "到达南门")
                assert not any("从北门" in s for s in steps)
                _no_sideways_scroll(phone)
                _shot(phone, "5-closed-gate-way-round")
            finally:
                rider.close()
        _clean(rider)
    finally:
        with app.app_context():
            db = get_session()
            db.get(Gate, north.id).rider_access = north.rider_access
            db.commit()


def test_nearest_station_from_every_demo_gate(browser: Browser, demo: Demo) -> None:
    names = {c["name"] for c in load_annotations()["communities"]} | {
        g["community"] for g in load_annotations()["gates"]}
    with demo.app.app_context():
        db = get_session()
        gates = [(c.name, g.name, g.geom.x, g.geom.y)
                 for c in db.scalars(select(Community).where(Community.name.in_(names)))
                 for g in db.scalars(select(Gate).where(Gate.community_id == c.id))]
    assert len(gates) >= len(names)
    with serve(demo.app) as base:
        seen = []
        for compound, gate, lon, lat in gates:
            finder = visit(browser, base, f"/nearest?kind=station&from={lon:.7f},{lat:.7f}",
                           context=PHONE)
            seen.append(finder)
            page = finder.page
            results = page.locator("#results .result")
            expect(results.first).to_be_visible(timeout=20_000)
            for text in results.all_inner_texts():
                assert re.search(r"\d+(\.\d)?\s*(米|公里)", text), (compound, gate, text)
                assert re.search(r"(步行|骑行)", text), text
            assert "不在已载入的路网范围内" not in page.inner_text("body")
            _no_sideways_scroll(page)
            if (compound, gate) == (COMPOUND, "南门"):
                _shot(page, "6-nearest-station")
            finder.close()
    _clean(*seen)


def test_every_demo_compound_and_facility_is_served(demo: Demo) -> None:
    """From inside every compound nearest and isochrones answer; every facility has its
    5/10/15-minute reach (none outside the loaded networks)."""
    client = demo.app.test_client()
    with demo.app.app_context():
        db = get_session()
        insides = [(c.name, c.geom.representative_point()) for c in db.scalars(select(Community))]
        facilities = [(f.name or f.kind, f.geom) for f in db.scalars(select(Facility))]
    refused = []
    for name, point in insides:
        where = f"{point.x:.7f},{point.y:.7f}"
        for path in (f"/api/v1/nearest?kind=toilet&from={where}",
                     f"/api/v1/isochrone?minutes=5,10,15&from={where}"):
            answer = client.get(path)
            if answer.status_code != 200:
                refused.append((name, path, answer.json["message"]))
    unreached = []
    for name, point in facilities:
        answer = client.get(f"/api/v1/isochrone?minutes=5,10,15&from={point.x:.7f},{point.y:.7f}")
        if answer.status_code != 200 or len(answer.json["features"]) != 3:
            unreached.append((name, answer.status_code))
    assert refused == [] and unreached == []
