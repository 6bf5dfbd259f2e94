"""随手拍 reports (app.reports.views, app.reports.service, geo.reports) through the Flask test client
on SQLite and PostGIS: the scan page's report link, a photo with EXIF GPS stored without
any metadata, bad input refused with a Chinese message and nothing stored, and the
office list limited to the user's scope with audited status changes."""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from shapely.geometry import Point, box
from sqlalchemy import func, select

from app.db import get_engine, get_session
from app.models import AuditEntry, Community, Gate, Office, Report
from app.plates.keys import active_signer, init_keys, keys_dir, signed_url
from geo import reports
from tests.support.accounts import PASSWORD, Accounts
from tests.support.dbdump import dump_database
from tests.support.riders import csrf_token

ISSUER = "https://youlu.example.cn"
GPS_IFD = 0x8825
MAKE_TAG = 0x010F
HERE = ("116.351000", "40.000800")  # (lon, lat) inside 双泉嘉苑


@dataclass
class Site:
    app: Flask
    client: FlaskClient
    accounts: Accounts
    gate_code: str  # 双泉嘉苑 北门, street 110108010 (the editor's)
    away_code: str  # 燕园小区, street 110108015 (other_editor's)
    home_id: int
    away_id: int


@pytest.fixture
def site(app: Flask, client: FlaskClient, accounts: Accounts) -> Site:
    app.config["PUBLIC_BASE_URL"] = ISSUER
    with app.app_context():
        db = get_session()
        home = Community(name="双泉嘉苑", division_code="110108010",
                         geom=box(116.3500, 40.0000, 116.3520, 40.0015))
        away = Community(name="燕园小区", division_code="110108015",
                         geom=box(116.3000, 39.9900, 116.3020, 39.9915))
        db.add_all([home, away])
        db.flush()
        gate = Gate(community_id=home.id, number="1", name="北门", geom=Point(116.3510, 40.0015))
        db.add(gate)
        db.commit()
        init_keys(db, keys_dir())
        return Site(app, client, accounts, gate.code, away.code, home.id, away.id)


def jpeg_with_gps() -> bytes:
    """A real JPEG whose EXIF carries a camera make and a GPS position."""
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[MAKE_TAG] = "YouluTestCam"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (40.0, 0.0, 2.88), 3: "E", 4: (116.0, 21.0, 3.6)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries GPS
        assert check.getexif().get_ifd(GPS_IFD)[1] == "N"
    return data


def form(client: FlaskClient, code: str = "", **fields) -> dict:
    url = "/report" + (f"?code={code}" if code else "")
    return {"csrf_token": csrf_token(client, url), "code": code, "kind": "access", **fields}


def report_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Report))


def file(site: Site, code: str, kind: str) -> int:
    answer = site.client.post("/report", data=form(site.client, code, kind=kind, text="测试"))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return report_number(site.client, answer.headers["Location"])


def report_number(client: FlaskClient, follow_url: str) -> int:
    """The report number on the follow page a filed report redirects to."""
    page = client.get(follow_url).get_data(as_text=True)
    return int(re.search(r'id="report-number">(\d+)<', page).group(1))


def login(client: FlaskClient, username: str) -> None:
    token = csrf_token(client, "/office/login")
    answer = client.post("/office/login", data={"csrf_token": token, "username": username,
                                                "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def test_scan_page_links_to_the_report_form(site: Site) -> None:
    with site.app.app_context():
        db = get_session()
        url = signed_url(db, site.gate_code, active_signer(db, keys_dir()), base_url=ISSUER)
    scan = site.client.get(url.removeprefix(ISSUER.upper()).removeprefix(ISSUER))
    html = scan.get_data(as_text=True)
    assert scan.status_code == 200, html
    link = re.search(r'href="(/report\?code=[^"]+)">报告问题', html).group(1)
    page = site.client.get(link.replace("&amp;", "&"))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'name="code" value="{site.gate_code}"' in body
    assert body.count('type="radio" name="kind"') == len(reports.KIND_ZH) == 11
    for zh in ("进门难/门禁", "位置标错", "停车", "充电", "环境卫生", "治安隐患", "食品安全",
               "矛盾纠纷", "突发事件直报", "门牌可疑"):
        assert zh in body
    assert 'name="csrf_token"' in body and 'enctype="multipart/form-data"' in body
    assert "navigator.geolocation" in body and 'capture="environment"' in body


def test_report_with_gps_photo_is_stored_without_metadata(site: Site) -> None:
    original = jpeg_with_gps()
    data = form(site.client, site.gate_code, kind="forged_plate", text="门牌二维码被贴了新的",
                lon=HERE[0], lat=HERE[1])
    data["photo"] = (io.BytesIO(original), "plate.jpg", "image/jpeg")
    answer = site.client.post("/report", data=data, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    thanks = site.client.get(answer.headers["Location"])
    number = re.search(r'id="report-number">(\d+)<', thanks.get_data(as_text=True)).group(1)
    assert thanks.status_code == 200 and "门牌可疑" in thanks.get_data(as_text=True)
    assert answer.headers["Location"].startswith("/report/follow/")
    with site.app.app_context():
        report = get_session().get(Report, int(number))
        assert (report.kind, report.code, report.community_id, report.status) == (
            "forged_plate", site.gate_code, site.home_id, "submitted")
        assert (report.lon, report.lat) == (float(HERE[0]), float(HERE[1]))
        stored = report.photo
    assert stored != original and b"YouluTestCam" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert len(image.getexif()) == 0 and "exif" not in image.info
        assert not image.getexif().get_ifd(GPS_IFD)
        red, green, _blue = image.convert("RGB").getpixel((32, 24))
        assert red > 150 and green < 90  # the picture itself survived


def test_report_by_location_alone_goes_to_the_compounds_office(site: Site) -> None:
    answer = site.client.post("/report", data=form(site.client, kind="charging",
                                                   lon=HERE[0], lat=HERE[1]))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with site.app.app_context():
        report = get_session().scalars(select(Report)).one()
        office = get_session().get(Office, report.office_id)
        assert (report.code, report.community_id, report.text, report.photo) == (
            None, site.home_id, None, None)
        assert office.name == "学院路街道测试社区"


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` 8-bit grey pixels (a
    decompression bomb: decoding it would need ``width * height`` bytes)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def big_png() -> bytes:
    size = 1400
    image = Image.frombytes("RGB", (size, size), os.urandom(size * size * 3))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=0)
    assert len(out.getvalue()) > reports.MAX_PHOTO_BYTES
    return out.getvalue()


def bomb_png(side: int = 13000) -> bytes:
    """A grey PNG of ``side``×``side`` pixels (169 MP by default) that is small as a file."""
    row = b"\x00" * (side + 1)  # filter byte, then one zero byte per pixel
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    assert len(data) < reports.MAX_PHOTO_BYTES // 10
    return data


@pytest.mark.parametrize(("fields", "photo", "message"), [
    ({"kind": "flying_car"}, None, "问题类型“flying_car”无效"),
    ({"kind": ""}, None, "请选择问题类型"),
    ({"text": "路" * 501}, None, "文字太长：最多 500 个字"),
    ({}, (b"%PDF-1.4 not a picture", "scan.pdf"), "不是可识别的图片"),
    ({}, "big", "照片太大：最多 5 MB"),
    ({}, "bomb", "照片像素太多：最多 4000 万像素，这张是 13000×13000"),
    ({}, (png_header(7000, 7000), "bomb.png"), "照片像素太多：最多 4000 万像素，这张是 7000×7000"),
    ({}, (png_header(30000, 30000), "bigger-bomb.png"), "照片像素太多"),
    ({"lon": "40.000800", "lat": "116.351000"}, None, "经纬度似乎写反了"),
    ({"lon": "116.351000", "lat": ""}, None, "位置不完整"),
    ({"code": "", "lon": "", "lat": ""}, None, "不在任何社区办公室的服务范围内"),
    ({"code": "", "lon": "116.200000", "lat": "39.800000"}, None, "不在任何社区办公室的服务范围内"),
])
def test_bad_input_is_refused_and_nothing_stored(site: Site, fields: dict, photo, message: str
                                                 ) -> None:
    with site.app.app_context():
        before = dump_database(get_engine())
    data = {**form(site.client, site.gate_code), **fields}
    if photo == "big":
        photo = (big_png(), "big.png")
    if photo == "bomb":
        photo = (bomb_png(), "bomb.png")
    if photo is not None:
        data["photo"] = (io.BytesIO(photo[0]), photo[1])
    answer = site.client.post("/report", data=data, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400, html
    assert message in html and 'role="alert"' in html
    assert 'type="radio" name="kind"' in html  # the form again, to correct
    with site.app.app_context():
        assert dump_database(get_engine()) == before
    assert report_count(site.app) == 0


def test_bad_input_as_json(site: Site) -> None:
    answer = site.client.post("/report", data=form(site.client, kind="nope"),
                              headers={"Accept": "application/json"})
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["message"].startswith("问题类型") and "kind" in body["message_en"]
    assert report_count(site.app) == 0


def test_report_needs_csrf(site: Site) -> None:
    answer = site.client.post("/report", data={"kind": "other"})
    assert answer.status_code == 400 and "页面已过期" in answer.get_data(as_text=True)
    assert report_count(site.app) == 0


def test_office_sees_its_reports_and_moves_them_through_the_states(site: Site) -> None:
    home = file(site, site.gate_code, "access")
    away = file(site, site.away_code, "parking")

    editor = site.app.test_client()
    login(editor, "editor")
    page = editor.get("/office/reports").get_data(as_text=True)
    assert f'id="report-{home}"' in page and "双泉嘉苑" in page and "进门难/门禁" in page
    assert f'id="report-{away}"' not in page
    assert "随手拍报告" in page

    token = csrf_token(editor, "/office/reports")
    skipped = editor.post(f"/office/reports/{home}/status",
                          data={"csrf_token": token, "status": "resolved"})
    assert skipped.status_code == 400
    assert "不能改为“已解决”（可改为：已受理、不予处理）" in skipped.get_data(as_text=True)
    for status, note in (("accepted", "已收到"), ("in_progress", "已联系物业开门")):
        changed = editor.post(f"/office/reports/{home}/status",
                              data={"csrf_token": token, "status": status, "office_note": note})
        assert changed.status_code == 302, changed.get_data(as_text=True)
    page = editor.get("/office/reports?status=in_progress").get_data(as_text=True)
    assert f'id="report-{home}" data-status="in_progress"' in page

    refused = editor.post(f"/office/reports/{away}/status",
                          data={"csrf_token": token, "status": "accepted"})
    assert refused.status_code == 403 and "无权" in refused.get_data(as_text=True)
    bad = editor.post(f"/office/reports/{home}/status",
                      data={"csrf_token": token, "status": "done"})
    assert bad.status_code == 400 and "状态“done”无效" in bad.get_data(as_text=True)
    with site.app.app_context():
        db = get_session()
        assert db.get(Report, away).status == "submitted"
        assert db.get(Report, home).status == "in_progress"
        assert db.get(Report, home).office_note == "已联系物业开门"
        audit = db.scalars(select(AuditEntry).where(AuditEntry.table_name == "reports")
                           .order_by(AuditEntry.id)).all()
        assert [(a.actor, a.feature_id, a.before["status"], a.after["status"]) for a in audit] == [
            ("editor", home, "submitted", "accepted"), ("editor", home, "accepted", "in_progress")]

    other = site.app.test_client()
    login(other, "other")
    page = other.get("/office/reports").get_data(as_text=True)
    assert f'id="report-{away}"' in page and f'id="report-{home}"' not in page

    admin = site.app.test_client()
    login(admin, "admin")
    page = admin.get("/office/reports").get_data(as_text=True)
    assert all(f'id="report-{n}"' in page for n in (home, away))


def test_office_photo_in_scope_only(site: Site) -> None:
    data = form(site.client, site.gate_code)
    data["photo"] = (io.BytesIO(jpeg_with_gps()), "p.jpg")
    site.client.post("/report", data=data, content_type="multipart/form-data")
    with site.app.app_context():
        number = get_session().scalars(select(Report.id)).one()
    editor = site.app.test_client()
    login(editor, "editor")
    photo = editor.get(f"/office/reports/{number}/photo.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert b"Exif" not in photo.data
    other = site.app.test_client()
    login(other, "other")
    assert other.get(f"/office/reports/{number}/photo.jpg").status_code == 403


def test_anonymous_cannot_open_office_reports(site: Site) -> None:
    number = file(site, site.gate_code, "access")
    page = site.client.get("/office/reports")
    assert page.status_code == 302 and "/office/login" in page.headers["Location"]
    assert site.client.get(f"/office/reports/{number}/photo.jpg").status_code == 302
    token = csrf_token(site.client, "/report")
    answer = site.client.post(f"/office/reports/{number}/status",
                              data={"csrf_token": token, "status": "accepted"})
    assert answer.status_code == 401
    with site.app.app_context():
        assert get_session().get(Report, number).status == "submitted"
