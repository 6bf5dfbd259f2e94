"""Imports started from the browser, in headless Chromium against a real HTTP server:
an office downloads its compound from the editor, changes a gate, uploads the file and
lands on the job's Chinese page with the progress per kind and the counts, then goes
back to the editor; an admin uploads a real OSM extract and sees its kinds imported.
Jobs run in the server's process (no Redis), as in the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select

from app.db import get_session
from app.models import Building, Gate
from tests.support.accounts import PASSWORD
from tests.support.browser import DESKTOP, Visit, serve, visit
from tests.support.extracts import EXTRACTS, OSM_DIR
from tests.support.riders import Site

pytestmark = pytest.mark.browser


def _log_in(browser: Browser, base: str, who: str) -> Visit:
    seen = visit(browser, base, "/office/login?next=/office/editor",
                 context={**DESKTOP, "accept_downloads": True})
    seen.page.fill("#username", who)
    seen.page.fill("#password", PASSWORD)
    seen.page.locator("#login").click()
    seen.page.wait_for_url(f"{base}/office/editor")
    return seen


def test_an_office_uploads_its_edited_compound_and_follows_the_job(
        site: Site, browser: Browser, tmp_path: Path) -> None:
    with serve(site.app) as base:
        office = _log_in(browser, base, "editor")
        page = office.page
        with page.expect_download() as download:
            page.locator(f"a[href$='/editor/{site.community_id}/export.geojson']").click()
        body = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        gate = next(f for f in body["features"] if f["properties"]["layer"] == "gates")
        gate["properties"]["rider_access"] = "pass"
        edited = tmp_path / "改过的小区.geojson"
        edited.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        page.set_input_files("#import-file", str(edited))
        page.locator("#import").click()
        page.wait_for_url(f"{base}/office/jobs/*")
        expect(page.locator("#job")).to_have_attribute("data-status", "done")
        expect(page.locator("h1")).to_have_text("后台任务：文件导入")
        row = page.locator('#job-kinds tr[data-kind="gate"]')
        gates = sum(f["properties"]["layer"] == "gates" for f in body["features"])
        expect(row).to_contain_text("出入口")
        expect(row.locator("td").nth(1)).to_have_text(f"{gates}/{gates}")
        expect(row.locator("td").nth(3)).to_have_text("1")  # updated
        page.locator("#job-back").click()
        page.wait_for_url(f"{base}/office/editor")
        assert office.outside == [] and office.console_errors == []
        office.close()
    with site.app.app_context():
        assert get_session().get(Gate, gate["id"]).rider_access == "pass"


def test_an_admin_uploads_an_osm_extract_and_sees_its_kinds(site: Site, browser: Browser) -> None:
    with site.app.app_context():
        buildings = get_session().scalar(select(func.count()).select_from(Building))
    with serve(site.app) as base:
        admin = _log_in(browser, base, "admin")
        page = admin.page
        page.set_input_files("#osm-file", str(OSM_DIR / EXTRACTS["bupt"][0]))
        page.fill("#osm-division", EXTRACTS["bupt"][1])
        page.locator("#import-osm").click()
        page.wait_for_url(f"{base}/office/jobs/*", timeout=120_000)
        expect(page.locator("#job")).to_have_attribute("data-status", "done")
        expect(page.locator("h1")).to_have_text("后台任务：OSM 数据导入")
        created = page.locator('#job-kinds tr[data-kind="building"] td').nth(2).inner_text()
        assert admin.outside == [] and admin.console_errors == []
        admin.close()
    with site.app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Building)) - buildings == int(
            created) > 0
