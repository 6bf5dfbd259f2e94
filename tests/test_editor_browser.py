"""The office map editor in headless Chromium: log in, draw a compound, add a gate, a
building and a unit door, set gate hours, save, reload, and find it all in the database
and on the rider map; two editors on one gate; a write outside the office's scope.

The app is served by a werkzeug thread on 127.0.0.1; every request elsewhere is
blocked (and would fail the test, since the page must not need it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from shapely.geometry import Point, box, mapping
from sqlalchemy import select

from app.accounts.auth import Actor
from app.db import get_engine, get_session
from app.models import AuditEntry, Building, Community, Gate, Unit, User
from app.places.editing import create_feature
from geo.geometry.coords import distance_m
from tests.support.accounts import PASSWORD, make_accounts
from tests.support.browser import ARTIFACTS as SHARED_ARTIFACTS
from tests.support.browser import serve
from tests.support.dbdump import dump_database

pytestmark = pytest.mark.browser

ARTIFACTS = SHARED_ARTIFACTS / "editor"
CENTRE = (116.3306, 39.9946)  # lon, lat: Qinghua East Road, street 110108010


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 in a werkzeug thread; yields its base URL."""
    with serve(app) as base:
        yield base


class Session:
    """One logged-in browser context with its page, console errors and blocked requests."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1400, "height": 900},
                                           locale="zh-CN")
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _only_local(self, route: Any) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def login(self, username: str, next_path: str) -> Page:
        page = self.page
        page.goto(f"{self.base}/office/login?next={next_path}")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("#login")
        page.wait_for_url(f"{self.base}{next_path}")
        return page

    def open_editor(self, path: str) -> Page:
        self.page.goto(f"{self.base}{path}")
        self.page.wait_for_selector("body[data-editor-ready='1']")
        return self.page


def _pixel(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of (lon, lat) on the editor's map."""
    x, y = page.evaluate(
        "([lat, lon]) => { const p = YouluEditor.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }", [lat, lon])
    frame = page.locator("#map").bounding_box()
    assert frame is not None
    return frame["x"] + x, frame["y"] + y


def _click_at(page: Page, lon: float, lat: float) -> None:
    x, y = _pixel(page, lon, lat)
    page.mouse.click(x, y)
    page.wait_for_timeout(150)  # let Leaflet finish the click before the next one


def _draw_polygon(page: Page, corners: list[tuple[float, float]]) -> None:
    for lon, lat in corners:
        _click_at(page, lon, lat)
    _click_at(page, *corners[0])  # back on the first corner closes the shape


def _saved(page: Page) -> None:
    expect(page.locator("#message")).to_contain_text("已保存")


def test_draw_a_compound_with_gate_building_and_unit(app: Flask, browser: Browser,
                                                     server: str) -> None:
    make_accounts(app)
    office = Session(browser, server)
    page = office.login("editor", "/office/editor")
    expect(page.locator("#scope")).to_contain_text("110108010")
    page.click("#new-compound")
    page.wait_for_selector("body[data-editor-ready='1']")
    page.evaluate("([lat, lon]) => YouluEditor.map.setView([lat, lon], 18)", [CENTRE[1], CENTRE[0]])

    lon, lat = CENTRE
    dx, dy = 0.0012, 0.0008  # a compound about 200 m by 180 m
    page.click("#tool-communities")
    _draw_polygon(page, [(lon - dx, lat - dy), (lon + dx, lat - dy), (lon + dx, lat + dy),
                         (lon - dx, lat + dy)])
    page.fill("#f-name", "友路测试家园")
    expect(page.locator("#f-division_code")).to_have_value("110108010")
    page.click("#save")
    page.wait_for_url(re.compile(r"/office/editor/\d+$"))
    page.wait_for_selector("body[data-editor-ready='1']")
    community_id = int(page.url.rsplit("/", 1)[1])

    # A gate clicked a little inside the south edge lands on the boundary.
    page.click("#tool-gates")
    _click_at(page, lon, lat - dy + 0.00005)
    page.fill("#f-name", "南门")
    page.fill("#f-number", "1")
    page.fill("#f-opening_hours", "Mo-Su 06:00-22:00")
    expect(page.locator("#hours-preview")).to_have_text("每天 06:00–22:00")
    page.fill("#f-opening_hours", "Mo-Su 06:00-22:00; Su off")
    expect(page.locator("#hours-preview")).to_have_text("周一至周六 06:00–22:00；周日 关闭")
    page.fill("#f-opening_hours", "Mo-Su 06:00-22:00")
    page.click("#save")
    _saved(page)

    page.click("#tool-buildings")
    bx, by = 0.0003, 0.0002
    _draw_polygon(page, [(lon - bx, lat - by), (lon + bx, lat - by), (lon + bx, lat + by),
                         (lon - bx, lat + by)])
    page.fill("#f-number", "3")
    page.fill("#f-floors", "6")
    page.click("#save")
    _saved(page)
    expect(page.locator("#checks")).to_contain_text("3号楼还没有单元门")

    page.click("#tool-units")
    _click_at(page, lon, lat - by)  # on the south wall
    page.fill("#f-number", "1")
    page.select_option("#f-elevator", "true")
    page.click("#save")
    _saved(page)
    expect(page.locator("#checks")).not_to_contain_text("还没有单元门")
    expect(page.locator("#checks")).to_contain_text("夜里 23:30 没有对骑手开放的出入口")

    page.reload()
    page.wait_for_selector("body[data-editor-ready='1']")
    expect(page.locator(".yl-pin.gates")).to_have_count(1)
    expect(page.locator(".yl-pin.units")).to_have_count(1)
    expect(page.locator(".yl-building")).to_have_text("3号楼")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"editor-{app.config['DATABASE_URL'][:6]}.png"))

    with app.app_context():
        db = get_session()
        community = db.get(Community, community_id)
        assert community.name == "友路测试家园" and community.division_code == "110108010"
        assert community.code and community.code.startswith("110108010000-")
        assert community.geom.contains(Point(lon, lat))
        [gate] = db.scalars(select(Gate).where(Gate.community_id == community_id))
        assert (gate.name, gate.number, gate.opening_hours) == ("南门", "1", "Mo-Su 06:00-22:00")
        assert distance_m(gate.geom, community.geom.boundary) < 0.5
        assert abs(gate.geom.x - lon) < 0.0001
        [building] = db.scalars(select(Building).where(Building.community_id == community_id))
        assert (building.number, building.floors) == ("3", 6)
        [unit] = db.scalars(select(Unit).where(Unit.building_id == building.id))
        assert (unit.number, unit.elevator, unit.community_id) == ("1", True, community_id)
        assert distance_m(unit.geom, building.geom) < 1.0
        actors = {e.actor for e in db.scalars(select(AuditEntry))}
        assert actors == {"editor"}

    # The rider map shows what was drawn.
    page.goto(f"{server}/r/{community_id}")
    expect(page.locator("h1")).to_have_text("友路测试家园")
    expect(page.locator(".state-list")).to_contain_text("南门")
    expect(page.locator("#y-dest")).to_contain_text("3号楼")
    assert office.blocked == [] and office.errors == []


@pytest.fixture
def compound(app: Flask) -> dict[str, int]:
    """A compound in the editor's street with one gate, written as the editor."""
    make_accounts(app)
    lon, lat = CENTRE
    area = box(lon - 0.001, lat - 0.0007, lon + 0.001, lat + 0.0007)
    with app.app_context():
        db = get_session()
        user = db.scalar(select(User).where(User.username == "editor"))
        actor = Actor(user=user, token=None, via_session=False)
        community = create_feature(db, actor, "communities", {
            "type": "Feature", "geometry": mapping(area),
            "properties": {"name": "双人编辑小区", "division_code": "110108010"}})
        gate = create_feature(db, actor, "gates", {
            "type": "Feature", "geometry": mapping(Point(lon, lat - 0.0007)),
            "properties": {"community": community.id, "name": "南门", "number": "1"}})
        return {"community": community.id, "gate": gate.id}


def _open_gate(session: Session, compound: dict[str, int]) -> Page:
    page = session.open_editor(f"/office/editor/{compound['community']}")
    page.locator(".yl-pin.gates").click()
    expect(page.locator("#f-name")).to_have_value("南门")
    return page


def test_second_save_on_the_same_gate_is_refused_with_a_way_to_reload(
        app: Flask, browser: Browser, server: str, compound: dict[str, int]) -> None:
    first, second = Session(browser, server), Session(browser, server)
    first.login("editor", "/office/editor")
    second.login("admin", "/office/editor")
    page_a = _open_gate(first, compound)
    page_b = _open_gate(second, compound)

    page_a.fill("#f-opening_hours", "Mo-Su 06:00-23:00")
    page_a.click("#save")
    _saved(page_a)

    page_b.fill("#f-name", "正南门")
    page_b.click("#save")
    expect(page_b.locator("#message")).to_contain_text("已被他人修改")
    expect(page_b.locator("#message")).to_contain_text("您的修改没有保存")
    with app.app_context():
        gate = get_session().get(Gate, compound["gate"])
        assert (gate.name, gate.opening_hours, gate.version) == ("南门", "Mo-Su 06:00-23:00", 2)

    page_b.click("#reload-feature")
    expect(page_b.locator("#f-opening_hours")).to_have_value("Mo-Su 06:00-23:00")
    page_b.fill("#f-name", "正南门")
    page_b.click("#save")
    _saved(page_b)
    with app.app_context():
        gate = get_session().get(Gate, compound["gate"])
        assert (gate.name, gate.opening_hours, gate.version) == ("正南门", "Mo-Su 06:00-23:00", 3)

    # History shows both saves; the first version can be put back (a revert is audited).
    page_b.locator(".yl-pin.gates").click()
    page_b.click("#show-history")
    expect(page_b.locator("#history-list li")).to_have_count(3)
    page_b.locator("#history-list li").last.locator("button").click()
    expect(page_b.locator("#message")).to_contain_text("已恢复")
    with app.app_context():
        db = get_session()
        gate = db.get(Gate, compound["gate"])
        assert (gate.name, gate.opening_hours, gate.version) == ("南门", None, 4)
        last = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.action, last.actor) == ("revert", "admin")
    assert first.errors == [] and first.blocked == []
    assert [e for e in second.errors if "409" not in e] == []  # the refused save itself


def test_write_outside_the_office_scope_is_refused(app: Flask, browser: Browser, server: str,
                                                   compound: dict[str, int]) -> None:
    outsider = Session(browser, server)
    outsider.login("other", "/office/editor")
    expect(outsider.page.locator("body")).not_to_contain_text("双人编辑小区")
    page = _open_gate(outsider, compound)
    expect(page.locator(".notice.refused")).to_contain_text("无权修改")
    with app.app_context():
        before = dump_database(get_engine())

    page.fill("#f-name", "被改的门")
    page.click("#save")
    expect(page.locator("#message")).to_contain_text("无权修改")

    # The same through the API from the logged-in page (session cookie + CSRF token).
    status, body = page.evaluate("""async (community) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const response = await fetch('/api/v1/facilities', {method: 'POST',
          headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
          body: JSON.stringify({type: 'Feature', geometry: {type: 'Point', coordinates: [116.3306, 39.9946]},
                                properties: {community, kind: 'toilet'}})});
        return [response.status, await response.json()];
    }""", compound["community"])
    assert status == 403 and "无权修改" in body["message"]
    with app.app_context():
        assert dump_database(get_engine()) == before
    assert [e for e in outsider.errors if "403" not in e] == []


def test_confirm_a_proposed_entrance_in_one_action(app: Flask, browser: Browser, server: str) -> None:
    # A compound whose one gate the importer proposed: the editor shows it as 待核实 and
    # one click on 确认入口 makes it the office's, keeping its code.
    make_accounts(app)
    lon, lat = CENTRE
    area = box(lon - 0.001, lat - 0.0007, lon + 0.001, lat + 0.0007)
    with app.app_context():
        db = get_session()
        user = db.scalar(select(User).where(User.username == "editor"))
        actor = Actor(user=user, token=None, via_session=False)
        community = create_feature(db, actor, "communities", {
            "type": "Feature", "geometry": mapping(area),
            "properties": {"name": "待核实小区", "division_code": "110108010"}})
        gate = create_feature(db, actor, "gates", {
            "type": "Feature", "geometry": mapping(Point(lon, lat - 0.0007)),
            "properties": {"community": community.id, "name": "待核实入口", "kind": "proposed",
                           "inferred": True}}, source="proposed")
        ids, code = (community.id, gate.id), gate.code
    office = Session(browser, server)
    office.login("editor", "/office/editor")
    page = office.open_editor(f"/office/editor/{ids[0]}")
    page.locator(".yl-pin.gates").click()
    expect(page.locator("#unconfirmed-note")).to_contain_text("待核实")
    expect(page.locator("#save")).to_have_text("确认入口")
    page.click("#save")
    _saved(page)
    with app.app_context():
        confirmed = get_session().get(Gate, ids[1])
        assert (confirmed.source, confirmed.inferred, confirmed.kind) == ("office", False, "gate")
        assert confirmed.code == code and confirmed.name == "待核实入口"
    page.locator(".yl-pin.gates").click()
    expect(page.locator("#unconfirmed-note")).to_have_count(0)
    expect(page.locator("#save")).to_have_text("保存")
    assert office.blocked == [] and office.errors == []
