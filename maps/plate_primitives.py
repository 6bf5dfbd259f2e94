"""The drawing primitives of a plate layout, shared by ``maps.plates`` (which lays them
out) and the three renderers ``maps.plate_pdf``, ``maps.plate_svg`` and
``maps.plate_png`` (which draw them). Coordinates and sizes are in millimetres from the
top-left corner of the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

INK = "#111111"
BOLD_STROKE = 0.035  # of the font size: the big number is drawn filled and stroked


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 0.0
    radius: float = 0.0


@dataclass(frozen=True)
class Text:
    """Text centred on ``x`` with its baseline at ``y``; ``size`` is the em in mm."""

    x: float
    y: float
    text: str
    size: float
    fill: str = INK
    bold: bool = False


@dataclass(frozen=True)
class QRCode:
    """A QR symbol in a ``size`` mm square that includes its 4-module quiet zone."""

    x: float
    y: float
    size: float
    modules: tuple[tuple[bool, ...], ...]

    @property
    def module_mm(self) -> float:
        return self.size / (len(self.modules) + 8)


Primitive = Rect | Text | QRCode


def page_text(pages: Iterable[Sequence[Primitive]]) -> str:
    """Every character drawn on ``pages`` (to subset the font once)."""
    return "".join(p.text for page in pages for p in page if isinstance(p, Text))


def qr_runs(qr: QRCode) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    runs = []
    for r, row in enumerate(qr.modules):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs
