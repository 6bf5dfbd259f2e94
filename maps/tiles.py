"""Base maps: none, OpenStreetMap, Tianditu (with a key) or Gaode (GCJ-02 tiles).

The choice is the app setting ``TILES`` (``YOULU_TILES``); providers are data in
``data/maps/tiles.json``. With ``none`` no tile server is asked for anything: the maps
draw streets, compounds and buildings from Youlu's own data.

GCJ-02. Chinese commercial tiles (Gaode) are drawn in GCJ-02, the obfuscated datum,
offset from WGS-84 by a few hundred metres that change smoothly across the country. We
shift **our overlay** to GCJ-02 when such a source is chosen, not the tiles: every
vertex of every compound, gate, door and route is converted exactly with the same
published formula (``geo.geometry.coords.wgs84_to_gcj02`` in Python; ``Youlu.toView`` in
``youlu-map.js``, tested against it), while the tiles stay on Leaflet's normal grid.
Shifting the tile grid instead can only apply one offset per tile (or per view), which
is wrong by metres at the edges of a city-wide view. Points read back from the map (a
tap that sets the rider's position) are converted back to WGS-84 before they reach the
API, so storage and the API stay WGS-84 throughout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from geo import settings
from geo.errors import InvalidInput
from geo.geometry.coords import wgs84_to_gcj02

if TYPE_CHECKING:  # folium is imported where a map is drawn, not by the app's config
    import folium

TILES_FILE = settings.DATA_DIR / "maps" / "tiles.json"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


@dataclass(frozen=True)
class TileSource:
    """A base map: its name, Chinese label, datum (``wgs84``/``gcj02``) and tile layers
    (dicts with ``url``, ``attribution``, ``subdomains``, ``max_zoom``)."""

    name: str
    zh: str
    crs: str
    layers: tuple[dict[str, Any], ...]


@cache
def _providers() -> dict[str, dict[str, Any]]:
    data = json.loads(TILES_FILE.read_text(encoding="utf-8"))
    return {name: spec for name, spec in data.items() if not name.startswith("_")}


def tile_names() -> list[str]:
    """The base-map names the setting accepts."""
    return list(_providers())


def tile_source(name: str, *, keys: dict[str, str | None] | None = None) -> TileSource:
    """The base map called ``name``; ``keys`` maps key settings (``TIANDITU_KEY``) to values.

    Raises ``InvalidInput`` for an unknown name or a provider whose key is missing.
    """
    providers = _providers()
    spec = providers.get(name)
    if spec is None:
        raise InvalidInput(f"底图设置“{name}”无效：可用 {', '.join(providers)}",
                           f"unknown base map {name!r}: use one of {', '.join(providers)}")
    key = None
    if key_setting := spec.get("key_setting"):
        key = (keys or {}).get(key_setting)
        if not key:
            raise InvalidInput(f"底图“{spec['zh']}”需要设置 {key_setting}",
                               f"base map {name!r} needs the setting {key_setting}")
    layers = tuple({**layer, "url": layer["url"].replace("{key}", key or "")}
                   for layer in spec["layers"])
    return TileSource(name=name, zh=spec["zh"], crs=spec["crs"], layers=layers)


def add_base_layers(fmap: folium.Map, source: TileSource) -> None:
    """Add the tile layers of ``source`` to ``fmap`` (nothing for ``none``)."""
    import folium

    for index, layer in enumerate(source.layers):
        folium.TileLayer(
            tiles=layer["url"], attr=layer["attribution"] or " ", name=f"{source.name}{index}",
            subdomains=layer["subdomains"], max_native_zoom=layer["max_zoom"],
            max_zoom=settings.MAP_MAX_ZOOM, control=False,
        ).add_to(fmap)


def to_view(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """(lon, lat) of a WGS-84 point as drawn on a map whose tiles are in ``crs``."""
    return wgs84_to_gcj02(lon, lat) if crs == "gcj02" else (lon, lat)
