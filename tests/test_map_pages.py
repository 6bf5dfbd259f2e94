"""The map pages through HTTP on the imported data: rider map, station finder, planner,
poster downloads; bad references; user text escaped; the base-map setting."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.models import Building, Community, Gate, Unit
from tests.support.maps import busiest_compound

_EXTERNAL = re.compile(r'(?:src|href)="(?:https?:)?//', re.IGNORECASE)


def _refs(app: Flask) -> dict[str, object]:
    with app.app_context():
        db = get_session()
        community = busiest_compound(db)
        gate = db.scalars(select(Gate).where(Gate.community_id == community.id)
                          .order_by(Gate.id)).first()
        unit = db.scalars(select(Unit).join(Building, Unit.building_id == Building.id)
                          .where(Building.community_id == community.id).order_by(Unit.id)).first()
        other = db.scalars(select(Gate).where(Gate.community_id != community.id)).first()
        return {"id": community.id, "code": community.code, "name": community.name,
                "gate": gate.code, "gate_label": gate.name, "unit": unit.id, "other_gate": other.code}


def _page_data(html: str) -> dict:
    """The JSON handed to Youlu.<init>(map, DATA) in the page's script."""
    match = re.search(r"Youlu\.(?!setup)\w+\(map_\w+, (\{.*\})\);", html)
    assert match, "page data not found"
    return json.loads(match.group(1))


def test_rider_map_by_id_and_by_code(imported_app: Flask) -> None:
    refs = _refs(imported_app)
    client = imported_app.test_client()
    by_id = client.get(f"/r/{refs['id']}").get_data(as_text=True)
    by_code = client.get(f"/r/{refs['code']}").get_data(as_text=True)
    for html in (by_id, by_code):
        assert f"<h1 class=\"map-title\">{refs['name']}</h1>" in html
        assert "去哪个楼" in html and "出入口" in html and "图例" in html
        assert not _EXTERNAL.search(html)
        assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html
    data = _page_data(by_code)
    assert data["route_url"] == "/api/v1/route"
    assert data["here"] is None and data["target"] is None


def test_scanned_gate_and_chosen_unit(imported_app: Flask) -> None:
    refs = _refs(imported_app)
    response = imported_app.test_client().get(
        f"/r/{refs['code']}?gate={refs['gate']}&unit={refs['unit']}&at=2025-05-06T12:00")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "你在这里：" in html
    data = _page_data(html)
    gate_ids = {g["code"]: g["id"] for g in data["gates"]}
    assert data["here"] == gate_ids[refs["gate"]]
    assert data["target"] == {"kind": "unit", "id": refs["unit"]}
    assert data["at"] == "2025-05-06T12:00+08:00"


@pytest.mark.parametrize(("query", "status", "message"), [
    ("gate=OTHER", 400, "不属于小区"),
    ("unit=999999", 404, "找不到"),
    ("gate=110108008000-001", 400, "小区编码"),
    ("from=39.96,116.35", 400, "写反了"),
    ("at=yesterday", 400, "ISO 8601"),
])
def test_bad_rider_map_references(imported_app: Flask, query: str, status: int,
                                  message: str) -> None:
    refs = _refs(imported_app)
    query = query.replace("OTHER", str(refs["other_gate"]))
    client = imported_app.test_client()
    response = client.get(f"/r/{refs['code']}?{query}", headers={"Accept": "application/json"})
    assert response.status_code == status
    assert message in response.json["message"] and response.json["message_en"]
    page = client.get(f"/r/{refs['code']}?{query}", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert page.status_code == status and page.mimetype == "text/html"
    assert message in html and "message_en" not in html  # a Chinese page with a way forward
    assert f'href="/r/{refs["code"]}"' in html and "返回" in html and "/nearest" in html


def test_unknown_compound(imported_app: Flask) -> None:
    client = imported_app.test_client()
    response = client.get("/r/110108008000-999", headers={"Accept": "application/json"})
    assert response.status_code == 404 and "没有编码为" in response.json["message"]
    page = client.get("/r/110108008000-999")
    assert page.status_code == 404 and "没有编码为" in page.get_data(as_text=True)
    assert "返回" in page.get_data(as_text=True)


NASTY = {"community": "<script>alert('小区')</script>", "building": "<b>3</b>",
         "gate": "`${alert(1)}`</script>", "unit": "<img src=x onerror=alert(2)>"}


def test_user_text_is_escaped_in_page_and_data(writable_imported_app: Flask) -> None:
    app = writable_imported_app
    with app.app_context():
        db = get_session()
        community = busiest_compound(db)
        community.name = NASTY["community"]
        unit = db.scalars(select(Unit).join(Building, Unit.building_id == Building.id)
                          .where(Building.community_id == community.id).order_by(Unit.id)).first()
        assert unit is not None, "the busiest compound has no unit"
        building = db.get(Building, unit.building_id)
        building.number = NASTY["building"]
        gate = db.scalars(select(Gate).where(Gate.community_id == community.id)).first()
        gate.name = NASTY["gate"]
        unit.name, unit.number = NASTY["unit"], None
        cid = community.id
        db.commit()
    html = app.test_client().get(f"/r/{cid}").get_data(as_text=True)
    for raw in NASTY.values():
        assert raw not in html
    assert "&lt;script&gt;alert(&#39;小区&#39;)&lt;/script&gt;" in html
    assert html.count("<script") == html.count("</script>")  # nothing opened or closed by data
    data = _page_data(html)
    assert data["community"]["name"] == NASTY["community"]
    assert any(g["label"].startswith(NASTY["gate"]) for g in data["gates"])


def test_gcj02_base_map_sets_the_overlay_shift(imported_app: Flask) -> None:
    imported_app.config["TILES"] = "gaode"
    refs = _refs(imported_app)
    html = imported_app.test_client().get(f"/r/{refs['code']}").get_data(as_text=True)
    assert '"crs":"gcj02"' in html and "autonavi.com/appmaptile" in html
    assert f'"attribution": {json.dumps("© 高德地图 AutoNavi")}' in html  # the tiles' own credit
    assert "地图数据 © OpenStreetMap contributors" in html  # and the data's, on every page


def test_tianditu_without_a_key_is_a_clear_error(imported_app: Flask) -> None:
    imported_app.config.update(TILES="tianditu", TIANDITU_KEY=None)
    client = imported_app.test_client()
    response = client.get("/planner", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "TIANDITU_KEY" in response.json["message"]
    page = client.get("/planner")
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "TIANDITU_KEY" in page.get_data(as_text=True)


def test_station_finder(imported_app: Flask) -> None:
    client = imported_app.test_client()
    html = client.get("/nearest?from=116.358,39.962&kind=toilet").get_data(as_text=True)
    assert "附近的骑手服务" in html and 'data-kind="toilet"' in html
    data = _page_data(html)
    assert data["origin"] == [116.358, 39.962] and data["kind"] == "toilet"
    assert data["nearest_url"] == "/api/v1/nearest"
    assert client.get("/nearest?kind=rocket").status_code == 400
    assert client.get("/nearest?from=39.96,116.35").status_code == 400


def test_planner_page(imported_app: Flask) -> None:
    html = imported_app.test_client().get("/planner").get_data(as_text=True)
    assert "小区骑手友好度" in html and "评分怎么算" in html
    data = _page_data(html)
    assert data["communities_url"] == "/api/v1/map/communities"
    assert data["isochrone_url"] == "/api/v1/isochrone"
    assert [g["zh"] for g in data["grades"]] == ["友好", "较好", "一般", "待改善"]


def test_poster_page_lists_every_gate(imported_app: Flask) -> None:
    refs = _refs(imported_app)
    with imported_app.app_context():
        codes = [g.code for g in get_session().scalars(
            select(Gate).where(Gate.community_id == refs["id"]))]
    html = imported_app.test_client().get(f"/r/{refs['code']}/posters").get_data(as_text=True)
    for code in codes:
        for link in (f"/posters/{code}.pdf?size=A4", f"/posters/{code}.png?size=A3"):
            assert link in html


def test_landing_links_the_maps(imported_app: Flask) -> None:
    refs = _refs(imported_app)
    html = imported_app.test_client().get("/").get_data(as_text=True)
    assert 'href="/nearest"' in html and 'href="/planner"' in html
    assert f'href="/r/{refs["code"]}"' in html


def test_rider_map_lists_unconfirmed_entrances_as_such(imported_app: Flask) -> None:
    # 静淑苑 has no gate in OSM and no road into it: its one entrance is proposed (待核实);
    # 石科院生活区's mapped gate is listed by name without the mark.
    with imported_app.app_context():
        db = get_session()
        jingshu = db.scalar(select(Community).where(Community.name == "静淑苑"))
        proposed = [g for g in jingshu.gates if g.source == "proposed"]
        xueshiju = db.scalar(select(Community).where(Community.name == "石科院生活区"))
        mapped = [g for g in xueshiju.gates if g.source == "osm" and g.name]
        ids = (jingshu.id, xueshiju.id)
    assert len(proposed) == 1 and mapped
    client = imported_app.test_client()
    html = client.get(f"/r/{ids[0]}").get_data(as_text=True)
    row = re.search(r'<li class="st-row muted gate-unconfirmed">.*?</li>', html, re.S)
    assert row and proposed[0].name in row.group(0) and "待核实" in row.group(0)
    assert "还没有标注出入口" not in html
    assert [g["unconfirmed"] for g in _page_data(html)["gates"]] == [True]
    mapped_html = client.get(f"/r/{ids[1]}").get_data(as_text=True)
    for gate in mapped:
        assert f"<b>{gate.name}</b>" in mapped_html
    data = {g["id"]: g for g in _page_data(mapped_html)["gates"]}
    assert all(not data[g.id]["unconfirmed"] for g in mapped)
