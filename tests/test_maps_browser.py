"""The map pages in headless Chromium (Debian's, through Playwright) on the imported
Beijing data served by a real server thread; every request outside 127.0.0.1 is aborted
and must not have been attempted. Screenshots go to artifacts/maps/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser
from shapely.geometry import box
from sqlalchemy import select

from app.db import get_session
from app.demo.service import add_synthetic_compounds
from app.models import Building, Community, Facility, Gate, Unit
from geo.geometry.coords import gcj02_to_wgs84, wgs84_to_gcj02
from tests.support.browser import PHONE, Visit, serve, visit
from tests.support.maps import busiest_compound, recount

pytestmark = pytest.mark.browser

NOON = "2025-05-06T12:00"
TAP_TARGETS = """() => {
  const sel = 'a, button, input, select, label, .leaflet-marker-icon.leaflet-interactive';
  const small = [];
  let checked = 0;
  for (const el of document.querySelector('.map-page').querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    checked += 1;
    if (r.width < 44 || r.height < 44)
      small.push(`${el.tagName}.${el.className} ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return {checked, small};
}"""


@pytest.fixture
def server(routed_app: Flask) -> Iterator[str]:
    with serve(routed_app) as base:
        yield base


def _clean(seen: Visit) -> None:
    assert seen.outside == [], "requests outside 127.0.0.1 were attempted"
    assert seen.console_errors == []
    assert seen.dialogs == []


def _wait_loads(seen: Visit, at_least: int) -> None:
    seen.page.wait_for_function(
        "(n) => Number(document.querySelector('.youlu-map').getAttribute('data-loads') || 0) >= n",
        arg=at_least)  # a function, not a string to evaluate: the pages' CSP has no unsafe-eval


def _db(app: Flask, fn: Any) -> Any:
    with app.app_context():
        return fn(get_session())


def _compound(app: Flask) -> dict[str, Any]:
    def read(db: Any) -> dict[str, Any]:
        community = busiest_compound(db)
        gate = db.scalars(select(Gate).where(Gate.community_id == community.id,
                                             Gate.inferred.is_(False)).order_by(Gate.id)).first()
        unit = db.scalars(select(Unit).join(Building, Unit.building_id == Building.id).where(
            Building.community_id == community.id).order_by(Unit.id)).all()[-1]
        return {"id": community.id, "code": community.code, "name": community.name,
                "gate": gate.code, "gate_lonlat": (gate.geom.x, gate.geom.y), "unit": unit.id,
                "counts": recount(db, community)}
    return _db(app, read)


def test_rider_map_on_a_phone(browser: Browser, server: str, routed_app: Flask,
                              backend: str) -> None:
    c = _compound(routed_app)
    seen = visit(browser, server, f"/r/{c['code']}?gate={c['gate']}&at={NOON}", context=PHONE,
                 wait_for=".y-gate")
    page = seen.page
    counts = c["counts"]
    assert page.locator(".leaflet-marker-icon.y-gate").count() == counts.gates
    assert page.locator("path.y-building").count() == counts.buildings
    assert page.locator(".leaflet-marker-icon.y-bldg").count() == counts.numbered
    assert page.locator(".leaflet-marker-icon.y-unit").count() == counts.units
    assert page.locator(".leaflet-marker-icon.y-fac").count() == counts.facilities
    assert page.locator("path.y-compound").count() == 1
    assert page.locator(".y-here-tag").inner_text() == "你在这里"
    assert page.locator("h1.map-title").inner_text() == c["name"]
    assert page.locator(".leaflet-control-attribution").inner_text().endswith(
        "© OpenStreetMap contributors")
    targets = page.evaluate(TAP_TARGETS)
    assert targets["checked"] > 20 and targets["small"] == []
    seen.screenshot(f"rider-phone-{backend}")
    page.locator("[data-building-id]").first.click()  # zooms to the building: doors show
    page.wait_for_timeout(600)
    targets = page.evaluate(TAP_TARGETS)
    assert targets["small"] == []
    assert page.locator(".leaflet-marker-icon.y-unit:visible").count() > 0
    _clean(seen)
    seen.close()


def test_route_line_from_the_scanned_gate_and_from_the_rider(browser: Browser, server: str,
                                                              routed_app: Flask,
                                                              backend: str) -> None:
    c = _compound(routed_app)
    expected = routed_app.test_client().get(  # a scanned gate's route starts on its street side
        "/api/v1/route", query_string={"from": f"gate:{c['gate']}",
                                       "to": f"unit:{c['unit']}", "at": NOON + "+08:00"}).json
    seen = visit(browser, server, f"/r/{c['code']}?gate={c['gate']}&unit={c['unit']}&at={NOON}",
                 context=PHONE, wait_for=".y-gate")
    page = seen.page
    page.wait_for_selector("path.y-route", timeout=60_000)
    legs = [leg for leg in expected["legs"] if len(leg["geometry"]["coordinates"]) > 1]
    assert page.locator("path.y-route").count() == len(legs)
    first = page.evaluate("""() => { const out = [];
        Youlu.rider.routeLayer.eachLayer(l => { if (l.options.className.includes('y-route '))
          out.push(l.getLatLngs()[0]); }); return out[0]; }""")
    assert (first["lng"], first["lat"]) == pytest.approx(legs[0]["geometry"]["coordinates"][0], abs=1e-7)
    summary = page.locator(".y-route-sum").inner_text()
    assert "米" in summary and "分钟" in summary
    assert page.locator(".y-step").count() == sum(len(leg["instructions"]) for leg in expected["legs"])
    assert page.locator(".leaflet-marker-icon.y-unit.is-target").count() == 1
    seen.screenshot(f"rider-route-{backend}")
    # From where the phone says the rider is.
    page.context.grant_permissions(["geolocation"])
    lon, lat = c["gate_lonlat"]
    page.context.set_geolocation({"longitude": lon + 0.0015, "latitude": lat + 0.0010})
    page.locator(".y-locate").click()
    page.wait_for_function("() => document.querySelector('.y-here-tag').textContent === '你的位置'")
    page.wait_for_selector(".y-route-sum")
    assert page.locator("path.y-route").count() >= 1
    _clean(seen)
    seen.close()


def test_gcj02_conversion_in_the_browser_matches_python(browser: Browser, server: str) -> None:
    seen = visit(browser, server, "/planner", wait_for=".youlu-map")
    points = [(116.3568, 39.9626), (104.0657, 30.6595), (121.4737, 31.2304), (87.6168, 43.8256)]
    for lon, lat in points:
        gcj = seen.page.evaluate(f"Youlu.wgsToGcj({lon}, {lat})")
        assert gcj == pytest.approx(wgs84_to_gcj02(lon, lat), abs=1e-9)
        back = seen.page.evaluate(f"Youlu.gcjToWgs({gcj[0]}, {gcj[1]})")
        assert back == pytest.approx(gcj02_to_wgs84(*gcj), abs=1e-7)
        assert back == pytest.approx((lon, lat), abs=1e-7)
    _clean(seen)
    seen.close()


def test_gcj02_tiles_shift_every_marker(browser: Browser, routed_app: Flask) -> None:
    routed_app.config["TILES"] = "gaode"
    c = _compound(routed_app)
    gates = _db(routed_app, lambda db: {g.id: (g.geom.x, g.geom.y) for g in db.scalars(
        select(Gate).where(Gate.community_id == c["id"]))})
    with serve(routed_app) as base:
        seen = visit(browser, base, f"/r/{c['code']}", context=PHONE, wait_for=".y-gate")
        drawn = seen.page.evaluate("""() => { const out = [];
            Youlu.rider.markers.eachLayer(m => { if (m.options.icon.options.className.includes('y-gate'))
              out.push([m.getLatLng().lng, m.getLatLng().lat]); }); return out; }""")
        seen.page.wait_for_timeout(300)
        seen.close()
    # Page data carries degrees to 7 places (about a centimetre); the shift is exact on those.
    expected = sorted(wgs84_to_gcj02(round(x, 7), round(y, 7)) for x, y in gates.values())
    assert len(drawn) == len(expected) > 0
    for got, want in zip(sorted(map(tuple, drawn)), expected, strict=True):
        assert got == pytest.approx(want, abs=1e-9)
        assert got != pytest.approx(gcj02_to_wgs84(*want), abs=1e-4)  # shifted, not raw WGS-84
    # The only requests outside the app are Gaode's tiles, and they were stopped.
    assert seen.outside and all(".is.autonavi.com/appmaptile" in url for url in seen.outside)


def test_user_text_shows_as_text(browser: Browser, writable_imported_app: Flask,
                                 routing_cache: Path) -> None:
    app = writable_imported_app
    app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    nasty = "<script>alert('x')</script>"

    def rename(db: Any) -> dict[str, Any]:
        community = busiest_compound(db)
        community.name = nasty
        gate = db.scalars(select(Gate).where(Gate.community_id == community.id)).first()
        gate.name = "<img src=x onerror=alert(1)>`${alert(2)}`"
        db.commit()
        return {"id": community.id, "gate": gate.id, "gate_name": gate.name}

    ids = _db(app, rename)
    with serve(app) as base:
        seen = visit(browser, base, f"/r/{ids['id']}", context=PHONE, wait_for=".y-gate")
        page = seen.page
        assert page.locator("h1.map-title").inner_text() == nasty
        page.evaluate(f"""() => Youlu.rider.markers.eachLayer(m => {{
            if (m.options.title && m.options.title.startsWith({ids['gate_name']!r})) m.openPopup(); }})""")
        assert page.locator(".y-pop-title").first.inner_text().startswith(ids["gate_name"])
        assert page.locator(".leaflet-popup img").count() == 0
        seen.screenshot("rider-escaped-names")
        _clean(seen)
        seen.close()


def test_station_finder(browser: Browser, server: str, routed_app: Flask, backend: str) -> None:
    c = _compound(routed_app)
    lon, lat = c["gate_lonlat"]
    seen = visit(browser, server, f"/nearest?from={lon:.6f},{lat:.6f}&kind=parking",
                 context=PHONE, wait_for=".youlu-map")
    page = seen.page
    _wait_loads(seen, 1)
    page.wait_for_selector(".result", timeout=60_000)
    bbox = tuple(map(float, page.evaluate("Youlu.viewBbox(Youlu.map, 0.2)").split(",")))
    in_view = _db(routed_app, lambda db: sum(1 for f in db.scalars(select(Facility).where(
        Facility.kind == "parking")) if f.geom.intersects(box(*bbox))))
    assert page.evaluate("Youlu.station.all().getLayers().length") == in_view
    expected = routed_app.test_client().get("/api/v1/nearest", query_string={
        "from": f"{lon:.6f},{lat:.6f}", "kind": "parking", "k": 5}).json["facilities"]
    assert page.locator(".result").count() == len(expected) > 0
    assert page.locator(".leaflet-marker-icon.y-result").count() == len(expected)
    names = page.locator(".result b").all_inner_texts()
    assert names == [f["name"] or "停车" for f in expected]
    page.wait_for_selector("path.y-route")
    seen.screenshot(f"nearest-phone-{backend}")
    assert page.locator("path.y-route").count() == 1  # the way to the nearest one
    first = page.evaluate("() => { let p = null; Youlu.station.route.eachLayer(l => {"
                          " if (l.options.className.includes('y-route ')) p = l.getLatLngs(); });"
                          " return [p[0], p[p.length - 1]]; }")
    ends = expected[0]["geometry"]["coordinates"]
    assert (first[0]["lng"], first[0]["lat"]) == pytest.approx(ends[0], abs=1e-7)
    assert (first[1]["lng"], first[1]["lat"]) == pytest.approx(ends[-1], abs=1e-7)
    if len(expected) > 1:
        page.locator(".result").nth(1).click()
        page.wait_for_selector(".result.is-chosen >> nth=0")
        last = page.evaluate("() => { let p = null; Youlu.station.route.eachLayer(l => {"
                             " if (l.options.className.includes('y-route ')) p = l.getLatLngs(); });"
                             " return p[p.length - 1]; }")
        assert (last["lng"], last["lat"]) == pytest.approx(
            expected[1]["geometry"]["coordinates"][-1], abs=1e-7)
    page.locator('.kind-btn[data-kind="toilet"]').click()
    page.wait_for_function("() => document.querySelector('#result-title').textContent === '最近的卫生间'")
    page.wait_for_selector(".result, #results .y-note")
    _clean(seen)
    seen.close()


def _compounds_in(app: Flask, bbox: tuple[float, ...]) -> int:
    return _db(app, lambda db: sum(1 for c in db.scalars(select(Community))
                                   if c.geom.intersects(box(*bbox))))


def _view(seen: Visit) -> tuple[float, ...]:
    return tuple(map(float, seen.page.evaluate("Youlu.viewBbox(Youlu.map, 0.2)").split(",")))


def test_planner_map(browser: Browser, server: str, routed_app: Flask, backend: str) -> None:
    c = _compound(routed_app)
    seen = visit(browser, server, "/planner", wait_for=".youlu-map")
    page = seen.page
    _wait_loads(seen, 1)
    assert page.evaluate("Youlu.planner.points.getLayers().length") == _compounds_in(routed_app, _view(seen))
    facilities = _db(routed_app, lambda db: [f for f in db.scalars(select(Facility))])
    bbox = _view(seen)
    assert page.evaluate("""Object.values(Youlu.planner.facilities)
        .reduce((n, g) => n + g.getLayers().length, 0)""") == sum(
        1 for f in facilities if f.geom.intersects(box(*bbox)))
    seen.screenshot(f"planner-city-{backend}")
    centre = _db(routed_app, lambda db: db.get(Community, c["id"]).geom.centroid)
    page.evaluate(f"Youlu.map.setView(Youlu.toView({centre.x}, {centre.y}), 16)")
    _wait_loads(seen, 2)
    page.wait_for_timeout(300)
    assert page.locator("path.y-planner-area").count() == _compounds_in(routed_app, _view(seen)) > 0
    page.locator("path.y-planner-area").first.click(force=True)
    page.wait_for_selector("#details .score-big")
    assert page.locator("#details .score-parts li").count() == 6
    page.evaluate("""() => { const g = Youlu.planner.facilities.parking; Youlu.map.addLayer(g);
        g.getLayers()[0].openPopup(); }""")
    page.wait_for_timeout(200)
    page.locator(".leaflet-popup .y-btn").click()
    page.wait_for_selector("path.y-reach", timeout=60_000)
    assert page.locator("path.y-reach").count() == 3
    seen.screenshot(f"planner-reach-{backend}")
    _clean(seen)
    seen.close()


def test_planner_with_2000_compounds(browser: Browser, writable_imported_app: Flask) -> None:
    # A load counts (data-loads) only once the cluster group's last chunk of markers is in.
    app = writable_imported_app
    total = _db(app, lambda db: add_synthetic_compounds(db, total=2000))
    assert total == 2000
    with serve(app) as base:
        seen = visit(browser, base, "/planner", wait_for=".youlu-map")
        _wait_loads(seen, 1)
        page = seen.page
        # The first load may be for the view before the map settled (a resize moves it): wait
        # until what is drawn is the view shown.
        page.wait_for_function("() => document.querySelector('.youlu-map')"
                               ".getAttribute('data-drawn-bbox') === Youlu.viewBbox(Youlu.map, 0.2)")
        assert page.evaluate("Youlu.planner.points.getLayers().length") == _compounds_in(app, _view(seen))
        assert page.locator(".leaflet-marker-icon").count() < 400  # clustered
        seen.screenshot("planner-2000")
        page.evaluate("Youlu.map.setZoom(15)")
        _wait_loads(seen, 2)
        page.wait_for_timeout(300)
        assert page.locator("path.y-planner-area").count() == _compounds_in(app, _view(seen)) > 0
        _clean(seen)
        seen.close()
