"""The map GeoJSON endpoints through HTTP on the imported Beijing data (SQLite and PostGIS):
compounds with scores, facilities, streets; bbox, zoom and bad input."""

from __future__ import annotations

import pytest
import shapely
from flask import Flask
from shapely.geometry import box, shape
from sqlalchemy import select

from app.db import get_engine, get_session
from app.models import Community, Facility, Gate
from app.planner.friendliness import community_scores
from geo import settings
from tests.support.dbdump import dump_database
from tests.support.maps import busiest_compound

BBOX = (116.340, 39.955, 116.365, 39.975)  # around 北京邮电大学
OUTLINES = settings.PLANNER_POLYGON_MIN_ZOOM


def _bbox(values: tuple[float, ...]) -> str:
    return ",".join(map(str, values))


def test_outlines_of_every_compound_with_its_score(imported_app: Flask) -> None:
    client = imported_app.test_client()
    body = client.get(f"/api/v1/map/communities?zoom={OUTLINES}").json
    with imported_app.app_context():
        db = get_session()
        rows = {c.id: c for c in db.scalars(select(Community))}
        scores = community_scores(db)
    assert body["as_points"] is False
    assert {f["id"] for f in body["features"]} == set(rows) and len(rows) == 19
    for feature in body["features"]:
        props = feature["properties"]
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert props["score"] == round(scores[props["id"]].total)
        assert props["colour"].startswith("#") and props["grade"]
        assert shape(feature["geometry"]).intersects(rows[props["id"]].geom)


def test_bbox_returns_exactly_the_compounds_meeting_it(imported_app: Flask) -> None:
    client = imported_app.test_client()
    body = client.get(f"/api/v1/map/communities?zoom={OUTLINES}&bbox={_bbox(BBOX)}").json
    with imported_app.app_context():
        expected = {c.id for c in get_session().scalars(select(Community))
                    if c.geom.intersects(box(*BBOX))}
    assert expected and {f["id"] for f in body["features"]} == expected


def test_points_below_the_outline_zoom(imported_app: Flask) -> None:
    body = imported_app.test_client().get(f"/api/v1/map/communities?zoom={OUTLINES - 3}").json
    assert body["as_points"] is True and len(body["features"]) == 19
    assert {f["geometry"]["type"] for f in body["features"]} == {"Point"}
    assert set(body["features"][0]["properties"]) == {"id", "score"}


def test_outlines_are_simplified_to_about_a_pixel(imported_app: Flask) -> None:
    client = imported_app.test_client()
    coarse = client.get(f"/api/v1/map/communities?zoom={OUTLINES}").json["features"]
    fine = {f["id"]: f for f in client.get("/api/v1/map/communities?zoom=20").json["features"]}
    tolerance = settings.MAP_SIMPLIFY_PX * 360 / (256 * 2 ** OUTLINES)
    fewer = 0
    for feature in coarse:
        a, b = shape(feature["geometry"]), shape(fine[feature["id"]]["geometry"])
        assert shapely.hausdorff_distance(a, b) <= tolerance * 1.01
        fewer += len(shapely.get_coordinates(a)) < len(shapely.get_coordinates(b))
    assert fewer > 0


def test_compound_details_by_code(imported_app: Flask) -> None:
    with imported_app.app_context():
        db = get_session()
        community = busiest_compound(db)
        code, gates = community.code, len(list(db.scalars(
            select(Gate).where(Gate.community_id == community.id))))
    body = imported_app.test_client().get(f"/api/v1/map/communities/{code}").json
    assert body["name"] == community.name and body["counts"]["gates"] == gates
    assert set(body["parts"]) == set(body["part_labels"]) == set(body["part_max"])
    assert sum(p["points"] for p in body["parts"].values()) == pytest.approx(body["score"], abs=0.6)


def test_facilities_by_kind_and_bbox(imported_app: Flask) -> None:
    client = imported_app.test_client()
    body = client.get(f"/api/v1/map/facilities?kind=toilet,charger&bbox={_bbox(BBOX)}").json
    with imported_app.app_context():
        expected = {f.id for f in get_session().scalars(select(Facility))
                    if f.kind in ("toilet", "charger") and f.geom.intersects(box(*BBOX))}
    assert expected and {f["id"] for f in body["features"]} == expected
    every = client.get("/api/v1/map/facilities").json
    with imported_app.app_context():
        assert every["numberMatched"] == len(list(get_session().scalars(select(Facility))))


def test_facility_open_now_follows_at(writable_imported_app: Flask) -> None:
    """Round-the-clock toilets are open at 03:00; a toilet given daytime hours is closed at
    03:00 and open at noon."""
    app = writable_imported_app
    client = app.test_client()
    with app.app_context():
        db = get_session()
        toilets = list(db.scalars(select(Facility).where(Facility.kind == "toilet")))
        always = {f.id for f in toilets if f.opening_hours == "24/7"}
        daytime = next(f for f in toilets if not f.opening_hours)
        daytime.opening_hours = "Mo-Su 08:00-20:00"
        daytime_id = daytime.id
        db.commit()
    assert always

    def open_at(at: str) -> dict[int, bool]:
        body = client.get(f"/api/v1/map/facilities?kind=toilet&at={at}").json
        return {f["id"]: f["properties"]["open"] for f in body["features"]}

    night, noon = open_at("2025-05-06T03:00"), open_at("2025-05-06T12:00")
    assert {night[i] for i in always} == {True}
    assert night[daytime_id] is False
    assert noon[daytime_id] is True


def test_streets_by_zoom(imported_app: Flask) -> None:
    client = imported_app.test_client()
    near = client.get(f"/api/v1/map/streets?bbox={_bbox(BBOX)}&zoom=16").json["features"]
    far = client.get(f"/api/v1/map/streets?bbox={_bbox(BBOX)}&zoom=12").json["features"]
    assert {f["properties"]["rank"] for f in near} == {"major", "minor", "path"}
    assert {f["properties"]["rank"] for f in far} == {"major"}
    assert any(f["properties"]["name"] == "西土城路" for f in near)


def test_an_edit_changes_the_score_on_the_next_request(writable_imported_app: Flask) -> None:
    client = writable_imported_app.test_client()
    with writable_imported_app.app_context():
        db = get_session()
        community = busiest_compound(db)
        cid = community.id
    before = client.get(f"/api/v1/map/communities/{cid}").json
    with writable_imported_app.app_context():
        db = get_session()
        for gate in db.scalars(select(Gate).where(Gate.community_id == cid)):
            gate.rider_access = "closed"
        db.commit()
    after = client.get(f"/api/v1/map/communities/{cid}").json
    assert before["parts"]["rider_gates"]["share"] > 0
    assert after["parts"]["rider_gates"]["share"] == 0
    assert after["parts"]["gate_hours"]["share"] == 0
    assert after["score"] < before["score"]


BAD = [
    ("/api/v1/map/communities?bbox=39.95,116.34,39.97,116.36", 400, "经纬度似乎写反了"),
    ("/api/v1/map/communities?bbox=116.36,39.95,116.34,39.97", 400, "西<东"),
    ("/api/v1/map/communities?bbox=116.3,39.9", 400, "四个数"),
    ("/api/v1/map/communities?zoom=99", 400, "zoom"),
    ("/api/v1/map/communities?zoom=far", 400, "整数"),
    ("/api/v1/map/facilities?kind=rocket", 400, "设施类型"),
    ("/api/v1/map/streets", 400, "bbox"),
    ("/api/v1/map/communities/999999", 404, "找不到"),
    ("/api/v1/map/communities/110108008000-001-001", 400, "楼栋编码"),
]


@pytest.mark.parametrize(("url", "status", "message"), BAD)
def test_bad_input_is_a_clear_error(imported_app: Flask, url: str, status: int,
                                    message: str) -> None:
    response = imported_app.test_client().get(url)
    assert response.status_code == status
    assert message in response.json["message"] and response.json["message_en"]


def test_bad_input_changes_nothing(imported_app: Flask) -> None:
    with imported_app.app_context():
        before = dump_database(get_engine())
    client = imported_app.test_client()
    assert all(client.get(url).status_code == status for url, status, _ in BAD)
    with imported_app.app_context():
        assert dump_database(get_engine()) == before
