"""The planner's city map: compounds coloured by rider-friendliness, facility layers,
5/10/15-minute reach of stations, details on click.

It stays responsive with thousands of compounds: ``planner.js`` loads compounds for
the visible area only from ``/api/v1/map/communities?bbox=…&zoom=…`` (geometry
simplified to about a pixel at that zoom), shows them as clustered points below
``settings.PLANNER_POLYGON_MIN_ZOOM`` and as outlines from there on, and clusters
facility markers. Reach areas come from ``/api/v1/isochrone``.
"""

from __future__ import annotations

from typing import Any

import folium

from maps.layers import page_map
from maps.tiles import TileSource


def build_planner_map(*, bounds: tuple[float, float, float, float], tiles: TileSource,
                      static_url: str, page: dict[str, Any]) -> folium.Map:
    """The planner map over ``bounds`` (W, S, E, N); ``page`` holds the API URLs, the
    score's parts and grades for the legend, and the zoom where outlines start."""
    return page_map(bounds=bounds, tiles=tiles, static_url=static_url, init="plannerMap",
                    script="planner.js", data=page, cluster=True, zoom=13)
