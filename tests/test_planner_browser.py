"""The planner's journey in headless Chromium on the imported extracts: planner → choose
a street → see the gaps → propose 3 chargers → coverage rises on the map and in the
table → download the table as CSV and XLSX and the pilot report as PDF and XLSX (all read
back)."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from openpyxl import load_workbook
from playwright.sync_api import Browser
from pypdf import PdfReader

from app.db import get_session
from app.models import Community
from tests.support.browser import serve, visit

pytestmark = pytest.mark.browser

STREET = "110108010"  # 清华东路 (qinghuadonglu): no charger yet
NOON = "2025-05-06T12:00"
LOADS = "() => Number(document.querySelector('.youlu-map').getAttribute('data-loads') || 0) >= {}"


def test_planner_street_gaps_siting_and_export(browser: Browser, routed_app: Flask,
                                                backend: str) -> None:
    with routed_app.app_context():
        db = get_session()
        mine = [c for c in db.query(Community).all() if (c.division_code or "").startswith(STREET)]
        centre = mine[0].geom.centroid
    with serve(routed_app) as base:
        seen = visit(browser, base, f"/planner?at={NOON}", wait_for=".youlu-map")
        page = seen.page
        page.wait_for_function(LOADS.format(1))
        page.select_option("#pt-street", STREET)
        page.select_option("#pt-kind", "charger")
        page.select_option("#pt-minutes", "5")
        page.click("#pt-gaps")
        page.wait_for_selector("#planner-tools[data-gaps]")
        gaps = int(page.get_attribute("#planner-tools", "data-gaps"))
        before = float(page.get_attribute("#planner-tools", "data-share"))
        assert gaps > 0
        assert page.locator("#pt-table tbody tr").count() == len(mine)
        assert page.locator("#pt-table tbody tr.is-gap").count() == gaps
        assert "缺口" in page.inner_text("#pt-summary")
        page.evaluate(f"Youlu.map.setView(Youlu.toView({centre.x}, {centre.y}), 16)")
        page.wait_for_function(LOADS.format(2))
        page.wait_for_timeout(300)
        assert page.locator("path.y-cover-far, path.y-cover-b10, path.y-cover-b15").count() > 0
        assert page.locator(".y-planner-label").count() > 0  # names on the map
        assert page.locator(".y-cover-legend").count() == 1
        page.fill("#pt-k", "3")
        page.click("#pt-site")
        page.wait_for_selector("#planner-tools[data-sites]", timeout=120_000)
        after = float(page.get_attribute("#planner-tools", "data-share"))
        sites = int(page.get_attribute("#planner-tools", "data-sites"))
        assert 1 <= sites <= 3 and after > before
        assert page.locator(".y-proposed-site").count() == sites
        assert page.locator("#pt-table tbody tr.is-gap").count() < gaps
        assert "→" in page.inner_text("#pt-summary")
        seen.screenshot(f"planner-siting-{backend}")
        page.fill("#pt-q", mine[0].name)
        assert page.locator("#pt-table tbody tr").count() >= 1
        page.fill("#pt-q", "")
        with page.expect_download() as got:
            page.click("#pt-csv")
        text = got.value.path().read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][:3] == ["排名", "小区", "编码"] and len(rows) == len(mine) + 1
        with page.expect_download() as got:
            page.click("#pt-xlsx")
        sheet = load_workbook(io.BytesIO(got.value.path().read_bytes())).active
        assert sheet.cell(1, 2).value == "小区" and sheet.max_row == len(mine) + 1
        assert {sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)} == {c.name for c in mine}
        with page.expect_download() as got:
            page.click("#pt-pilot-pdf")
        text = "".join(p.extract_text() for p in PdfReader(got.value.path()).pages)
        assert "试点进展报告" in text
        with page.expect_download() as got:
            page.click("#pt-pilot-xlsx")
        book = load_workbook(io.BytesIO(got.value.path().read_bytes()))
        assert book["小区清单"].max_row == len(mine) + 1
        assert seen.outside == [] and seen.console_errors == []
        seen.close()
