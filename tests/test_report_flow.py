"""Reports to resolution (app.reports.routing, following, public, service, views) on the
real bupt compounds, SQLite and PostGIS: routing to the office, "+1" on an open report
nearby, the five states with notes and time in each, the rider following from the rider
page and told by SMS, points earned, the public map without personal data, and the
office's filters, CSV and home summary."""

from __future__ import annotations

import csv
import io

from flask import render_template
from sqlalchemy import select

from app.accounts.auth import Actor
from app.db import get_engine, get_session
from app.models import AuditEntry, Community, Office, PointEntry, Report, User
from app.reports.service import office_summary
from tests.support.dbdump import dump_database
from tests.support.reports import file_report, inside, login, move, report_number, rider_client
from tests.support.riders import PHONE, Site, csrf_token


def test_rider_follows_a_report_from_submission_to_resolution(site: Site) -> None:
    rider, rider_id = rider_client(site)
    lon, lat = inside(site.app, site.community_id)
    filed = file_report(rider, "/pass/reports/new", kind="security", text="楼道灯坏了",
                        lon=lon, lat=lat, sms_opt_in="1")
    assert filed.status_code == 302, filed.get_data(as_text=True)
    follow_url = filed.headers["Location"]
    number = report_number(rider, follow_url)
    with site.app.app_context():
        report = get_session().get(Report, number)
        office = get_session().get(Office, report.office_id)
        assert (report.rider_id, report.community_id, report.sms_opt_in) == (
            rider_id, site.community_id, True)
        assert office.name == "学院路街道测试社区"

    office_client = login(site.app.test_client(), "editor")
    home = office_client.get("/office/reports?urgent=1").get_data(as_text=True)
    assert f'id="report-{number}"' in home and "紧急" in home
    move(office_client, number, "accepted", "已派人查看")

    page = rider.get("/pass/").get_data(as_text=True)
    assert "您有 1 条随手拍报告有新进展" in page and 'id="home-balance">10<' in page
    texts = [t for to, t in site.app.extensions["sms_outbox"] if to == PHONE]
    assert texts[-1] == f"【友路】您的随手拍报告 {number}（治安隐患）已更新为“已受理”：已派人查看"
    mine = rider.get("/pass/reports/").get_data(as_text=True)
    assert f'id="report-{number}" data-status="accepted"' in mine and "有新进展" in mine
    assert "有新进展" not in rider.get("/pass/").get_data(as_text=True)  # told once

    move(office_client, number, "in_progress", "物业维修中")
    move(office_client, number, "resolved", "灯已换好")
    follow = rider.get(follow_url).get_data(as_text=True)
    assert 'data-status="resolved">已解决<' in follow
    steps = [s for s in ("已提交", "已受理", "处理中", "已解决") if f"<strong>{s}</strong>" in follow]
    assert steps == ["已提交", "已受理", "处理中", "已解决"]
    assert "说明：灯已换好" in follow and follow.count("历时") == 4
    with site.app.app_context():
        entries = get_session().scalars(select(PointEntry).where(PointEntry.rider_id == rider_id)
                                        .order_by(PointEntry.id)).all()
        assert [(e.amount, e.reason, e.report_id, e.actor) for e in entries] == [
            (10, "report_accepted", number, "editor"), (10, "report_resolved", number, "editor")]
    points_page = rider.get("/pass/points/").get_data(as_text=True)
    assert 'id="balance">20<' in points_page and "报告已解决" in points_page

    finished = office_client.post(f"/office/reports/{number}/status", data={
        "csrf_token": csrf_token(office_client, "/office/reports"), "status": "in_progress"})
    assert finished.status_code == 400 and "可改为：无" in finished.get_data(as_text=True)


def test_same_problem_nearby_is_offered_as_plus_one(site: Site) -> None:
    lon, lat = inside(site.app, site.community_id)
    client = site.app.test_client()
    first = file_report(client, "/report", kind="parking", lon=lon, lat=lat)
    number = report_number(client, first.headers["Location"])
    near_lon = f"{float(lon) + 0.0002:.6f}"  # about 17 m east
    offer = file_report(client, "/report", kind="parking", lon=near_lon, lat=lat, text="又堵了")
    html = offer.get_data(as_text=True)
    assert offer.status_code == 200 and f'id="duplicate" data-report="{number}"' in html
    assert "同一个问题? +1" in html and 'name="confirm_new" value="1"' in html
    with site.app.app_context():
        assert len(get_session().scalars(select(Report)).all()) == 1

    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    plus = client.post(f"/report/{number}/support", data={"csrf_token": token})
    assert plus.status_code == 200 and 'id="supporters">1<' in plus.get_data(as_text=True)
    anyway = file_report(client, "/report", kind="parking", lon=near_lon, lat=lat,
                         confirm_new="1")
    assert anyway.status_code == 302
    other_kind = file_report(client, "/report", kind="charging", lon=near_lon, lat=lat)
    assert other_kind.status_code == 302
    far = file_report(client, "/report", kind="parking", lat=lat,
                      lon=f"{float(lon) + 0.0008:.6f}")  # about 68 m: not the same place
    assert far.status_code in (302, 400)  # outside the compound may be refused, never offered
    assert 'id="duplicate"' not in far.get_data(as_text=True)
    with site.app.app_context():
        db = get_session()
        assert db.get(Report, number).supporters == 1
        audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "report_support")).all()
        assert [(a.actor, a.feature_id) for a in audit] == [("public", number)]


def test_compound_office_comes_before_the_street_office(site: Site) -> None:
    with site.app.app_context():
        db = get_session()
        own = Office(name="某小区物业", division_codes=[])
        db.add(own)
        db.flush()
        db.get(Community, site.other_community_id).office_id = own.id
        db.commit()
        own_id = own.id
    client = site.app.test_client()
    lon, lat = inside(site.app, site.other_community_id)
    number = report_number(client, file_report(client, "/report", kind="sanitation",
                                               lon=lon, lat=lat).headers["Location"])
    with site.app.app_context():
        assert get_session().get(Report, number).office_id == own_id
    assert f'id="report-{number}"' not in login(site.app.test_client(), "editor").get(
        "/office/reports").get_data(as_text=True)


def test_public_map_shows_no_personal_data(site: Site) -> None:
    rider, _rider_id = rider_client(site)
    lon, lat = inside(site.app, site.community_id)
    secret_text = "我是张三，电话13812345678"
    number = report_number(rider, file_report(rider, "/pass/reports/new", kind="access",
                                              text=secret_text, lon=lon, lat=lat
                                              ).headers["Location"])
    office = login(site.app.test_client(), "editor")
    move(office, number, "accepted", "已联系物业")
    anyone = site.app.test_client()
    data = anyone.get("/reports/map.geojson")
    body = data.get_data(as_text=True)
    assert data.status_code == 200
    feature = data.get_json()["features"][0]
    assert feature["geometry"]["coordinates"] == [float(lon), float(lat)]
    assert {k: feature["properties"][k] for k in ("id", "category_zh", "status_zh", "age_days",
                                                   "note", "photo")} == {
        "id": number, "category_zh": "进门难/门禁", "status_zh": "已受理", "age_days": 0,
        "note": "已联系物业", "photo": None}
    for private in ("张三", "13812345678", "MT-", "rider", "phone", "text"):
        assert private not in body
    page = anyone.get("/reports/map").get_data(as_text=True)
    assert 'id="report-map"' in page and "leaflet.js" in page
    assert anyone.get(f"/reports/{number}/photo.jpg").status_code == 404


def test_office_filters_exports_csv_and_summarises(site: Site) -> None:
    lon, lat = inside(site.app, site.community_id)
    client = site.app.test_client()
    urgent = report_number(client, file_report(client, "/report", kind="food_safety",
                                               text="过期食品", lon=lon, lat=lat).headers["Location"])
    plain = report_number(client, file_report(client, "/report", kind="charging",
                                              lon=lon, lat=lat).headers["Location"])
    office = login(site.app.test_client(), "editor")
    page = office.get("/office/reports?kind=charging").get_data(as_text=True)
    assert f'id="report-{plain}"' in page and f'id="report-{urgent}"' not in page
    assert 'id="report-map"' in page and f'"id": {plain}' in page.replace("&#34;", '"')
    exported = office.get("/office/reports.csv?urgent=1")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["编号", "提交时间（北京时间）", "类别", "紧急", "状态"]
    assert [(r[0], r[2], r[3], r[4], r[8]) for r in rows[1:]] == [
        (str(urgent), "食品安全", "是", "已提交", "过期食品")]
    bad = office.get("/office/reports?status=done")
    assert bad.status_code == 400 and "状态“done”无效" in bad.get_data(as_text=True)

    with site.app.test_request_context():
        db = get_session()
        editor = db.scalars(select(User).where(User.username == "editor")).one()
        summary = office_summary(db, Actor(user=editor, token=None, via_session=True))
        assert summary == {"new": 2, "urgent": 1, "points_given": 0}
        html = render_template("office/_home_reports.html", reports_summary=summary)
    assert 'data-count="new">2<' in html and 'data-count="urgent" class="urgent">1<' in html


def test_rider_pages_need_the_device(site: Site) -> None:
    anonymous = site.app.test_client()
    assert anonymous.get("/pass/reports/").status_code == 302
    assert anonymous.get("/pass/points/").status_code == 302
    with site.app.app_context():
        before = dump_database(get_engine())
    refused = anonymous.post("/pass/reports/new", data={
        "csrf_token": csrf_token(anonymous, "/report"), "kind": "access"})
    assert refused.status_code == 401 and "请先登记" in refused.get_data(as_text=True)
    with site.app.app_context():
        assert dump_database(get_engine()) == before
