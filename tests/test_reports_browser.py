"""The 随手拍 and points journey in headless Chromium, on SQLite and PostGIS: a rider
reports with a photo from the phone's camera input and their location → the office
accepts and resolves it → the rider sees each state and the points → redeems a meal →
the office confirms the code → the balance and history agree everywhere.

Debian's /usr/bin/chromium driven by Playwright; the app runs in a werkzeug thread on
127.0.0.1 and every request elsewhere is aborted (and fails the test).
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from app.db import get_session
from app.models import Community, PointEntry, Report
from app.points.ledger import balance, ledger_sum
from geo.hours.opening_hours import local_time
from tests.support.accounts import PASSWORD
from tests.support.browser import ARTIFACTS, DESKTOP, PHONE, serve, visit
from tests.support.riders import PHONE as PHONE_NUMBER
from tests.support.riders import Site, texted_code

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    folder = ARTIFACTS / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _camera_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def test_report_resolve_earn_redeem_confirm(browser: Browser, site: Site) -> None:
    app = site.app
    with app.app_context():
        spot = get_session().get(Community, site.community_id).geom.representative_point()
    phone_context = {**PHONE, "geolocation": {"longitude": spot.x, "latitude": spot.y},
                     "permissions": ["geolocation"]}
    today = local_time().date()
    with serve(app) as base:
        rider = visit(browser, base, "/pass/register", context=phone_context)
        desk = visit(browser, base, "/office/login", context=DESKTOP)
        phone, office = rider.page, desk.page
        try:
            # 1. the rider registers once and reports with a photo from the camera input
            phone.fill("#name", "张三")
            phone.fill("#phone", PHONE_NUMBER)
            phone.select_option("#platform", label="美团")
            phone.fill("#platform_rider_id", "MT-2024-001")
            phone.get_by_role("button", name="获取验证码").click()
            phone.fill("#code", texted_code(app, PHONE_NUMBER))
            phone.get_by_role("button", name="确认").click()
            phone.goto(f"{base}/pass/reports/new")
            assert phone.locator("#photo").get_attribute("capture") == "environment"
            phone.locator("input[name=kind][value=security]").check()
            phone.fill("#text", "单元门禁坏了，夜里没灯")
            phone.locator("#photo").set_input_files(
                {"name": "camera.jpg", "mimeType": "image/jpeg", "buffer": _camera_photo()})
            phone.locator("#use-location").click()
            expect(phone.locator("#location-state")).to_have_text("已附上位置")
            phone.get_by_label("处理进展有变化时给我发短信").check()
            _shot(phone, "1-report")
            phone.get_by_role("button", name="提交").click()
            expect(phone.locator("#report-status")).to_have_attribute("data-status", "submitted")
            number = int(phone.locator("#report-number").inner_text())
            _shot(phone, "2-submitted")

            # 2. the office sees it flagged urgent, accepts and resolves it, and adds a meal
            office.fill("#username", "editor")
            office.fill("#password", PASSWORD)
            office.locator("#login").click()
            office.goto(f"{base}/office/reports?urgent=1")
            row = office.locator(f"#report-{number}")
            expect(row).to_contain_text("紧急")
            for status, note in (("accepted", "已派物业查看"), ("resolved", "门禁和灯已修好")):
                row = office.locator(f"#report-{number}")
                row.locator("select[name=status]").select_option(status)
                row.locator("input[name=office_note]").fill(note)
                row.get_by_role("button", name="保存").click()
                expect(office.locator(f"#report-{number}")).to_have_attribute("data-status", status)
            office.goto(f"{base}/office/points")
            form = office.locator("#reward-form")
            form.locator("input[name=title]").fill("小哥食堂午餐")
            form.locator("input[name=cost]").fill("15")
            form.locator("input[name=stock]").fill("10")
            form.locator("input[name=valid_from]").fill(today.isoformat())
            form.locator("input[name=valid_until]").fill((today + timedelta(days=7)).isoformat())
            form.get_by_role("button", name="添加奖品").click()
            expect(office.locator("#rewards")).to_contain_text("小哥食堂午餐")

            # 3. the rider is told, sees each state and the points
            phone.goto(f"{base}/pass/")
            expect(phone.locator("#reports-changed")).to_contain_text("1 条随手拍报告有新进展")
            expect(phone.locator("#home-balance")).to_have_text("20")
            phone.goto(f"{base}/pass/reports/")
            card = phone.locator(f"#report-{number}")
            expect(card).to_have_attribute("data-status", "resolved")
            expect(card.locator("li")).to_have_count(3)
            expect(card).to_contain_text("门禁和灯已修好")
            _shot(phone, "3-resolved")

            # 4. the rider redeems the meal and gets a code
            phone.goto(f"{base}/pass/points/")
            expect(phone.locator("#balance")).to_have_text("20")
            expect(phone.locator("#history tr[data-amount]")).to_have_count(2)
            phone.locator(".rewards li", has_text="小哥食堂午餐").get_by_role("button", name="兑换").click()
            code = phone.locator("#redeemed-code").inner_text()
            expect(phone.locator("#balance")).to_have_text("5")
            _shot(phone, "4-redeemed")

            # 5. the office confirms the code the rider shows
            confirm = office.locator("#confirm-form")
            confirm.locator("input[name=code]").fill(code)
            confirm.locator("input[name=phone_tail]").fill(PHONE_NUMBER[-4:])
            confirm.get_by_role("button", name="核销").click()
            expect(office.locator("#confirmed")).to_contain_text("小哥食堂午餐")
            rider_row = office.locator("#rider-totals tr[data-rider]")
            expect(rider_row).to_have_count(1)
            expect(rider_row.locator("td").nth(1)).to_have_text("20")
            expect(rider_row.locator("td").nth(2)).to_have_text("15")
            _shot(office, "5-confirmed")

            # 6. the balance and the history agree everywhere
            phone.goto(f"{base}/pass/points/")
            expect(phone.locator("#balance")).to_have_text("5")
            expect(phone.locator(f"#redemptions li[data-code='{code}']")).to_have_attribute(
                "data-status", "confirmed")
            amounts = [int(r.get_attribute("data-amount"))
                       for r in phone.locator("#history tr[data-amount]").all()]
            assert sorted(amounts) == [-15, 10, 10] and sum(amounts) == 5
            phone.goto(f"{base}/pass/")
            expect(phone.locator("#home-balance")).to_have_text("5")
        finally:
            rider.close()
            desk.close()
    with app.app_context():
        db = get_session()
        report = db.get(Report, number)
        assert report.status == "resolved" and report.photo is not None and report.lon is not None
        rider_id = report.rider_id
        assert balance(db, rider_id) == ledger_sum(db, rider_id) == 5
        assert len(db.scalars(select(PointEntry)).all()) == 3
    texts = [t for to, t in app.extensions["sms_outbox"] if to == PHONE_NUMBER]
    assert any("已解决" in t for t in texts)
    for seen in (rider, desk):
        assert seen.outside == [] and seen.console_errors == [] and seen.dialogs == []
