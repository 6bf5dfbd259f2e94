"""The offline bundle: a division's compounds, gates (rules and hours), buildings,
units, paths and facilities, the plate key set and the feed cursor the bundle reflects,
as GeoPackage or GeoJSON. A platform loads it once and follows the feed from the cursor.

The cursor is read before the features: a change committed meanwhile may be in the
bundle and come again from the feed, which is harmless (each carries its version).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Community
from app.places.exchange import gather
from app.plates.keys import keyset
from app.platforms.feed import current_cursor
from geo.errors import InvalidInput
from geo.places.exchange import Layers, write_layers

FORMATS = {"gpkg": "application/geopackage+sqlite3", "geojson": "application/geo+json"}
INFO_LAYER = "youlu_bundle"


def check_division(division: str) -> None:
    """``InvalidInput`` unless ``division`` is a 6-, 9- or 12-digit division code."""
    if not division.isdigit() or len(division) not in (6, 9, 12):
        raise InvalidInput(f"区划代码“{division}”无效：应为 6、9 或 12 位数字",
                           f"division {division!r} is invalid: 6, 9 or 12 digits")


def division_layers(session: Session, division: str) -> Layers:
    """The features of the compounds whose division code starts with ``division``."""
    check_division(division)
    return gather(session, compounds=select(Community.id).where(
        Community.division_code.like(f"{division}%")))


def bundle(session: Session, division: str, fmt: str, *, issuer: str) -> bytes:
    """The bundle of ``division`` as ``fmt`` (gpkg or geojson) bytes."""
    if fmt not in FORMATS:
        raise InvalidInput(f"格式“{fmt}”不支持：可选 gpkg 或 geojson",
                           f"format {fmt!r} is not supported: gpkg or geojson")
    info = {"division": division, "cursor": current_cursor(session),
            "keys": keyset(session, issuer)}
    layers = division_layers(session, division)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bundle.{fmt}"
        write_layers(layers, path, fmt)
        if fmt == "geojson":
            body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            body["youlu"] = info
            return json.dumps(body, ensure_ascii=False).encode()
        import pandas as pd  # pandas and GDAL: imported for a GeoPackage, not by every worker
        import pyogrio

        pyogrio.write_dataframe(pd.DataFrame({
            "key": list(info), "value": [json.dumps(v, ensure_ascii=False) for v in info.values()]}),
            path, layer=INFO_LAYER, driver="GPKG")
        return path.read_bytes()
