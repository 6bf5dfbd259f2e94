"""Plate layouts drawn as PDF with reportlab; the CJK font is embedded as a subset."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from fontTools.ttLib import TTFont as FontToolsFont
from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from maps.fonts import subset_font
from maps.plate_primitives import BOLD_STROKE, Primitive, Rect, Text, page_text, qr_runs


def _register(font_bytes: bytes) -> str:
    """Register a font subset with reportlab under a name of its own.

    reportlab maps every font with the same PostScript name to the first one registered,
    so each subset gets its digest appended to that name (``NotoSansCJKsc-Regular-1a2b3c``).
    """
    digest = hashlib.sha1(font_bytes).hexdigest()[:6]
    name = f"YouluCJK-{digest}"
    if name not in pdfmetrics.getRegisteredFontNames():
        font = FontToolsFont(io.BytesIO(font_bytes))
        table = font["name"]
        for record in table.names:
            if record.nameID == 6:
                record.string = f"{record.toUnicode()}-{digest}"
        renamed = io.BytesIO()
        font.save(renamed)
        renamed.seek(0)
        pdfmetrics.registerFont(TTFont(name, renamed))
    return name


def _draw(canvas: Canvas, item: Primitive, height: float, font: str) -> None:
    if isinstance(item, Rect):
        if item.fill:
            canvas.setFillColor(HexColor(item.fill))
        if item.stroke:
            canvas.setStrokeColor(HexColor(item.stroke))
            canvas.setLineWidth(item.stroke_width)
        args = (item.x, height - item.y - item.h, item.w, item.h)
        stroke, fill = int(bool(item.stroke)), int(bool(item.fill))
        if item.radius:
            canvas.roundRect(*args, item.radius, stroke=stroke, fill=fill)
        else:
            canvas.rect(*args, stroke=stroke, fill=fill)
    elif isinstance(item, Text):
        colour = HexColor(item.fill)
        canvas.setFillColor(colour)
        canvas.setStrokeColor(colour)
        text = canvas.beginText()
        text.setFont(font, item.size)
        text.setTextRenderMode(2 if item.bold else 0)
        canvas.setLineWidth(item.size * BOLD_STROKE)
        width = pdfmetrics.stringWidth(item.text, font, item.size)
        text.setTextOrigin(item.x - width / 2, height - item.y)
        text.textOut(item.text)
        canvas.drawText(text)
    else:
        m = item.module_mm
        left, top = item.x + 4 * m, item.y + 4 * m
        canvas.setFillColor(HexColor("#ffffff"))
        canvas.rect(item.x, height - item.y - item.size, item.size, item.size, stroke=0, fill=1)
        canvas.setFillColor(HexColor("#000000"))
        path = canvas.beginPath()
        for r, c, n in qr_runs(item):
            path.rect(left + c * m, height - (top + (r + 1) * m), n * m, m)
        canvas.drawPath(path, stroke=0, fill=1)


def render_pdf(pages: Sequence[Sequence[Primitive]], *, page_size: tuple[float, float],
               font_text: str | None = None) -> bytes:
    """One PDF document, a page per layout; ``page_size`` in mm. ``font_text``: all the
    text of a batch, to subset the font once for many documents."""
    font = _register(subset_font(font_text or page_text(pages), truetype=True))
    buffer = io.BytesIO()
    width, height = page_size
    canvas = Canvas(buffer, pagesize=(width * mm, height * mm), pageCompression=1)
    canvas.setTitle("友路门牌 Youlu door plates")
    canvas.setCreator("Youlu 友路")
    for page in pages:
        canvas.scale(mm, mm)
        for item in page:
            _draw(canvas, item, height, font)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
