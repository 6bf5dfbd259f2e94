"""The office's journeys in headless Chromium, on real compounds served by a real HTTP
server: from the landing page's log-in link to the office home, plates and a poster
printed, a pass approved and the rider's entry seen in the log; opening hours typed as
people write them, saved in OSM syntax and read by riders in Chinese; and a crawl of every
page linked from the landing page and the office home, logged in and out, at 390 px and
on a desktop. Screenshots of each journey's last page go to artifacts/journeys/."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from app.db import get_session
from app.models import AuditEntry, Community, EntryEvent, Gate, Rider
from app.models.base import utcnow
from app.riders.checkin import read_gate_plate, tap
from tests.support.accounts import PASSWORD
from tests.support.browser import ARTIFACTS, DESKTOP, PHONE, Visit, serve, visit
from tests.support.riders import Site, register_rider

pytestmark = pytest.mark.browser

MIN_TOUCH_PX = 44
JOURNEYS = ARTIFACTS / "journeys"
# Links a crawl does not follow: downloads (checked in the journey) and the API (JSON by design).
NOT_PAGES = re.compile(r"\.(zip|pdf|png|csv|geojson|gpkg|osm)(\?|$)|^/api/|^/\.well-known/")
# Elements a person taps; Leaflet's own controls are sized by youlu-map.css.
TARGETS = "button, a.button, a.big, a.btn, select, input:not([type=hidden]), nav.tabs a"


# Building numbers on screen whose centre a unit-door marker covers.
UNDER_UNITS_JS = """() => [...document.querySelectorAll('.y-bldg')].filter((label) => {
  const r = label.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (!r.width || x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
  const top = document.elementFromPoint(x, y);
  return Boolean(top && top.closest('.y-unit'));
}).map((label) => label.textContent)"""


def _shot(page: Page, name: str) -> None:
    JOURNEYS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(JOURNEYS / f"{name}.png"), full_page=True)


def _log_in(page: Page) -> None:
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.locator("#login").click()


def _clean(*visits: Visit) -> None:
    for seen in visits:
        assert seen.outside == [] and seen.console_errors == [] and seen.dialogs == []


def test_log_in_print_approve_and_see_the_entry(browser: Browser, site: Site) -> None:
    app = site.app
    with app.app_context():
        db = get_session()
        db.execute(update(Community).where(Community.id == site.community_id)
                   .values(pass_policy="approval"))
        db.execute(update(Gate).where(Gate.id == site.gate_ids[0])
                   .values(opening_hours=None, rider_access="open"))
        db.commit()
    register_rider(app.test_client(), app, next_url=site.gate_url(site.gate_ids[0]))
    with serve(app) as base:
        desk = visit(browser, base, "/", context={**DESKTOP, "accept_downloads": True})
        page = desk.page
        try:
            page.locator("#office-login").click()
            expect(page).to_have_url(re.compile(r"/office/login\?next=/office/$"))
            _log_in(page)
            expect(page).to_have_url(f"{base}/office/")
            card = page.locator(f"article.compound[data-community='{site.community_id}']")
            expect(card.locator("[data-check=plates_printed]")).to_have_class("todo")

            with page.expect_download() as plates:
                card.locator("[data-action=plates]").click()
            assert zipfile.ZipFile(plates.value.path()).namelist()
            page.reload()
            expect(card.locator("[data-check=plates_printed]")).to_have_class("done")

            card.locator("[data-action=posters]").click()
            with page.expect_download() as poster:
                page.locator("a[href$='.pdf'], a[href*='.pdf?']").first.click()
            assert poster.value.path().read_bytes()[:4] == b"%PDF"
            page.goto(f"{base}/office/")
            expect(card.locator("[data-check=posters_printed]")).to_have_class("done")

            expect(page.locator("#pending-passes")).to_contain_text("待审核的通行证（1）")
            page.locator("#pending-passes a.button").click()
            row = page.locator("#passes tr[data-state=pending]")
            expect(row.locator("button.action-revoke")).to_have_count(0)
            row.locator("button.action-approve").click()
            expect(page.locator(".flash")).to_contain_text("已批准通行证")

            with app.app_context():
                db = get_session()
                rider = db.scalar(select(Rider))
                gate = read_gate_plate(db, site.plate(site.gate_ids[0]))
                tap(db, rider, gate, seq=rider.tap_seq, now=utcnow(), window_s=0)
                db.commit()
            page.get_by_role("link", name="进出记录").click()
            expect(page.locator("#log tr.event[data-direction=in]")).to_have_count(1)
            _shot(page, "office-entry-seen")
        finally:
            desk.close()
    with app.app_context():
        assert len(get_session().scalars(select(EntryEvent)).all()) == 1
    _clean(desk)


def test_typed_hours_are_saved_in_osm_syntax_and_read_in_chinese(browser: Browser,
                                                                 site: Site) -> None:
    app = site.app
    with app.app_context():
        code = get_session().get(Community, site.community_id).code
    with serve(app) as base:
        desk = visit(browser, base, f"/office/login?next=/office/editor/{site.community_id}")
        try:
            page = desk.page
            _log_in(page)
            page.wait_for_selector("body[data-editor-ready='1']")
            page.locator(".yl-pin.gates").first.click()
            page.fill("#f-opening_hours", "每天6点到22点")
            expect(page.locator("#hours-preview")).to_have_text(
                "骑手看到：每天 06:00–22:00（保存为 Mo-Su 06:00-22:00）")
            page.click("#save")
            expect(page.locator("#message")).to_contain_text("已保存")
        finally:
            desk.close()
        with app.app_context():
            db = get_session()
            edit = db.scalar(select(AuditEntry).where(AuditEntry.table_name == "gates")
                             .order_by(AuditEntry.id.desc()))
            assert db.get(Gate, edit.feature_id).opening_hours == "Mo-Su 06:00-22:00"
        rider = visit(browser, base, f"/r/{code}", context=PHONE)
        try:
            expect(rider.page.locator("body")).to_contain_text("每天 06:00–22:00")
            assert "Mo-Su" not in rider.page.locator("body").inner_text()
            assert rider.page.evaluate(UNDER_UNITS_JS) == []  # building numbers stay readable
            _shot(rider.page, "rider-reads-hours")
        finally:
            rider.close()
    _clean(desk, rider)


def _links(page: Page, base: str) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    paths = {h.removeprefix(base) for h in hrefs
             if h and (h.startswith("/") or h.startswith(base)) and not h.startswith("//")}
    return {p.split("#")[0] for p in paths if not NOT_PAGES.search(p)}


# Visible targets shorter than 44 px; a check box counts by the label around it.
SMALL_TARGETS_JS = """([selector, least]) => {
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = (['checkbox', 'radio'].includes(el.type) && el.closest('label')) || el;
    const r = box.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.height < least) small.push(`${(el.innerText || el.name || el.id || el.tagName).trim()
      .slice(0, 20)} ${Math.round(r.height)} px`);
  }
  return small;
}"""


def _check_page(page: Page, base: str, path: str, width: int) -> list[str]:
    """What is wrong with ``path`` as a person sees it in ``page`` (``width`` px wide)."""
    errors: list[str] = []
    listen = lambda m: errors.append(m.text) if m.type == "error" else None  # noqa: E731
    page.on("console", listen)
    try:
        response = page.goto(base + path, wait_until="load")
    finally:
        page.remove_listener("console", listen)
    assert response is not None
    problems = []
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        problems.append(f"JSON answer ({response.status})")
    elif "text/html" in kind:
        text = page.locator("body").inner_text()
        if not re.search(r"[\u4e00-\u9fff]", text) or re.search(r"Not Found|Internal Server", text):
            problems.append("not a Chinese page")
        if page.locator("html[lang='zh-CN']").count() != 1:
            problems.append("no lang=zh-CN")
        if width <= PHONE["viewport"]["width"]:
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width + 1:
                problems.append(f"scrolls sideways ({wide} px)")
        problems += [f"small target {t}" for t in
                     page.evaluate(SMALL_TARGETS_JS, [TARGETS, MIN_TOUCH_PX])]
    return problems + [f"console: {e}" for e in errors]


def test_every_linked_page_is_a_chinese_page_that_fits(browser: Browser, site: Site) -> None:
    with serve(site.app) as base:
        anonymous = visit(browser, base, "/")
        pages = _links(anonymous.page, base) | {"/"}
        anonymous.close()
        office = visit(browser, base, "/office/login?next=/office/")
        _log_in(office.page)
        office.page.wait_for_url(f"{base}/office/")
        logged_in = _links(office.page, base) | {"/office/"}
        office.page.goto(base + "/")
        logged_in |= _links(office.page, base)
        cookies = office.page.context.cookies()
        office.close()
        found: dict[str, list[str]] = {}
        for who, paths, jar in (("out", pages, []), ("in", logged_in, cookies)):
            for name, context in (("phone", PHONE), ("desktop", DESKTOP)):
                seen = visit(browser, base, "/", context=context)
                seen.page.context.add_cookies(jar)
                for path in sorted(paths):
                    problems = _check_page(seen.page, base, path, context["viewport"]["width"])
                    if problems:
                        found[f"{who} {name} {path}"] = problems
                found[f"{who} {name} outside"] = seen.outside
                found[f"{who} {name} page errors"] = [e for e in seen.console_errors
                                                      if e.startswith("page error")]
                seen.close()
    assert len(pages) >= 4 and len(logged_in) >= 8
    found = {k: v for k, v in found.items() if v}
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
