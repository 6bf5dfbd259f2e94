"""What a poster (``maps.poster``) is asked for: its content, page sizes and formats.

Kept apart from the drawing so that the app can check a request and build a spec without
importing matplotlib: only ``maps.poster.render_poster`` needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geo.errors import InvalidInput

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
FORMATS = {"pdf": "application/pdf", "png": "image/png"}


@dataclass(frozen=True)
class PosterSpec:
    """What a poster shows: ``data`` from ``app.mapping.compound_data.compound_map_data``, the gate it
    hangs at (``gate_id``), the online map's URL for the QR, the full address, and the
    rider routes from the gate (legs as dicts with ``mode`` and GeoJSON ``geometry``)."""

    data: dict[str, Any]
    gate_id: int
    qr_url: str
    address: str = ""
    routes: list[dict[str, Any]] = field(default_factory=list)
    footer: str = ""


def check_options(size: str, fmt: str) -> None:
    """Raise ``InvalidInput`` unless ``size`` is A3/A4 and ``fmt`` pdf/png."""
    if size not in PAGE_SIZES_MM:
        raise InvalidInput(f"海报尺寸只能是 {' 或 '.join(PAGE_SIZES_MM)}，收到“{size}”",
                           f"poster size must be {' or '.join(PAGE_SIZES_MM)}, got {size!r}")
    if fmt not in FORMATS:
        raise InvalidInput(f"海报格式只能是 {' 或 '.join(FORMATS)}，收到“{fmt}”",
                           f"poster format must be {' or '.join(FORMATS)}, got {fmt!r}")
