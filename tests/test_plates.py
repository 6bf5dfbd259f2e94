"""Plates: rendered as PNG, PDF and SVG, read back with a real QR decoder (also after blur,
rotation, perspective and noise), the PDF's text layer and embedded font, NDEF files, A4
sheets; and plates of real imported units followed through the app to their address."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import ndef
import numpy as np
import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from app.db import get_session
from app.models import Unit
from app.plates.keys import init_keys, keys_dir, revoke_key
from app.plates.service import community_plate_specs
from maps.plates import PlateSpec, ndef_message, render_plate, write_plates
from tests.support.plates import ISSUER, decode


def png_image(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def pdf_pages(data: bytes, tmp_path: Path, dpi: int = 150) -> list[np.ndarray]:
    """Rasterise a PDF with poppler's pdftoppm."""
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is needed to rasterise PDFs"
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "in.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(source), str(tmp_path / "page")],
                   check=True)
    return [cv2.imread(str(p)) for p in sorted(tmp_path.glob("page*.png"))]


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderValue=(255, 255, 255))


def _perspective(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[0.12 * w, 0.05 * h], [0.9 * w, 0], [w, h], [0.02 * w, 0.88 * h]])
    return cv2.warpPerspective(image, cv2.getPerspectiveTransform(src, dst), (w, h),
                               borderValue=(255, 255, 255))


def _noise(image: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(5)
    noisy = image.astype(np.int16) + rng.normal(0, 40, image.shape).astype(np.int16)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _far_and_dim(image: np.ndarray) -> np.ndarray:
    """Small (as from a metre away), low contrast, JPEG-compressed."""
    small = cv2.resize(image, None, fx=0.22, fy=0.22, interpolation=cv2.INTER_AREA)
    dim = cv2.convertScaleAbs(small, alpha=0.55, beta=70)
    _ok, jpeg = cv2.imencode(".jpg", dim, [cv2.IMWRITE_JPEG_QUALITY, 40])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


DISTORTIONS = {
    "blur": lambda im: cv2.GaussianBlur(im, (0, 0), 6),
    "rotation_17": lambda im: _rotate(im, 17),
    "rotation_180": lambda im: cv2.rotate(im, cv2.ROTATE_180),
    "perspective": _perspective,
    "noise": _noise,
    "far_dim_jpeg": _far_and_dim,
    "all_together": lambda im: _noise(_perspective(_rotate(cv2.GaussianBlur(im, (0, 0), 3), 9))),
}


def test_png_plate_decodes(spec: PlateSpec) -> None:
    image = png_image(render_plate(spec, "png"))
    assert image.shape[:2] == (1654, 1181)  # 100 × 140 mm at 300 dpi
    assert decode(image) == [spec.url]


@pytest.mark.parametrize("name", sorted(DISTORTIONS))
def test_png_plate_survives(spec: PlateSpec, name: str) -> None:
    image = png_image(render_plate(spec, "png"))
    distorted = DISTORTIONS[name](image)
    assert not np.array_equal(distorted, image)
    assert decode(distorted) == [spec.url]


def test_pdf_plate_decodes_and_has_chinese_text_in_an_embedded_font(
        spec: PlateSpec, tmp_path: Path) -> None:
    data = render_plate(spec, "pdf")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("双泉嘉苑", "3号楼 2单元", spec.code, "北京市海淀区学院路街道", "扫码核验真伪"):
        assert expected in text
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    cjk = [f for f in fonts if "NotoSansCJK" in f["/BaseFont"]]
    assert cjk
    for font in cjk:
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSansCJKsc-Regular-[0-9a-f]{6}", font["/BaseFont"])
        descriptor = font["/FontDescriptor"].get_object()
        embedded = descriptor["/FontFile2"].get_object().get_data()
        assert 1000 < len(embedded) < 200_000  # a subset, not the 16 MB font
    assert decode(pdf_pages(data, tmp_path)[0]) == [spec.url]


def test_pdfs_of_different_texts_in_one_process(spec: PlateSpec) -> None:
    """Each document keeps its own font subset (reportlab shares fonts by PostScript name)."""
    other = PlateSpec("110108010000-001-G01", "gate", "北门(1号门)", "学士居", "海淀", spec.url)
    for first, second in ((other, spec), (spec, other)):
        render_plate(first, "pdf")
        text = PdfReader(io.BytesIO(render_plate(second, "pdf"))).pages[0].extract_text()
        assert second.title in text and second.community_name in text and "\x00" not in text


def test_svg_plate_embeds_its_font_and_escapes_text(spec: PlateSpec) -> None:
    hostile = PlateSpec(spec.code, spec.kind, "3号楼 2单元", "<script>alert(1)</script>&",
                        spec.address, spec.url)
    svg = render_plate(hostile, "svg").decode()
    assert "@font-face" in svg and "data:font/otf;base64," in svg
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in svg
    assert 'width="100mm"' in svg and "3号楼 2单元" in svg


def test_ndef_message_carries_the_url(spec: PlateSpec) -> None:
    records = list(ndef.message_decoder(ndef_message(spec.url)))
    assert len(records) == 1 and isinstance(records[0], ndef.UriRecord)
    uri = records[0].iri
    assert uri.startswith("https://youlu.example.cn/A/")
    assert uri.split("/A/")[1] == spec.url.split("/A/")[1]


@pytest.mark.parametrize("fmt", ["pdf", "svg", "png"])
def test_write_plates_files_and_sheets(spec: PlateSpec, tmp_path: Path, fmt: str) -> None:
    specs = [PlateSpec(f"110108010000-008-003-{u:02d}", "unit", f"3号楼 {u}单元", "双泉嘉苑",
                       spec.address, spec.url.replace("-003-02", f"-003-{u:02d}"))
             for u in range(1, 6)]
    written = write_plates(specs, tmp_path / fmt, fmt, dpi=150)
    names = sorted(p.name for p in written)
    assert f"110108010000-008-003-01.{fmt}" in names
    assert sum(n.endswith(".ndef") for n in names) == 5
    sheets = [p for p in written if p.name.startswith("sheet")]
    if fmt == "pdf":
        assert [p.name for p in sheets] == ["sheets-A4.pdf"]
        reader = PdfReader(sheets[0])
        assert len(reader.pages) == 2
        width, height = (float(v) for v in reader.pages[0].mediabox[2:])
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
        first = pdf_pages(sheets[0].read_bytes(), tmp_path)[0]
        assert sorted(decode(first)) == sorted(s.url for s in specs[:4])
    else:
        assert [p.name for p in sheets] == [f"sheet-A4-01.{fmt}", f"sheet-A4-02.{fmt}"]
    if fmt == "png":
        assert sorted(decode(cv2.imread(str(sheets[0])))) == sorted(s.url for s in specs[:4])


def test_unknown_format(spec: PlateSpec, tmp_path: Path) -> None:
    from geo.errors import InvalidInput
    with pytest.raises(InvalidInput, match="pdf、svg、png"):
        write_plates([spec], tmp_path, "jpg")


def test_real_imported_units_round_trip(writable_imported_app: Flask, tmp_path: Path) -> None:
    """Plates for real imported units, as PNG and as a PDF page, decoded from the image,
    followed through the app: the page shows the unit's full address as genuine."""
    app = writable_imported_app
    app.config["PUBLIC_BASE_URL"] = ISSUER
    with app.app_context():
        db = get_session()
        init_keys(db, keys_dir())
        unit = db.scalars(select(Unit).where(Unit.code.is_not(None)).order_by(Unit.code)).first()
        community_code = unit.code.rsplit("-", 2)[0]
        _community, specs = community_plate_specs(db, community_code, keys_dir=keys_dir(),
                                                  base_url=ISSUER)
    units = [s for s in specs if s.kind == "unit"][:3]
    assert units and units[0].code == unit.code
    client = app.test_client()
    for spec in units:
        png = png_image(render_plate(spec, "png"))
        pdf = pdf_pages(render_plate(spec, "pdf"), tmp_path / spec.code.replace("-", ""))[0]
        for image in (png, DISTORTIONS["all_together"](png), pdf):
            (url,) = decode(image)
            assert url == spec.url and url.startswith(ISSUER.upper())
            page = client.get(url.removeprefix(ISSUER.upper()))
            html = page.get_data(as_text=True)
            assert page.status_code == 200
            assert 'data-reason="ok"' in html and "真实门牌" in html
            assert spec.address in html and spec.title in html
            assert spec.address.startswith("北京市海淀区")
    # the decoded URL with one character changed, then with its key revoked
    (url,) = decode(png_image(render_plate(units[0], "png")))
    path = url.removeprefix(ISSUER.upper())
    for index in (len("/A/") + 5, len(path) - 1):
        altered = path[:index] + str((int(path[index]) + 1) % 10) + path[index + 1:]
        html = client.get(altered).get_data(as_text=True)
        assert "不是有效的门牌" in html and 'data-reason="ok"' not in html
    with app.app_context():
        kid = path.split("/")[3]
        revoke_key(get_session(), kid, reason="测试吊销")
    html = client.get(path).get_data(as_text=True)
    assert 'data-reason="revoked_key"' in html and "签名密钥已吊销" in html
