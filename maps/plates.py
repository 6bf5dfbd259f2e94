"""Door plates (门牌): one layout, drawn as PDF, SVG or PNG; A4 sheets; NFC tags.

A plate is 100 × 140 mm, four to an A4 sheet. From the top: a blue band with the
compound's name and the big number ("3号楼 2单元"), the QR code (70 mm, quiet zone
included), the code in text, the full address, and a line telling what the code does.
Everything is laid out once, in millimetres from the top-left corner, as a list of
drawing primitives (``maps.plate_primitives``); ``maps.plate_pdf``, ``maps.plate_svg``
and ``maps.plate_png`` each draw that list and import nothing from this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from geo.address.qr_url import qr_matrix
from geo.errors import InvalidInput
from maps.fonts import text_width
from maps.plate_primitives import INK, Primitive, QRCode, Rect, Text

PLATE_W_MM = 100.0
PLATE_H_MM = 140.0
A4_W_MM = 210.0
A4_H_MM = 297.0
SHEET_COLUMNS, SHEET_ROWS = 2, 2
FORMATS = ("pdf", "svg", "png")

BAND_H_MM = 34.0
QR_SIZE_MM = 70.0
QR_TOP_MM = 37.0
MARGIN_MM = 4.0
BLUE = "#0b4f9c"
GREY = "#555555"
WHITE = "#ffffff"
FOOTER = "扫码核验真伪 · 查看路线 · 碰一下(NFC)打开"


@dataclass(frozen=True)
class PlateSpec:
    """What goes on one plate. ``url`` is what the QR and the NFC tag carry."""

    code: str
    kind: str
    title: str
    community_name: str
    address: str
    url: str


def _fitted(text: str, x: float, y: float, size: float, max_width: float, **style) -> Text:
    """``text`` at ``size``, smaller if needed to fit ``max_width`` (mm)."""
    width = text_width(text, size)
    if width > max_width:
        size *= max_width / width
    return Text(x, y, text, round(size, 3), **style)


def plate_layout(spec: PlateSpec, *, dx: float = 0.0, dy: float = 0.0) -> list[Primitive]:
    """The primitives of one plate whose top-left corner is at (``dx``, ``dy``) mm."""
    cx = dx + PLATE_W_MM / 2
    inner = PLATE_W_MM - 2 * MARGIN_MM
    modules = qr_matrix(spec.url)
    return [
        Rect(dx, dy, PLATE_W_MM, PLATE_H_MM, fill=WHITE, stroke=GREY, stroke_width=0.3,
             radius=4.0),
        Rect(dx, dy, PLATE_W_MM, BAND_H_MM, fill=BLUE, radius=4.0),
        Rect(dx, dy + BAND_H_MM - 5.0, PLATE_W_MM, 5.0, fill=BLUE),
        _fitted(spec.community_name, cx, dy + 10.0, 5.5, inner, fill=WHITE),
        _fitted(spec.title, cx, dy + 28.0, 13.0, inner, fill=WHITE, bold=True),
        QRCode(dx + (PLATE_W_MM - QR_SIZE_MM) / 2, dy + QR_TOP_MM, QR_SIZE_MM, modules),
        _fitted(spec.code, cx, dy + 115.0, 4.6, inner, fill=INK, bold=True),
        _fitted(spec.address, cx, dy + 123.0, 3.2, inner, fill=GREY),
        _fitted(FOOTER, cx, dy + 132.0, 3.2, inner, fill=GREY),
    ]


def sheet_layouts(specs: Sequence[PlateSpec]) -> list[list[Primitive]]:
    """A4 portrait pages with four plates each, cut lines being the plates' borders."""
    per_page = SHEET_COLUMNS * SHEET_ROWS
    left = (A4_W_MM - SHEET_COLUMNS * PLATE_W_MM) / (SHEET_COLUMNS + 1)
    top = (A4_H_MM - SHEET_ROWS * PLATE_H_MM) / (SHEET_ROWS + 1)
    pages = []
    for start in range(0, len(specs), per_page):
        page: list[Primitive] = []
        for i, spec in enumerate(specs[start:start + per_page]):
            col, row = i % SHEET_COLUMNS, i // SHEET_COLUMNS
            page += plate_layout(spec, dx=left + col * (PLATE_W_MM + left),
                                 dy=top + row * (PLATE_H_MM + top))
        pages.append(page)
    return pages


def specs_text(specs: Iterable[PlateSpec]) -> str:
    """Every character the plates of ``specs`` draw (to subset the font once)."""
    return FOOTER + "".join(s.title + s.community_name + s.address + s.code for s in specs)


def nfc_url(url: str) -> str:
    """The plate URL for an NFC tag: scheme and host in lower case, so NDEF can abbreviate
    ``https://``; the path keeps its case."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))


def ndef_message(url: str) -> bytes:
    """An NDEF message with one URI record, ready to write to an NFC tag."""
    import ndef

    return b"".join(ndef.message_encoder([ndef.UriRecord(nfc_url(url))]))


def render_pages(pages: list[list[Primitive]], fmt: str, *, page_size: tuple[float, float],
                 dpi: int = 300, font_text: str | None = None) -> list[bytes]:
    """``pages`` drawn in ``fmt``: one PDF document, or one SVG/PNG file per page.

    ``page_size`` is in mm; ``font_text`` is all the text of a batch of documents, so that
    the font is read and subset once for the batch.
    """
    if fmt == "pdf":
        from maps.plate_pdf import render_pdf
        return [render_pdf(pages, page_size=page_size, font_text=font_text)]
    if fmt == "svg":
        from maps.plate_svg import render_svg
        return [render_svg(page, page_size=page_size, font_text=font_text) for page in pages]
    if fmt == "png":
        from maps.plate_png import render_png
        return [render_png(page, page_size=page_size, dpi=dpi) for page in pages]
    raise InvalidInput(f"不支持的格式“{fmt}”：可用 pdf、svg、png",
                       f"unsupported format {fmt!r}: use pdf, svg or png")


def render_plate(spec: PlateSpec, fmt: str, *, dpi: int = 300,
                 font_text: str | None = None) -> bytes:
    """One plate in ``fmt`` (pdf, svg or png)."""
    return render_pages([plate_layout(spec)], fmt, page_size=(PLATE_W_MM, PLATE_H_MM),
                        dpi=dpi, font_text=font_text)[0]


def write_plates(specs: Sequence[PlateSpec], out_dir: Path, fmt: str = "pdf", *,
                 dpi: int = 300) -> list[Path]:
    """Write a plate file and an NDEF file per plate, plus A4 sheets, into ``out_dir``.

    Files: ``<code>.<fmt>``, ``<code>.ndef``, and ``sheets-A4.pdf`` (one document) or
    ``sheet-A4-<n>.svg|png``. Returns the paths written.
    """
    if fmt not in FORMATS:
        render_pages([], fmt, page_size=(A4_W_MM, A4_H_MM))  # raises the clear error
    if not specs:
        raise InvalidInput("没有可以制作门牌的地点（出入口、楼栋、单元）",
                           "no gates, buildings or units to make plates for")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    font_text = specs_text(specs)
    written = []
    for spec in specs:
        path = out_dir / f"{spec.code}.{fmt}"
        path.write_bytes(render_plate(spec, fmt, dpi=dpi, font_text=font_text))
        tag = out_dir / f"{spec.code}.ndef"
        tag.write_bytes(ndef_message(spec.url))
        written += [path, tag]
    sheets = render_pages(sheet_layouts(specs), fmt, page_size=(A4_W_MM, A4_H_MM), dpi=dpi,
                          font_text=font_text)
    if fmt == "pdf":
        names = ["sheets-A4.pdf"]
    else:
        names = [f"sheet-A4-{n:02d}.{fmt}" for n in range(1, len(sheets) + 1)]
    for name, data in zip(names, sheets, strict=True):
        (out_dir / name).write_bytes(data)
        written.append(out_dir / name)
    return written
