"""Plate layouts drawn as SVG (millimetre viewBox) with the CJK font subset embedded."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from maps.fonts import FONT_FAMILY, subset_font
from maps.plate_primitives import BOLD_STROKE, Primitive, Rect, Text, page_text, qr_runs

EMBEDDED_FAMILY = "YouluCJK"


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _element(item: Primitive) -> str:
    if isinstance(item, Rect):
        attrs = (f'x="{_num(item.x)}" y="{_num(item.y)}" width="{_num(item.w)}" '
                 f'height="{_num(item.h)}" fill="{item.fill or "none"}"')
        if item.radius:
            attrs += f' rx="{_num(item.radius)}"'
        if item.stroke:
            attrs += f' stroke="{item.stroke}" stroke-width="{_num(item.stroke_width)}"'
        return f"<rect {attrs}/>"
    if isinstance(item, Text):
        bold = (f' stroke="{item.fill}" stroke-width="{_num(item.size * BOLD_STROKE)}"'
                if item.bold else "")
        return (f'<text x="{_num(item.x)}" y="{_num(item.y)}" font-size="{_num(item.size)}" '
                f'fill="{item.fill}" text-anchor="middle"{bold}>{escape(item.text)}</text>')
    m = item.module_mm
    left, top = item.x + 4 * m, item.y + 4 * m
    d = "".join(f"M{_num(left + c * m)} {_num(top + r * m)}h{_num(n * m)}v{_num(m)}"
                f"h{_num(-n * m)}z" for r, c, n in qr_runs(item))
    return (f'<rect x="{_num(item.x)}" y="{_num(item.y)}" width="{_num(item.size)}" '
            f'height="{_num(item.size)}" fill="#ffffff"/><path d="{d}" fill="#000000" '
            'shape-rendering="crispEdges"/>')


def render_svg(page: Sequence[Primitive], *, page_size: tuple[float, float],
               font_text: str | None = None) -> bytes:
    """One SVG document; ``page_size`` in mm."""
    font = subset_font(page_text([page]), within=font_text)
    width, height = page_size
    family = quoteattr(f"{EMBEDDED_FAMILY}, '{FONT_FAMILY}', sans-serif")
    body = "\n".join(_element(item) for item in page)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}mm" '
        f'height="{_num(height)}mm" viewBox="0 0 {_num(width)} {_num(height)}">\n'
        "<title>友路门牌 Youlu door plate</title>\n"
        f'<defs><style>@font-face{{font-family:"{EMBEDDED_FAMILY}";'
        f'src:url(data:font/otf;base64,{base64.b64encode(font).decode()}) '
        'format("opentype");}</style></defs>\n'
        f"<g font-family={family}>\n{body}\n</g>\n</svg>\n"
    ).encode()
