"""A rider vouched for by their platform, in headless Chromium at phone size (390x844) on
SQLite and PostGIS: the platform's sign-in link enrols the phone with one tap (no SMS),
the scan of a gate's plate leads to one big button, one tap checks the rider in (and
one out); the platform revokes the attestation and the next scan is refused with the reason and what
to do. Every request outside the app is aborted (and fails the test)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from app.db import get_session
from app.models import EntryEvent
from tests.support.browser import ARTIFACTS, PHONE, serve, visit
from tests.support.riders import Site
from tests.support.vouched import RIDER_REF, attest_and_link, bearer, office_policy, platform_token

pytestmark = pytest.mark.browser


def test_vouched_rider_scans_taps_once_and_is_refused_after_revocation(browser: Browser,
                                                                       site: Site) -> None:
    app = site.app
    app.config["CHECKIN_REPEAT_WINDOW_S"] = 0  # the rider leaves right away
    office_policy(app, vouched=["meituan"])  # everyone else waits for the office
    meituan = platform_token(app)
    link = attest_and_link(app.test_client(), meituan)
    plate = site.plate(site.gate_ids[0])
    shots = ARTIFACTS / "vouched"
    shots.mkdir(parents=True, exist_ok=True)
    with serve(app) as base:
        rider = visit(browser, base, link, context=PHONE)
        phone = rider.page
        try:
            # once: the platform's link, one tap to enable this phone (no SMS)
            expect(phone.locator("#vouch")).to_contain_text("一次授权、定期有效")
            expect(phone.locator("#vouch")).to_contain_text(RIDER_REF)
            phone.locator("#enrol").click()
            expect(phone.locator("h1")).to_contain_text("通行证")

            # the scan: the gate's plate, then one tap and the rider is in
            phone.goto(f"{base}/{plate}")
            expect(phone.locator(".verdict")).to_contain_text("真实门牌")
            phone.get_by_role("link", name="骑手登记进门").click()
            expect(phone.locator("#vouched")).to_contain_text("美团担保")
            expect(phone.locator("#refusal")).to_have_count(0)
            box = phone.locator("#tap").bounding_box()
            assert box and box["width"] >= 300 and box["height"] >= 88
            phone.screenshot(path=str(shots / "1-scanned.png"), full_page=True)
            phone.locator("#tap").click()
            expect(phone.locator("#last-event")).to_have_attribute("data-direction", "in")
            expect(phone.locator("#last-event")).to_contain_text("已进入")
            expect(phone.locator("#pass-state")).to_have_attribute("data-state", "active")
            phone.screenshot(path=str(shots / "2-checked-in.png"), full_page=True)
            expect(phone.locator("#tap")).to_have_text("离开")
            phone.locator("#tap").click()
            expect(phone.locator("#last-event")).to_have_attribute("data-direction", "out")

            # the platform revokes: the pass ends, the next scan says why and what to do
            ended = app.test_client().delete(f"/api/v1/attestations/{RIDER_REF}",
                                             headers=bearer(meituan))
            assert ended.status_code == 200
            phone.goto(f"{base}/pass/gate/{plate}")
            expect(phone.locator("#pass-state")).to_have_attribute("data-state", "revoked")
            refusal = phone.locator("#refusal")
            expect(refusal).to_have_attribute("data-reason", "vouch_ended")
            expect(refusal).to_contain_text("美团已撤销对您的担保")
            expect(refusal).to_contain_text("重新获取担保")
            expect(phone.locator("#tap")).to_have_count(0)
            phone.screenshot(path=str(shots / "3-revoked.png"), full_page=True)
        finally:
            rider.close()
    with app.app_context():
        events = get_session().scalars(select(EntryEvent)).all()
    assert [(e.direction, e.platform) for e in events] == [("in", "meituan"), ("out", "meituan")]
    assert rider.outside == [] and rider.console_errors == [] and rider.dialogs == []
