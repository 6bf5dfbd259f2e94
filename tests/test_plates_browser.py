"""Plates and the scan page in headless Chromium: an SVG plate draws its embedded CJK font
and its QR decodes from a screenshot; the scan page at phone size shows its verdict with no
console errors, no request leaving 127.0.0.1, and tap targets of at least 44 px."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import cv2
import numpy as np
import pytest
from flask import Flask
from playwright.sync_api import Browser

from maps.plates import PlateSpec, render_plate
from tests.support.browser import ARTIFACTS as SHARED_ARTIFACTS
from tests.support.browser import serve
from tests.support.plates import HOST, Plated, decode

pytestmark = pytest.mark.browser

ARTIFACTS = SHARED_ARTIFACTS / "plates"


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 in a werkzeug thread; yields its base URL."""
    with serve(app) as base:
        yield base


def _screenshot(page) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(page.screenshot(full_page=True), np.uint8),
                        cv2.IMREAD_COLOR)


def test_svg_plate_in_chromium(browser: Browser, spec: PlateSpec) -> None:
    svg = render_plate(spec, "svg").decode()
    page = browser.new_page(viewport={"width": 500, "height": 700}, device_scale_factor=2)
    page.set_content(f"<html><body style='margin:0'>{svg.split('?>', 1)[1]}</body></html>")
    page.wait_for_function("document.fonts.status === 'loaded'")
    assert page.evaluate("document.fonts.check('12px YouluCJK', '双泉嘉苑3号楼2单元')")
    assert page.evaluate("[...document.fonts].some(f => f.family.includes('YouluCJK') "
                         "&& f.status === 'loaded')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image = _screenshot(page)
    cv2.imwrite(str(ARTIFACTS / "plate-svg.png"), image)
    assert decode(image) == [spec.url]
    page.close()


def test_scan_page_on_a_phone(browser: Browser, plated: Plated, server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    outside, errors = [], []

    def only_local(route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    genuine = plated.url("gate")
    forged = genuine[:-1] + str((int(genuine[-1]) + 1) % 10)
    for name, url in (("genuine", genuine), ("forged", forged)):
        page.goto(server + url.removeprefix(HOST))
        verdict = page.locator("section.verdict")
        if name == "genuine":
            assert "真实门牌" in verdict.inner_text()
            assert page.locator("h1.big-label").inner_text() == "北门(1号门)"
            assert page.locator("svg.mini-map").is_visible()
        else:
            assert "不是有效的门牌" in verdict.inner_text()
            background = verdict.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == "rgb(198, 40, 40)"  # the red warning
        for link in page.locator("nav.actions a").all():
            box = link.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, link.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / f"scan-{name}.png"), full_page=True)
    assert errors == [] and outside == []
    context.close()
