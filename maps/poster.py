"""Printable posters (A3/A4, PDF or PNG) of one compound, hung at one of its gates.

The poster shows the compound drawn to scale, north up, with "你在这里" at the gate
where it hangs, big building numbers and unit doors, gates coloured by whether riders
may pass, facilities with their icons, rider routes from that gate, a north arrow, a
scale bar, a Chinese legend and a QR code to the online map. It is drawn with
matplotlib in local metres (``geo.geometry.coords.metric_transformer``); text uses Noto Sans
CJK SC (``maps.fonts``), embedded in PDFs as a subset with a Unicode map, so the
Chinese text can be searched and read back. What a poster is asked for (``PosterSpec``,
sizes, formats) lives in ``maps.poster_spec``, which does not import matplotlib.
"""

from __future__ import annotations

import hashlib
import io
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import qrcode
import shapely
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Polygon, Rectangle

from geo import settings
from geo.geometry.coords import metric_transformer
from maps.fonts import font_source, subset_font
from maps.poster_spec import PAGE_SIZES_MM, PosterSpec, check_options
from maps.symbols import symbols

_MARGIN_MM = 10.0
_HEADER_MM = 34.0
_FOOTER_MM = 62.0
_MAP_PAD_M = 40.0  # ground shown around the compound
_NICE_SCALES_M = (10, 20, 25, 50, 100, 200, 250, 500, 1000)
# The order map labels are placed in, each clear of those before it: building numbers (in
# their footprint), 你在这里 and gate names (around their disc), gate hours, then street names
# (along their street). Labels up to _RANK_GATE are always drawn; the others are left out
# where no spot is free.
_RANK_BUILDING, _RANK_HERE, _RANK_GATE, _RANK_HOURS, _RANK_STREET = range(5)
_STREET_LABEL_SPOTS = (0.5, 0.35, 0.65, 0.2, 0.8)  # fractions along the visible street


def _font() -> font_manager.FontProperties:
    path, _index = font_source()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


class _Sheet:
    """One poster page: the figure, its font, sizes in millimetres, the map projection."""

    def __init__(self, spec: PosterSpec, size: str) -> None:
        self.spec = spec
        self.width_mm, self.height_mm = PAGE_SIZES_MM[size]
        self.k = self.width_mm / PAGE_SIZES_MM["A4"][0]  # type scale against A4
        self.fig = Figure(figsize=(self.width_mm / 25.4, self.height_mm / 25.4))
        self.font = _font()
        self.texts: list[Any] = []
        self.labels: list[_Label] = []
        west, south, east, north = spec.data["community"]["bounds"]
        self.transformer = metric_transformer((west + east) / 2, (south + north) / 2)
        self.symbols = symbols()

    # -- geometry ---------------------------------------------------------------------
    def xy(self, coords: Any) -> np.ndarray:
        """GeoJSON coordinates of a line or ring as an (n, 2) array of metres."""
        array = np.asarray(coords, dtype=float).reshape(-1, 2)
        x, y = self.transformer.transform(array[:, 0], array[:, 1])
        return np.column_stack([x, y])

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.transformer.transform(lon, lat)
        return float(x), float(y)

    def rings(self, outline: Any) -> list[np.ndarray]:
        """Outer rings of a Polygon or MultiPolygon's coordinates, in metres."""
        depth = np.asarray(outline[0]).ndim if outline else 0
        polygons = [outline] if depth == 2 else outline
        return [self.xy(polygon[0]) for polygon in polygons]

    def mm(self, x: float, y: float) -> tuple[float, float]:
        """Figure fraction of a point (x, y) in millimetres from the bottom-left corner."""
        return x / self.width_mm, y / self.height_mm

    def text(self, target: Any, x: float, y: float, s: str, size: float, *,
             fixed: bool = False, **kw: Any) -> Any:
        """Text at ``size`` points on A4, scaled up on A3 unless ``fixed``; never read as TeX."""
        kw.setdefault("fontproperties", self.font)
        kw.setdefault("clip_on", target is not self.fig)
        kw["parse_math"] = False  # names are text: "$x^{2}$" is drawn as typed, never as TeX
        artist = target.text(x, y, s, fontsize=size if fixed else size * self.k, **kw)
        self.texts.append(artist)
        return artist

    def label(self, ax: Any, rank: int, spots: list[tuple[float, float, float]], s: str, size: float,
              *, smaller: tuple[float, ...] = (), farther: list[tuple[float, float, float]] | None = None,
              **kw: Any) -> None:
        """A map label of ``rank`` (``_RANK_*``) at the first of its ``spots`` (x, y, degrees),
        in points ``size`` or else one of the ``smaller`` sizes, where it overlaps no label
        placed before it; failing those, at one of the ``farther`` spots. ``_declutter``
        places it, or drops it."""
        x, y, angle = spots[0]
        artist = self.text(ax, x, y, s, size, rotation=angle, **kw)
        scale = artist.get_fontsize() / size
        self.labels.append(_Label(rank, artist, spots, [size * scale, *(f * scale for f in smaller)],
                                  farther or []))

    def embed_subset(self) -> None:
        """Switch every text to a TrueType subset of the font holding just the characters
        drawn: same metrics, so the layout is unchanged, and the PDF embeds a small
        standard CIDFontType2 font with a Unicode map."""
        chars = "".join(sorted({ch for t in self.texts for ch in t.get_text()}))
        data = subset_font(chars, truetype=True)
        folder = Path(tempfile.gettempdir()) / "youlu-fonts"
        folder.mkdir(exist_ok=True)
        path = folder / f"{hashlib.sha256(data).hexdigest()[:24]}.ttf"
        if not path.exists():
            path.write_bytes(data)
        for artist in self.texts:
            props = artist.get_fontproperties().copy()
            props.set_file(str(path))
            artist.set_fontproperties(props)


def _halo(alpha: float = 0.8) -> dict[str, Any]:
    """A white box behind text on the map (a box, not a stroke: stroked text becomes
    outlines, and the PDF would lose it as text)."""
    return {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": alpha}


def _draw_streets(sheet: _Sheet, ax: Any, frame: tuple[float, float, float, float]) -> None:
    """The streets, and each street's name once, on its longest stretch inside ``frame``
    (x0, x1, y0, y1 in metres) long enough to hold it."""
    styles = sheet.symbols["streets"]
    x0, x1, y0, y1 = frame
    visible: dict[str, Any] = {}
    for street in sheet.spec.data["streets"]:
        style = styles[street["rank"]]
        line = sheet.xy(street["coords"])
        ax.plot(line[:, 0], line[:, 1], color=style["colour"], linewidth=style["width"] * 0.9 * sheet.k,
                solid_capstyle="round", zorder=1)
        if not street["name"] or street["rank"] == "path" or len(line) < 2:
            continue
        inside = shapely.clip_by_rect(shapely.linestrings(line), x0, y0, x1, y1)
        for piece in getattr(inside, "geoms", [inside]):
            if piece.length > visible.get(street["name"], shapely.LineString()).length:
                visible[street["name"]] = piece
    metres_per_point = (x1 - x0) / (ax.get_position().width * sheet.width_mm) * _PT_MM
    for name, piece in visible.items():
        if piece.length < 1.3 * len(name) * 7 * sheet.k * metres_per_point:
            continue  # too short a stretch on the map to carry its name
        sheet.label(ax, _RANK_STREET, [_along(piece, f) for f in _STREET_LABEL_SPOTS], name, 7,
                    color="#5f636b", rotation_mode="anchor", ha="center", va="center",
                    bbox=_halo(0.6), zorder=2)


def _along(line: Any, fraction: float) -> tuple[float, float, float]:
    """(x, y, degrees) at ``fraction`` of ``line``'s length, the angle kept upright."""
    at = line.interpolate(fraction, normalized=True)
    ahead = line.interpolate(min(fraction + 0.02, 1.0), normalized=True)
    behind = line.interpolate(max(fraction - 0.02, 0.0), normalized=True)
    angle = math.degrees(math.atan2(ahead.y - behind.y, ahead.x - behind.x))
    angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
    return at.x, at.y, angle


@dataclass
class _Label:
    """A map label and the places it may take, best first."""

    rank: int
    artist: Any
    spots: list[tuple[float, float, float]]
    sizes: list[float]  # points on this page, largest first
    farther: list[tuple[float, float, float]]  # spots tried, at every size, when no spot fits

    def candidates(self) -> Iterator[tuple[tuple[float, float, float], float]]:
        """(spot, size) in the order tried: every size at the near spots, then the far ones."""
        for spots in (self.spots, self.farther):
            for size in self.sizes:
                for spot in spots:
                    yield spot, size


def _declutter(sheet: _Sheet, ax: Any) -> None:
    """Place the map labels in ``_RANK_*`` order, each at the first spot and size inside the
    map that overlaps no label placed before it. A label with no such place keeps its first
    one if it is essential (up to ``_RANK_GATE``) and is not drawn otherwise."""
    renderer = FigureCanvasAgg(sheet.fig).get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []

    def put(label: _Label, spot: tuple[float, float, float], size: float) -> Any:
        label.artist.set_position(spot[:2])
        label.artist.set_rotation(spot[2])
        label.artist.set_fontsize(size)
        return _extent(label.artist, renderer)

    # In a rank, small labels first: they have the least room, and a big one can shrink.
    for label in sorted(sheet.labels, key=lambda label: (label.rank, label.sizes[0])):
        for spot, size in label.candidates():
            box = put(label, spot, size)
            fits = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if fits and not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
        else:
            if label.rank <= _RANK_GATE:  # the essentials stay, at their first place
                placed.append(put(label, label.spots[0], label.sizes[0]))
            else:
                label.artist.set_visible(False)


def _extent(artist: Any, renderer: Any) -> Any:
    """The box a text covers on the page, its halo included."""
    patch = artist.get_bbox_patch()
    if patch is None:
        return artist.get_window_extent(renderer)
    artist.update_bbox_position_size(renderer)
    return patch.get_window_extent(renderer)


_PT_MM = 25.4 / 72  # millimetres per point


def _building_font(label: str, ring: np.ndarray, metres_per_mm: float) -> float:
    """Points of a building number: as big as its footprint holds (the number may overhang
    a thin building a little, its white halo keeps it readable), 9 to 24 pt."""
    sides = sorted((np.ptp(ring[:, 0]) / metres_per_mm, np.ptp(ring[:, 1]) / metres_per_mm))
    by_height = sides[0] * 1.6 / _PT_MM
    by_width = sides[1] * 0.9 / (0.62 * max(len(label), 1) * _PT_MM)
    return float(np.clip(min(by_height, by_width), 9.0, 24.0))


def _draw_compound(sheet: _Sheet, ax: Any, metres_per_mm: float) -> None:
    data, sym = sheet.spec.data, sheet.symbols
    for ring in sheet.rings(data["community"]["outline"]):
        ax.add_patch(Polygon(ring, closed=True, facecolor=sym["community"]["fill"],
                             edgecolor=sym["community"]["stroke"], linewidth=2.2 * sheet.k, zorder=3))
    for path in data["paths"]:
        line = sheet.xy(path["coords"])
        ax.plot(line[:, 0], line[:, 1], color="#cfc6b4", linewidth=2.0 * sheet.k, zorder=4)
    for building in data["buildings"]:
        for ring in sheet.rings(building["outline"]):
            ax.add_patch(Polygon(ring, closed=True, facecolor=sym["building"]["fill"],
                                 edgecolor=sym["building"]["stroke"], linewidth=0.6 * sheet.k, zorder=5))
    for leg in sheet.spec.routes:
        style = sym["route"].get(leg.get("mode"), sym["route"]["ride"])
        line = sheet.xy(leg["geometry"]["coordinates"])
        ax.plot(line[:, 0], line[:, 1], color="white", linewidth=6 * sheet.k, zorder=6,
                solid_capstyle="round")
        ax.plot(line[:, 0], line[:, 1], color=style["colour"], linewidth=3.4 * sheet.k, zorder=6,
                linestyle=(0, (3, 2)) if style.get("dash") else "-", solid_capstyle="round")
    for building in data["buildings"]:
        if building["short"]:
            x, y = sheet.point(building["lon"], building["lat"])
            ring = sheet.rings(building["outline"])[0]
            size = _building_font(building["short"], ring, metres_per_mm)
            sheet.label(ax, _RANK_BUILDING, [(x, y, 0.0), *_inside_spots(ring)], building["short"], size,
                        fixed=True, smaller=tuple(f for f in (size * 0.8, size * 0.65, 7.0) if f < size),
                        farther=_beside_spots(x, y, 4.0 * metres_per_mm * sheet.k),
                        ha="center", va="center", weight="bold", color="#1b1b1b", bbox=_halo(0.75),
                        zorder=8)
    for unit in data["units"]:
        x, y = sheet.point(unit["lon"], unit["lat"])
        side = 2.4 * metres_per_mm * sheet.k
        ax.add_patch(FancyBboxPatch((x - side / 2, y - side / 2), side, side,
                                    boxstyle="round,pad=0", facecolor=sym["unit"]["colour"],
                                    edgecolor="white", linewidth=0.4, zorder=9))
        if unit["short"]:
            sheet.text(ax, x, y, unit["short"], 4.6, ha="center", va="center", color="white",
                       weight="bold", zorder=10)


def _inside_spots(ring: np.ndarray) -> list[tuple[float, float, float]]:
    """Other places for a building's number: a quarter of its footprint's width or height
    from its middle, where that still lies inside the footprint."""
    footprint = shapely.Polygon(ring)
    cx, cy = footprint.centroid.x, footprint.centroid.y
    dx, dy = np.ptp(ring[:, 0]) / 4, np.ptp(ring[:, 1]) / 4
    spots = [(cx + sx * dx, cy + sy * dy) for sx, sy in ((0, 1), (0, -1), (1, 0), (-1, 0))]
    return [(x, y, 0.0) for x, y in spots if footprint.contains(shapely.Point(x, y))]


def _beside_spots(x: float, y: float, step: float) -> list[tuple[float, float, float]]:
    """Last places for a building's number where its footprint has no free room: ``step``
    (page millimetres in metres) above, below and to either side of its middle, then the
    corners."""
    return [(x + sx * step * f, y + sy * step, 0.0)
            for sx, sy, f in ((0, 1, 1), (0, -1, 1), (1, 0, 1.5), (-1, 0, 1.5),
                              (1, 1, 1.2), (-1, 1, 1.2), (1, -1, 1.2), (-1, -1, 1.2))]


def _disc(sheet: _Sheet, ax: Any, x: float, y: float, radius: float, colour: str, glyph: str,
          size: float, zorder: int) -> None:
    ax.add_patch(Circle((x, y), radius, facecolor=colour, edgecolor="white", linewidth=1.0 * sheet.k,
                        zorder=zorder))
    sheet.text(ax, x, y, glyph, size, ha="center", va="center", color="white", weight="bold",
               zorder=zorder + 1)


def _draw_points(sheet: _Sheet, ax: Any, metres_per_mm: float) -> tuple[float, float]:
    """Gates, facilities and "你在这里"; returns where the poster hangs (metres)."""
    sym, data = sheet.symbols, sheet.spec.data
    unit_m = metres_per_mm * sheet.k  # one A4 millimetre on this page, in metres
    for facility in data["facilities"]:
        s = sym["facilities"].get(facility["kind"], {"glyph": "?", "colour": "#555"})
        x, y = sheet.point(facility["lon"], facility["lat"])
        _disc(sheet, ax, x, y, 2.4 * unit_m, s["colour"], s["glyph"], 6.5, 11)
    here = (0.0, 0.0)
    for gate in data["gates"]:
        x, y = sheet.point(gate["lon"], gate["lat"])
        colour = sym["gates"][gate["status"]]["colour"]
        _disc(sheet, ax, x, y, 2.8 * unit_m, colour, "门", 7.5, 12)
        if gate["id"] == sheet.spec.gate_id:
            here = (x, y)
        elif not gate["inferred"] and gate["label"] != "出入口":
            above, below = (x, y + 5.8 * unit_m, 0.0), (x, y - 5.8 * unit_m, 0.0)
            beside = [(x + side * (4.2 + 1.4 * len(gate["label"])) * unit_m, y, 0.0) for side in (1, -1)]
            sheet.label(ax, _RANK_GATE, [above, below, *beside], gate["label"], 7, ha="center",
                        va="center", color="#1b1b1b", bbox=_halo(0.85), zorder=13)
            if gate.get("hours_zh"):
                sheet.label(ax, _RANK_HOURS, [below, above], gate["hours_zh"], 5.5, ha="center",
                            va="center", color="#37474f", bbox=_halo(0.85), zorder=13)
    colour = sym["you_are_here"]["colour"]
    ax.add_patch(Circle(here, 4.2 * unit_m, facecolor="none", edgecolor=colour,
                        linewidth=3 * sheet.k, zorder=14))
    spots = [(here[0], here[1] + 10 * unit_m, 0.0), (here[0], here[1] - 10 * unit_m, 0.0),
             (here[0] + 16 * unit_m, here[1], 0.0), (here[0] - 16 * unit_m, here[1], 0.0)]
    sheet.label(ax, _RANK_HERE, spots,
                sym["you_are_here"]["zh"], 15, ha="center", va="center", color="white", weight="bold",
                zorder=15, bbox={"boxstyle": "round,pad=0.35", "facecolor": colour, "edgecolor": "white"})
    return here


def _map_extent(sheet: _Sheet, box_mm: tuple[float, float, float, float]
                ) -> tuple[float, float, float, float, float]:
    """(x0, x1, y0, y1, metres per mm) fitting the compound and the routes drawn from the
    gate into the map box, north up."""
    rings = sheet.rings(sheet.spec.data["community"]["outline"])
    routes = [sheet.xy(leg["geometry"]["coordinates"]) for leg in sheet.spec.routes]
    allxy = np.vstack([*rings, *routes])
    x0, y0 = allxy.min(axis=0) - _MAP_PAD_M
    x1, y1 = allxy.max(axis=0) + _MAP_PAD_M
    _, _, w_mm, h_mm = box_mm
    scale = max((x1 - x0) / w_mm, (y1 - y0) / h_mm)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - scale * w_mm / 2, cx + scale * w_mm / 2, cy - scale * h_mm / 2,
            cy + scale * h_mm / 2, scale)


def _north_arrow(sheet: _Sheet, box_mm: tuple[float, float, float, float]) -> None:
    left, bottom, width, height = box_mm
    x, y = left + width - 12 * sheet.k, bottom + height - 22 * sheet.k
    ax = sheet.fig.add_axes((*sheet.mm(x - 6 * sheet.k, y), *sheet.mm(12 * sheet.k, 18 * sheet.k)))
    ax.set_axis_off()
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1.6)
    ax.add_patch(Polygon([(0, 1), (-0.6, -0.7), (0, -0.3)], facecolor="#1b1b1b", edgecolor="#1b1b1b"))
    ax.add_patch(Polygon([(0, 1), (0.6, -0.7), (0, -0.3)], facecolor="white", edgecolor="#1b1b1b"))
    sheet.text(ax, 0, 1.05, "北", 11, ha="center", va="bottom", weight="bold")


def _scale_bar(sheet: _Sheet, box_mm: tuple[float, float, float, float], metres_per_mm: float) -> None:
    left, bottom, _, _ = box_mm
    metres = max((m for m in _NICE_SCALES_M if m / metres_per_mm <= 40 * sheet.k), default=10)
    length_mm = metres / metres_per_mm
    ax = sheet.fig.add_axes((*sheet.mm(left + 5, bottom + 4), *sheet.mm(length_mm + 20, 11 * sheet.k)))
    ax.set_axis_off()
    ax.set_xlim(0, length_mm + 20)
    ax.set_ylim(0, 11 * sheet.k)
    ax.add_patch(Rectangle((0, 0), length_mm + 18, 11 * sheet.k, facecolor="white", alpha=0.85))
    ax.add_patch(Rectangle((3, 3), length_mm / 2, 1.8, facecolor="#1b1b1b"))
    ax.add_patch(Rectangle((3 + length_mm / 2, 3), length_mm / 2, 1.8, facecolor="white",
                           edgecolor="#1b1b1b", linewidth=0.6))
    sheet.text(ax, 3, 5.5, "0", 7, ha="center", va="bottom")
    sheet.text(ax, 3 + length_mm, 5.5, f"{metres} 米", 7, ha="center", va="bottom")


def _qr(sheet: _Sheet, x_mm: float, y_mm: float, size_mm: float) -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(sheet.spec.qr_url)
    code.make(fit=True)
    matrix = np.array(code.get_matrix(), dtype=bool)
    n = matrix.shape[0]
    quiet = 4
    ax = sheet.fig.add_axes((*sheet.mm(x_mm, y_mm), *sheet.mm(size_mm, size_mm)))
    ax.set_axis_off()
    ax.set_xlim(-quiet, n + quiet)
    ax.set_ylim(n + quiet, -quiet)
    ax.add_patch(Rectangle((-quiet, -quiet), n + 2 * quiet, n + 2 * quiet, facecolor="white"))
    cells = []
    for row in range(n):  # one rectangle per run of dark modules: crisp in any viewer
        col = 0
        while col < n:
            if matrix[row, col]:
                start = col
                while col < n and matrix[row, col]:
                    col += 1
                cells.append(Rectangle((start, row), col - start, 1))
            else:
                col += 1
    ax.add_collection(PatchCollection(cells, facecolor="black", edgecolor="none"))


def _legend(sheet: _Sheet, box_mm: tuple[float, float, float, float]) -> None:
    left, bottom, width, height = box_mm
    ax = sheet.fig.add_axes((*sheet.mm(left, bottom), *sheet.mm(width, height)))
    ax.set_axis_off()
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    sym, k = sheet.symbols, sheet.k
    # A poster hangs for months: gates by their rules, never "现在关闭".
    entries: list[tuple[str, str, str]] = [(s["colour"], "门", s.get("printed_zh", s["zh"]))
                                           for s in sym["gates"].values()]
    kinds = {f["kind"] for f in sheet.spec.data["facilities"]} or set(sym["facilities"])
    entries += [(s["colour"], s["glyph"], s["zh"]) for kind, s in sym["facilities"].items() if kind in kinds]
    entries.append((sym["unit"]["colour"], "1", sym["unit"]["zh"]))
    sheet.text(ax, 0, height - 1, "图例", 11, va="top", weight="bold")
    columns, row_h = 3, 7.2 * k
    for i, (colour, glyph, label) in enumerate(entries):
        cx = (i % columns) * width / columns + 3 * k
        cy = height - 10 * k - (i // columns) * row_h
        ax.add_patch(Circle((cx, cy), 2.5 * k, facecolor=colour, edgecolor="white"))
        sheet.text(ax, cx, cy, glyph, 6.5, ha="center", va="center", color="white", weight="bold")
        sheet.text(ax, cx + 4.5 * k, cy, label, 8.5, va="center")
    y = height - 10 * k - ((len(entries) - 1) // columns + 1) * row_h
    for j, mode in enumerate(("ride", "walk")):
        style = sym["route"][mode]
        x = j * width / columns
        ax.plot([x + 0.5, x + 7 * k], [y, y], color=style["colour"], linewidth=3 * k,
                linestyle=(0, (3, 2)) if style.get("dash") else "-")
        sheet.text(ax, x + 9 * k, y, style["zh"], 8.5, va="center")
    colour = sym["you_are_here"]["colour"]
    x = 2 * width / columns
    ax.add_patch(Circle((x + 3 * k, y), 2.5 * k, facecolor="none", edgecolor=colour, linewidth=2))
    sheet.text(ax, x + 7.5 * k, y, sym["you_are_here"]["zh"], 8.5, va="center", color=colour,
               weight="bold")


def render_poster(spec: PosterSpec, *, size: str = "A4", fmt: str = "pdf") -> bytes:
    """The poster as PDF or PNG bytes (``size`` A3/A4)."""
    check_options(size, fmt)
    sheet = _Sheet(spec, size)
    k, w, h = sheet.k, sheet.width_mm, sheet.height_mm
    header = _HEADER_MM * k
    footer = _FOOTER_MM * k
    data = spec.data
    gate = next(g for g in data["gates"] if g["id"] == spec.gate_id)

    band = sheet.fig.add_axes((0, 1 - header / h, 1, header / h))
    band.set_axis_off()
    band.add_patch(Rectangle((0, 0), 1, 1, facecolor="#0a7d4f", transform=band.transAxes))
    sheet.text(band, _MARGIN_MM / w, 0.62, data["community"]["name"], 26, color="white",
               weight="bold", va="center", transform=band.transAxes)
    hours = f"（开放时间：{gate['hours_zh']}）" if gate.get("hours_zh") else ""
    sheet.text(band, _MARGIN_MM / w, 0.22, f"骑手友好地图 · 本图位于：{gate['label']}{hours}", 12.5,
               color="white", va="center", transform=band.transAxes)

    box = (_MARGIN_MM, footer, w - 2 * _MARGIN_MM, h - header - footer - 4 * k)
    x0, x1, y0, y1, metres_per_mm = _map_extent(sheet, box)
    ax = sheet.fig.add_axes((*sheet.mm(box[0], box[1]), *sheet.mm(box[2], box[3])))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#f3f1ec")
    for spine in ax.spines.values():
        spine.set_edgecolor("#9aa0a6")
    _draw_streets(sheet, ax, (x0, x1, y0, y1))
    _draw_compound(sheet, ax, metres_per_mm)
    _draw_points(sheet, ax, metres_per_mm)
    _declutter(sheet, ax)
    _north_arrow(sheet, box)
    _scale_bar(sheet, box, metres_per_mm)

    qr_size = footer - 22 * k
    _qr(sheet, w - _MARGIN_MM - qr_size, 14 * k, qr_size)
    sheet.text(sheet.fig, *sheet.mm(w - _MARGIN_MM - qr_size / 2, 9.5 * k), "扫码看在线地图和路线", 8.5,
               ha="center", va="center")
    _legend(sheet, (_MARGIN_MM, 14 * k, w - 3 * _MARGIN_MM - qr_size, footer - 20 * k))
    lines = [spec.address, spec.footer or "地图数据 © OpenStreetMap contributors · 友路 Youlu"]
    for i, line in enumerate(line for line in lines if line):
        sheet.text(sheet.fig, *sheet.mm(_MARGIN_MM, (8 - i * 4.2) * k), line, 7.5, color="#37474f",
                   va="center")

    out = io.BytesIO()
    if fmt == "pdf":
        sheet.embed_subset()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        sheet.fig.savefig(out, format=fmt, dpi=settings.POSTER_DPI,
                          metadata={"Title": f"{data['community']['name']} {gate['label']}"}
                          if fmt == "pdf" else None)
    return out.getvalue()
