"""Plate layouts drawn as PNG with Pillow, at a given resolution (dots per inch)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from maps.fonts import pil_font
from maps.plate_primitives import BOLD_STROKE, Primitive, QRCode, Rect, Text

MM_PER_INCH = 25.4
# zlib level 1: half the encoding time of the default for ~25 % larger files (about 100 kB
# a plate at 300 dpi); plates are print files, written in batches.
PNG_COMPRESS_LEVEL = 1


def _paste_qr(image: Image.Image, item: QRCode, scale: float) -> None:
    """The QR with whole-pixel modules, centred in its square, so every module is sharp."""
    count = len(item.modules) + 8
    box = round(item.size * scale)
    module_px = max(1, box // count)
    modules = np.pad(np.array(item.modules, dtype=bool), 4)
    pixels = np.where(modules, 0, 255).astype(np.uint8)
    pixels = np.kron(pixels, np.ones((module_px, module_px), dtype=np.uint8))
    offset = (box - module_px * count) // 2
    image.paste(Image.fromarray(pixels, "L").convert("RGB"),
                (round(item.x * scale) + offset, round(item.y * scale) + offset))


def render_png(page: Sequence[Primitive], *, page_size: tuple[float, float],
               dpi: int = 300) -> bytes:
    """One PNG image of ``page`` (``page_size`` in mm) at ``dpi``."""
    scale = dpi / MM_PER_INCH
    width, height = page_size
    image = Image.new("RGB", (round(width * scale), round(height * scale)), "white")
    draw = ImageDraw.Draw(image)
    for item in page:
        if isinstance(item, Rect):
            box = [item.x * scale, item.y * scale, (item.x + item.w) * scale,
                   (item.y + item.h) * scale]
            draw.rounded_rectangle(box, radius=item.radius * scale, fill=item.fill,
                                   outline=item.stroke,
                                   width=max(1, round(item.stroke_width * scale))
                                   if item.stroke else 0)
        elif isinstance(item, Text):
            size_px = max(1, round(item.size * scale))
            stroke = round(item.size * BOLD_STROKE * scale / 2) if item.bold else 0
            draw.text((item.x * scale, item.y * scale), item.text, font=pil_font(size_px),
                      fill=item.fill, anchor="ms", stroke_width=stroke, stroke_fill=item.fill)
        else:
            _paste_qr(image, item, scale)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()
