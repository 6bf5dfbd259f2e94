"""The office's map of 随手拍 reports: one marker per located report, coloured by its
status, with its kind, time and text in the popup (``reports.js``)."""

from __future__ import annotations

from typing import Any

import folium

from maps.layers import page_map
from maps.tiles import TileSource

REPORT_PAD_DEG = 0.002  # ground shown around the reports (about 200 m)


def reports_bounds(points: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    """(W, S, E, N) around the reports' ``lon``/``lat``, padded."""
    lons = [p["lon"] for p in points]
    lats = [p["lat"] for p in points]
    return (min(lons) - REPORT_PAD_DEG, min(lats) - REPORT_PAD_DEG,
            max(lons) + REPORT_PAD_DEG, max(lats) + REPORT_PAD_DEG)


def build_reports_map(points: list[dict[str, Any]], *, tiles: TileSource, static_url: str,
                      streets_url: str | None) -> folium.Map:
    """The map of ``points`` (dicts with ``id``, ``lon``, ``lat``, ``kind_zh``,
    ``status``, ``status_zh``, ``at``, ``text``); ``streets_url`` draws the street layer
    when there are no tiles."""
    return page_map(bounds=reports_bounds(points), tiles=tiles, static_url=static_url,
                    init="reportsMap", script="reports.js", zoom=16,
                    data={"reports": points, "streets_url": streets_url})
