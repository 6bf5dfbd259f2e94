"""The CJK font of printed plates and posters: Noto Sans CJK SC, subset to what is drawn.

The font comes from pip's ``mplfonts`` (``NotoSansCJKsc-Regular.otf``) or Debian's
``fonts-noto-cjk`` (a collection; the SC face is picked by name); ``YOULU_CJK_FONT``
names another file. Noto CJK has CFF (PostScript) outlines, which PDF writers such as
reportlab cannot embed, so the subset for PDFs is converted to TrueType outlines (cubic
→ quadratic curves, within 1 font unit).
"""

from __future__ import annotations

import io
import os
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from geo.errors import YouluError

if TYPE_CHECKING:  # fontTools and Pillow are imported where a font is read, not at start-up
    from fontTools.ttLib import TTFont
    from PIL import ImageFont

FONT_FAMILY = "Noto Sans CJK SC"
_DEBIAN_DIR = Path("/usr/share/fonts/opentype/noto")
_CURVE_MAX_ERR = 1.0  # font units


def _mplfonts_file() -> Path | None:
    try:
        import mplfonts
    except ImportError:
        return None
    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    return path if path.exists() else None


@cache
def font_source() -> tuple[Path, int]:
    """(file, face index) of the CJK font; raises when none is installed."""
    if override := os.environ.get("YOULU_CJK_FONT"):
        return Path(override), 0
    if (path := _mplfonts_file()) is not None:
        return path, 0
    collection = _DEBIAN_DIR / "NotoSansCJK-Regular.ttc"
    if collection.exists():
        from fontTools.ttLib import TTCollection

        faces = TTCollection(str(collection), lazy=True).fonts
        index = next(i for i, face in enumerate(faces)
                     if FONT_FAMILY in str(face["name"].getDebugName(1)))
        return collection, index
    raise YouluError("找不到中文字体：请安装 pip 包 mplfonts 或 Debian 包 fonts-noto-cjk",
                     "no CJK font: install the pip package mplfonts or Debian's fonts-noto-cjk")


@cache
def _full_font() -> TTFont:
    from fontTools.ttLib import TTFont

    path, index = font_source()
    return TTFont(str(path), fontNumber=index, lazy=True)


@cache
def _metrics() -> tuple[dict[int, str], dict[str, int], int, int, int]:
    font = _full_font()
    hhea = font["hhea"]
    return (font.getBestCmap(), {name: adv for name, (adv, _lsb) in font["hmtx"].metrics.items()},
            font["head"].unitsPerEm, hhea.ascent, hhea.descent)


def text_width(text: str, size: float) -> float:
    """Advance width of ``text`` at ``size`` (same unit as ``size``)."""
    cmap, advances, upem, _, _ = _metrics()
    notdef = advances.get(".notdef", upem)
    return sum(advances.get(cmap.get(ord(ch), ".notdef"), notdef) for ch in text) * size / upem


def vertical_metrics(size: float) -> tuple[float, float]:
    """(ascent, descent) at ``size``; descent is negative."""
    _, _, upem, ascent, descent = _metrics()
    return ascent * size / upem, descent * size / upem


def subset_font(text: str, *, truetype: bool = False, within: str | None = None) -> bytes:
    """The font cut down to the characters of ``text`` (OpenType CFF, or TrueType outlines
    with ``truetype``), as bytes ready to embed.

    ``within`` names a larger text whose subset is made once and cached, so that many
    small subsets (one per plate) do not each read the 16 MB font.
    """
    return _subset(_charset(text), truetype, _charset(within) if within else None)


def _charset(text: str) -> str:
    return "".join(sorted(set(text + " ")))


@lru_cache(maxsize=64)
def _subset(chars: str, truetype: bool, within: str | None) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    if within is not None:
        font = TTFont(io.BytesIO(_subset(within, False, None)))
    else:
        path, index = font_source()
        font = TTFont(str(path), fontNumber=index)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    if truetype and "CFF " in font:
        _to_truetype(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _to_truetype(font: TTFont) -> None:
    """Replace CFF outlines by quadratic TrueType ``glyf`` outlines, in place."""
    from fontTools.pens.boundsPen import ControlBoundsPen
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, _CURVE_MAX_ERR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        bounds = ControlBoundsPen(glyf)
        glyph.draw(bounds, glyf)
        hmtx[name] = (hmtx[name][0], bounds.bounds[0] if bounds.bounds else 0)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    font["maxp"] = maxp
    maxp.compile(font)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


@lru_cache(maxsize=32)
def pil_font(size_px: int) -> ImageFont.FreeTypeFont:
    """The CJK font for Pillow at ``size_px`` pixels (FreeType reads the CFF outlines)."""
    from PIL import ImageFont

    path, index = font_source()
    return ImageFont.truetype(str(path), size_px, index=index)
