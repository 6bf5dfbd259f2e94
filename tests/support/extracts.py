"""The three real Beijing extracts the tests import, and the street (街道) each goes into."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from geo.osm.extract import OsmExtract, read_osm_extract

ROOT = Path(__file__).resolve().parents[2]
OSM_DIR = ROOT / "data" / "osm"
# The extracts and the street (街道) each is imported into for the tests.
EXTRACTS = {
    "qinghuadonglu": ("beijing_haidian_qinghuadonglu.osm.bz2", "110108010"),
    "bupt": ("beijing_haidian_bupt.osm.bz2", "110108008"),
    "wudaokou": ("beijing_haidian_wudaokou_2017.osm.bz2", "110108014"),
}


@cache
def read_extract(name: str) -> OsmExtract:
    """Each real extract read once per test session."""
    return read_osm_extract(OSM_DIR / EXTRACTS[name][0])
