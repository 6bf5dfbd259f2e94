"""Map labels that stay readable (app/static/maps/declutter.js), in headless Chromium on the
bundled extracts: in the office editor building names move aside from gate and unit pins
instead of covering them (4号楼 and 5号楼 covered their unit doors); on the rider map building
numbers and street names keep clear of the gate, unit and facility discs; on the planner's
city view compound and street names give way to the score bubbles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy import func, select

from app.db import get_session
from app.models import Building
from tests.support.accounts import PASSWORD, make_accounts
from tests.support.browser import PHONE, serve, visit
from tests.support.maps import busiest_compound
from tests.support.routing import NOON

pytestmark = pytest.mark.browser

# Shown labels (text, box) and every pair of a label with a marker or another label whose
# boxes share more than a pixel.
_OVERLAPS = """([fixed, labels, text]) => {
  const box = (e) => e.getBoundingClientRect();
  const textBox = (e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return range.getBoundingClientRect();
  };
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const frame = box(document.querySelector('.leaflet-container'));
  const inView = (r) => hit(r, frame);
  const marks = [...document.querySelectorAll(fixed)].filter(shown).map(box).filter(inView);
  const named = [...document.querySelectorAll(labels)].filter(shown)
    .map((e) => [e.textContent.trim(), text ? textBox(e) : box(e)]).filter(([, r]) => inView(r));
  const out = [];
  named.forEach(([text, r], i) => {
    if (marks.some((m) => hit(r, m))) out.push(text + ' / marker');
    named.slice(i + 1).forEach(([other, r2]) => { if (hit(r, r2)) out.push(text + ' / ' + other); });
  });
  return {labels: named.map(([text]) => text), marks: marks.length, overlaps: out};
}"""


def _settled(page: Page) -> None:
    """Wait until the labels are placed: a declutter pass ran (80 ms after the last new
    layer or move) and no other followed it for half a second."""
    count = "Number(document.querySelector('.leaflet-container').dataset.declutter || 0)"
    page.wait_for_function(f"() => {count} > 0")
    last = -1
    while (now := page.evaluate(count)) != last:
        last = now
        page.wait_for_timeout(500)


def _overlaps(page: Page, fixed: str, labels: str, *, text: bool = False) -> dict[str, Any]:
    """Labels ``labels`` against markers ``fixed`` and each other; with ``text`` a label's
    box is its text (a building number inside its 44 px button)."""
    result: dict[str, Any] = page.evaluate(_OVERLAPS, [fixed, labels, text])
    return result


@pytest.fixture
def labelled_app(writable_imported_app: Flask, routing_cache: Any) -> Flask:
    writable_imported_app.config.update(ROUTING_CACHE_DIR=str(routing_cache))
    return writable_imported_app


@pytest.fixture
def server(labelled_app: Flask) -> Iterator[str]:
    with serve(labelled_app) as base:
        yield base


def test_editor_building_names_leave_the_pins_visible(browser: Browser, server: str,
                                                      labelled_app: Flask) -> None:
    make_accounts(labelled_app, division="110108008")
    with labelled_app.app_context():
        db = get_session()
        community = busiest_compound(db)
        buildings = db.scalar(select(func.count(Building.id)).where(
            Building.community_id == community.id))
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/office/login?next=/office/editor/{community.id}")
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_selector("body[data-editor-ready='1']")
    _settled(page)
    seen = _overlaps(page, ".yl-pin", ".yl-building")
    assert seen["marks"] > 20 and len(seen["labels"]) == buildings  # every building keeps its name
    assert seen["overlaps"] == []
    context.close()


def test_rider_map_labels_keep_clear_of_the_discs(browser: Browser, server: str,
                                                   labelled_app: Flask) -> None:
    with labelled_app.app_context():
        community = busiest_compound(get_session())
    seen = visit(browser, server, f"/r/{community.code}?at={NOON}", context=PHONE, wait_for=".y-gate")
    _settled(seen.page)
    seen.screenshot("rider-labels")
    numbers = _overlaps(seen.page, ".y-icon .y-disc, .y-here-tag", ".y-bldg-num", text=True)
    assert len(numbers["labels"]) > 10 and numbers["overlaps"] == []
    streets = _overlaps(seen.page, ".y-icon .y-disc, .y-here-tag", ".y-street-name span")
    assert streets["overlaps"] == []
    seen.close()


def test_planner_names_give_way_to_the_bubbles(browser: Browser, server: str) -> None:
    seen = visit(browser, server, "/planner", wait_for=".youlu-map")
    seen.page.wait_for_selector(".y-planner-point, .y-planner-cluster")
    _settled(seen.page)
    names = _overlaps(seen.page, ".y-icon .y-disc, .y-planner-cluster",
                      ".y-planner-label, .y-street-name span")
    assert names["marks"] > 3 and names["labels"] and names["overlaps"] == []
    seen.close()
