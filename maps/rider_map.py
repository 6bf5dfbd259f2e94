"""The rider map of one compound (phone first) and the station finder.

The rider map shows the compound's gates coloured by whether a rider can get in now,
its buildings with big numbers, unit doors, facilities with their icons and hours,
"你在这里" at the gate whose code was scanned, and the route from there (or from the
rider's position) to the chosen unit, asked of ``/api/v1/route`` by ``rider.js``.
The station finder asks ``/api/v1/nearest`` for the nearest stations, chargers, toilets
or parking by network distance from the rider (``nearest.js``).
"""

from __future__ import annotations

from typing import Any

import folium

from maps.layers import page_map
from maps.tiles import TileSource


def build_rider_map(data: dict[str, Any], *, tiles: TileSource, static_url: str,
                    page: dict[str, Any]) -> folium.Map:
    """The rider map of a compound from ``app.mapping.compound_data.compound_map_data`` output;
    ``page`` adds the scanned gate (``here``), the chosen unit (``target``), a start
    point (``origin``, [lon, lat]), the gate routes start at (``from_gate``, its code or
    id, until the rider sets a start) and the API URLs (``route_url``)."""
    return page_map(bounds=tuple(data["community"]["bounds"]), tiles=tiles,
                    static_url=static_url, init="riderMap", script="rider.js",
                    data={**data, **page}, zoom_snap=0.25)


def build_station_map(*, bounds: tuple[float, float, float, float], tiles: TileSource,
                      static_url: str, page: dict[str, Any]) -> folium.Map:
    """The station finder over ``bounds``; ``page`` holds the facility kinds, the start
    point if known and the API URLs (``nearest_url``, ``facilities_url``)."""
    return page_map(bounds=bounds, tiles=tiles, static_url=static_url, init="stationMap",
                    script="nearest.js", data=page, cluster=True, zoom=15)
