"""The map on the office's reports page: the located reports in the list, drawn by
``maps.reports_map`` on the configured base map."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from app.config import configured_tiles
from app.models import Community, Report
from geo import reports
from geo.hours.opening_hours import local_text
from maps.assets import MapParts, render_parts
from maps.reports_map import build_reports_map


def report_points(rows: list[tuple[Report, Community | None, bool]]) -> list[dict[str, Any]]:
    """The reports of ``rows`` that have a location, as the map draws them."""
    return [{"id": report.id, "lon": report.lon, "lat": report.lat,
             "kind_zh": reports.KIND_ZH.get(report.kind, report.kind),
             "status": report.status, "status_zh": reports.STATUS_ZH.get(report.status, ""),
             "at": local_text(report.created_at), "text": report.text or "",
             "community": community.name if community else ""}
            for report, community, _photo in rows
            if report.lon is not None and report.lat is not None]


def reports_map_parts(rows: list[tuple[Report, Community | None, bool]]) -> MapParts | None:
    """The map's head, body and script for the page; None when no report has a location."""
    points = report_points(rows)
    if not points:
        return None
    tiles = configured_tiles(current_app.config)
    streets = url_for("api.maps.map_streets") if tiles.name == "none" else None
    return render_parts(build_reports_map(points, tiles=tiles, static_url=url_for("static", filename=""),
                                          streets_url=streets))
