"""The rider's whole path in headless Chromium at phone size, on SQLite and PostGIS:
scan a gate's plate → register (texted code) → the office approves → check in → check
out, and the office log shows exactly two events.

Debian's /usr/bin/chromium driven by Playwright; the app runs in a werkzeug thread on
127.0.0.1 and every request elsewhere is aborted (and fails the test).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.db import get_session
from app.models import EntryEvent, Office
from app.riders.service import set_policy
from tests.support.accounts import PASSWORD
from tests.support.browser import ARTIFACTS, DESKTOP, PHONE, serve, visit
from tests.support.riders import (
    PHONE as PHONE_NUMBER,
)
from tests.support.riders import (
    Site,
    texted_code,
)

pytestmark = pytest.mark.browser

MIN_TOUCH_PX = 44


TOUCH_TARGETS = "button, a.btn, select, input:not([type=hidden])"

# Measured in the page in one step, after the web fonts have loaded and two frames have been
# laid out, so that no element is measured half-styled or between a visibility check and
# its box.
_MEASURE = """async (selector) => {
  await document.fonts.ready;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return [...document.querySelectorAll(selector)]
    .filter((element) => element.checkVisibility({visibilityProperty: true}))
    .map((element) => {
      const box = element.getBoundingClientRect();
      return {what: element.id || element.name || element.textContent.trim(),
              height: box.height, width: box.width};
    });
}"""


def _measure(page: Page, selector: str) -> list[dict[str, Any]]:
    """The visible elements of ``selector``, each ``{what, height, width}`` in CSS px, once
    fonts and layout have settled."""
    measured: list[dict[str, Any]] = page.evaluate(_MEASURE, selector)
    return measured


def _touch_targets_are_big(page: Page, *, at_least: int = 1) -> None:
    """Every visible button, link-button, field and the tap button is at least 44 CSS px
    tall, and there are ``at_least`` of them."""
    measured = _measure(page, TOUCH_TARGETS)
    assert len(measured) >= at_least, measured
    small = [target for target in measured if target["height"] < MIN_TOUCH_PX]
    assert small == [], small


def _shot(page: Page, name: str) -> None:
    folder = ARTIFACTS / "riders"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_scan_register_approve_check_in_and_out(browser: Browser, site: Site) -> None:
    app = site.app
    app.config["CHECKIN_REPEAT_WINDOW_S"] = 0  # the rider leaves right away in this test
    with app.app_context():
        db = get_session()
        office = db.scalars(select(Office).order_by(Office.id)).first()
        set_policy(db, office, approval="approval", validity_days=90, scope="community",
                   actor="editor")
    plate = site.plate(site.gate_ids[0])
    with serve(app) as base:
        # 1. the rider scans the gate's plate: the scan page says it is genuine
        rider = visit(browser, base, f"/{plate}", context=PHONE)
        desk = visit(browser, base, "/office/passes", context=DESKTOP)
        phone = rider.page
        try:
            expect(phone.locator(".verdict")).to_contain_text("真实门牌")
            phone.get_by_role("link", name="骑手登记进门").click()

            # 2. first time: register once, with the code texted to the phone
            expect(phone.locator("#register")).to_be_visible()
            _touch_targets_are_big(phone)
            phone.locator("#register").click()
            phone.fill("#name", "张三")
            phone.fill("#phone", PHONE_NUMBER)
            phone.select_option("#platform", label="美团")
            phone.fill("#platform_rider_id", "MT-2024-001")
            phone.fill("#plate", "京A12345")
            _touch_targets_are_big(phone)
            _shot(phone, "1-register")
            phone.get_by_role("button", name="获取验证码").click()
            expect(phone.locator("body")).to_contain_text("138****5678")
            phone.fill("#code", texted_code(app, PHONE_NUMBER))
            phone.get_by_role("button", name="确认").click()
            expect(phone.locator("#refusal")).to_have_attribute("data-reason", "pass_pending")
            expect(phone.locator("#tap")).to_have_count(0)
            _shot(phone, "2-pending")

            # 3. the office logs in and approves the request
            office_page = desk.page
            office_page.fill("#username", "editor")
            office_page.fill("#password", PASSWORD)
            office_page.locator("#login").click()
            row = office_page.locator("#passes tr[data-state=pending]")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("138****5678")
            row.locator("button.action-approve").click()
            expect(office_page.locator("#passes tr[data-state=pending]")).to_have_count(0)

            # 4. the rider checks in with one tap (a double tap is still one entry)
            phone.locator("#reload").click()
            expect(phone.locator("#pass-state")).to_have_attribute("data-state", "active")
            _touch_targets_are_big(phone)
            [tap_box] = _measure(phone, "#tap")
            assert tap_box["height"] >= 2 * MIN_TOUCH_PX and tap_box["width"] >= 300, tap_box
            phone.select_option("#unit", index=1)
            _shot(phone, "3-ready")
            phone.locator("#tap").dblclick()
            expect(phone.locator("#last-event")).to_have_attribute("data-direction", "in")
            expect(phone.locator("#last-event")).to_contain_text("已进入")
            expect(phone.locator("#way-map")).to_be_visible()
            _shot(phone, "4-checked-in")

            # 5. and checks out at the same gate
            expect(phone.locator("#tap")).to_have_text("离开")
            phone.locator("#tap").click()
            expect(phone.locator("#last-event")).to_have_attribute("data-direction", "out")
            _shot(phone, "5-checked-out")

            # 6. the office log shows exactly the two events
            office_page.goto(f"{base}/office/log")
            events = office_page.locator("#log tr.event")
            expect(events).to_have_count(2)
            assert [e.get_attribute("data-direction") for e in events.all()] == ["out", "in"]
            expect(office_page.locator("#log")).to_contain_text("138****5678")
            expect(office_page.locator("#hour-chart rect[data-count='1']")).to_have_count(1)
            _shot(office_page, "6-office-log")
        finally:
            rider.close()
            desk.close()
    with app.app_context():
        stored = get_session().scalars(select(EntryEvent).order_by(EntryEvent.seq)).all()
    assert [(e.direction, e.seq) for e in stored] == [("in", 1), ("out", 2)]
    assert stored[0].unit_id is not None
    for seen in (rider, desk):
        assert seen.outside == [] and seen.console_errors == [] and seen.dialogs == []
