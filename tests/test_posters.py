"""Posters of a real imported compound: PDF and PNG through the download button and the
CLI, rendered with pdftoppm, the QR decoded with zxing-cpp and followed through the app,
the Chinese text read back from the PDF and its font checked as embedded."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdf
import pytest
import zxingcpp
from flask import Flask
from PIL import Image
from shapely.geometry import Point
from sqlalchemy import select

from app.db import get_session
from app.mapping.compound_data import compound_map_data
from app.models import Community, Gate
from app.plates.posters import poster_url, routes_from_gate, standing_gates
from geo import settings
from geo.geometry.coords import distance_m
from geo.hours.opening_hours import local_time
from maps.poster import PosterSpec, render_poster
from tests.support.maps import busiest_compound

BASE = "https://youlu.example.cn"


@pytest.fixture
def poster_app(imported_app: Flask, routing_cache: Path) -> Flask:
    imported_app.config.update(ROUTING_CACHE_DIR=str(routing_cache), PUBLIC_BASE_URL=BASE)
    return imported_app


@pytest.fixture
def writable_poster_app(writable_imported_app: Flask, routing_cache: Path) -> Flask:
    """``poster_app`` on a private copy of the imported database, for a test that edits."""
    writable_imported_app.config.update(ROUTING_CACHE_DIR=str(routing_cache), PUBLIC_BASE_URL=BASE)
    return writable_imported_app


def _gate(app: Flask) -> dict:
    with app.app_context():
        db = get_session()
        community = busiest_compound(db)
        gate = db.scalars(select(Gate).where(Gate.community_id == community.id,
                                             Gate.inferred.is_(False)).order_by(Gate.id)).first()
        return {"code": gate.code, "community": community.name, "community_code": community.code,
                "url": poster_url(BASE, community, gate)}


def _qr_texts(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)
            if r.format == zxingcpp.BarcodeFormat.QRCode]


def _follow(app: Flask, url: str) -> str:
    assert url.startswith(BASE + "/r/")
    response = app.test_client().get(url.removeprefix(BASE))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_pdf_poster_text_font_and_qr(poster_app: Flask, tmp_path: Path) -> None:
    gate = _gate(poster_app)
    response = poster_app.test_client().get(f"/posters/{gate['code']}.pdf?size=A4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = pypdf.PdfReader(io.BytesIO(response.data))
    page = pdf.pages[0]
    assert len(pdf.pages) == 1
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = page.extract_text()
    for words in (gate["community"], "你在这里", "骑手友好地图", "图例", "骑手可进", "单元门",
                  "骑行路线", "北", "米", "扫码看在线地图和路线", "北京市海淀区", "OpenStreetMap"):
        assert words in text, words
    fonts = page["/Resources"]["/Font"]
    for font in fonts.values():
        font = font.get_object()
        assert font["/Subtype"] == "/Type0" and "/ToUnicode" in font
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, "TrueType subset embedded"
        assert "NotoSansCJK" in str(font["/BaseFont"])
    path = tmp_path / "poster.pdf"
    path.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    image = Image.open(tmp_path / "page.png")
    assert image.size == (1241, 1754)
    assert _qr_texts(image) == [gate["url"]]
    html = _follow(poster_app, gate["url"])
    assert "你在这里：" in html and gate["community"] in html


@pytest.mark.parametrize("name", ["双泉$\\foo{$嘉苑", "平方$x^{2}$小区"])
def test_names_with_tex_are_drawn_as_text(writable_poster_app: Flask, name: str) -> None:
    app = writable_poster_app
    with app.app_context():
        db = get_session()
        community = busiest_compound(db)
        community.name = name
        db.commit()
    gate = _gate(app)
    response = app.test_client().get(f"/posters/{gate['code']}.pdf?size=A4")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert name in text  # every character as typed, none read as TeX


def test_png_poster_from_the_cli(poster_app: Flask, tmp_path: Path) -> None:
    gate = _gate(poster_app)
    out = tmp_path / "door.png"
    result = poster_app.test_cli_runner().invoke(
        args=["poster", "--gate", gate["code"], "--size", "A3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "海报已写入" in result.output
    image = Image.open(out)
    dpi = settings.POSTER_DPI
    assert image.size == pytest.approx((297 / 25.4 * dpi, 420 / 25.4 * dpi), abs=1)
    assert _qr_texts(image) == [gate["url"]]


def test_routes_from_the_gate_start_there_and_are_drawn(poster_app: Flask) -> None:
    with poster_app.app_context():
        db = get_session()
        community = busiest_compound(db)
        gate = db.scalars(select(Gate).where(Gate.community_id == community.id,
                                             Gate.inferred.is_(False)).order_by(Gate.id)).first()
        legs = routes_from_gate(db, gate, community)
        data = compound_map_data(db, community, at=local_time("2025-05-06T12:00"))
    assert legs and {leg["mode"] for leg in legs} <= {"ride", "walk"}
    starts = [Point(leg["geometry"]["coordinates"][0]) for leg in legs]
    assert min(distance_m(s, gate.geom) for s in starts) < 60
    spec = PosterSpec(data=data, gate_id=gate.id, qr_url=BASE, routes=legs)
    ride = np.array([0xFF, 0x6F, 0x00])  # data/maps/symbols.json route.ride

    def ride_pixels(s: PosterSpec) -> int:
        image = np.asarray(Image.open(io.BytesIO(render_poster(s, fmt="png"))).convert("RGB"))
        return int((np.abs(image.astype(int) - ride).sum(axis=2) < 40).sum())

    assert ride_pixels(spec) > ride_pixels(replace(spec, routes=[])) + 2000
    here = [round(gate.geom.x, 6), round(gate.geom.y, 6)]
    assert any([round(c, 6) for c in leg["geometry"]["coordinates"][0]] == here for leg in legs)


def test_a_poster_shows_hours_not_the_moment_it_was_printed(writable_poster_app: Flask) -> None:
    poster_app = writable_poster_app
    gate = _gate(poster_app)
    with poster_app.app_context():
        db = get_session()
        row = db.scalar(select(Gate).where(Gate.code == gate["code"]))
        row.opening_hours = "Mo-Su 06:00-06:01"  # closed whenever the test runs, near enough
        db.commit()
    at_night = local_time("2025-05-06T23:00")
    with poster_app.app_context():
        db = get_session()
        data = compound_map_data(db, busiest_compound(db), at=at_night)
    printed = {g["id"]: g for g in standing_gates(data["gates"])}
    assert next(g for g in data["gates"] if g["id"] == row.id)["status"] == "closed"
    assert printed[row.id]["status"] == "open" and printed[row.id]["hours_zh"] == "每天 06:00–06:01"
    response = poster_app.test_client().get(f"/posters/{gate['code']}.pdf")
    text = pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "开放时间：每天 06:00–06:01" in text
    assert "骑手不可进" in text and "现在关闭" not in text  # the legend names rules, not the moment
    assert local_time().date().isoformat() in text  # the Beijing date, not the UTC one


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/posters/GATE.svg", 400, "海报格式"),
    ("/posters/GATE.pdf?size=A5", 400, "海报尺寸"),
    ("/posters/999999.pdf", 404, "找不到"),
    ("/posters/110108008000-001.pdf", 400, "小区编码"),
])
def test_bad_poster_requests(poster_app: Flask, url: str, status: int, message: str) -> None:
    response = poster_app.test_client().get(url.replace("GATE", _gate(poster_app)["code"]))
    assert response.status_code == status and message in response.get_data(as_text=True)
    as_json = poster_app.test_client().get(url.replace("GATE", _gate(poster_app)["code"]),
                                           headers={"Accept": "application/json"})
    assert as_json.status_code == status and message in as_json.json["message"]


def test_cli_refuses_a_bad_format(poster_app: Flask, tmp_path: Path) -> None:
    result = poster_app.test_cli_runner().invoke(
        args=["poster", "--gate", _gate(poster_app)["code"], "--out", str(tmp_path / "x.svg")])
    assert result.exit_code == 2 and "海报格式只能是 pdf 或 png" in result.output
    assert not (tmp_path / "x.svg").exists()


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _words(pdf: bytes, tmp_path: Path) -> list[tuple[str, float, float, float, float]]:
    """Every word poppler reads on the page, with its box (x0, y0, x1, y1 in points)."""
    path = tmp_path / "poster.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [(text, float(a), float(b), float(c), float(d)) for a, b, c, d, text in _WORD.findall(html)]


def _overlapping_labels(app: Flask, community: Community, tmp_path: Path) -> tuple[list, list]:
    """The map labels on the poster of the compound's first gate (streets, 你在这里, gate names
    and hours, building numbers of 9 pt and up, which unit numbers never reach), and the
    pairs of them whose boxes overlap."""
    with app.app_context():
        db = get_session()
        data = compound_map_data(db, db.get(Community, community.id), at=local_time())
    response = app.test_client().get(f"/posters/{data['gates'][0]['code']}.pdf?size=A4")
    assert response.status_code == 200
    streets = {s["name"] for s in data["streets"] if s["name"]}
    labels = {"你在这里", *streets}
    for g in data["gates"]:
        labels |= {g["label"], *(g.get("hours_zh") or "").split()}
    numbers = {b["short"] for b in data["buildings"] if b["short"]}
    words = _words(response.data, tmp_path)
    boxes = [w for w in words if w[0] in labels or (w[0] in numbers and w[4] - w[2] > 12)]
    # poppler's boxes span the font's whole ascent and descent (1.45 em in Noto Sans CJK); the
    # ink with its halo is the middle 60% of that height
    inked = [(w[0], w[1], w[2] + 0.2 * (w[4] - w[2]), w[3], w[4] - 0.2 * (w[4] - w[2])) for w in boxes]
    overlapping = [(a[0], b[0]) for i, a in enumerate(inked) for b in inked[i + 1:]
                   if min(a[3], b[3]) - max(a[1], b[1]) > 0.5 and min(a[4], b[4]) - max(a[2], b[2]) > 0.5]
    return boxes, overlapping


def test_a_poster_names_its_streets(poster_app: Flask, tmp_path: Path) -> None:
    with poster_app.app_context():
        community = busiest_compound(get_session())
    boxes, _ = _overlapping_labels(poster_app, community, tmp_path)
    named = [w[0] for w in boxes if w[0].endswith("路")]
    assert "西土城路" in named  # the street the bupt compound's gates open on
    assert len(named) == len(set(named)), "each street is named once"


def test_no_labels_overlap_on_any_poster(poster_app: Flask, tmp_path: Path) -> None:
    """Every imported compound with a gate: its map labels are all clear of each other (a
    building number used to sit on 你在这里 beside 师大北路, and building numbers on each
    other in 石科院生活区)."""
    with poster_app.app_context():
        db = get_session()
        compounds = list(db.scalars(
            select(Community).where(Community.id.in_(select(Gate.community_id))).order_by(Community.id)))
    assert len(compounds) >= 19
    overlaps = {}
    for community in compounds:
        boxes, overlapping = _overlapping_labels(poster_app, community, tmp_path)
        assert boxes
        if overlapping:
            overlaps[community.name] = overlapping
    assert not overlaps
