"""The folium element that hands a page's data to Youlu's map script.

folium draws the map, tiles and scale; the compound's features, the planner's layers
and the station finder are drawn by ``app/static/maps/*.js`` from data embedded here as
JSON. The JSON is escaped for a ``<script>`` element (``<``, ``>``, ``&``, ``'`` and the
JavaScript line separators become ``\\uXXXX``), so user text such as a compound named
``</script><script>…`` stays text; the scripts put it in the page with ``textContent``.
"""

from __future__ import annotations

import json
from typing import Any

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from geo import settings
from maps.assets import CLUSTER_CSS, CLUSTER_JS, links, new_map
from maps.symbols import symbols
from maps.tiles import TileSource, add_base_layers, to_view

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027",
            "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(value: Any) -> str:
    """``value`` as JSON safe to place inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


class PageScript(JSCSSMixin):
    """Calls ``Youlu.setup(map, setup)`` then ``Youlu.<init>(map, data)`` once the map
    exists; links the page's own script (``maps/<script>``) and, with ``cluster``, the
    vendored marker-cluster plugin."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Youlu.setup({{ this._parent.get_name() }}, {{ this.setup_json }});
            Youlu.{{ this.init }}({{ this._parent.get_name() }}, {{ this.data_json }});
        {% endmacro %}
        """
    )

    def __init__(self, *, init: str, script: str, data: Any, setup: dict[str, Any],
                 static_url: str, cluster: bool = False) -> None:
        super().__init__()
        self._name = "YouluPage"
        self.init = init
        self.data_json = script_json(data)
        self.setup_json = script_json(setup)
        self.default_js = (links(CLUSTER_JS, static_url) if cluster else []) + links(
            [(f"youlu_{init}", f"maps/{script}")], static_url)
        self.default_css = links(CLUSTER_CSS, static_url) if cluster else []


def page_map(*, bounds: tuple[float, float, float, float], tiles: TileSource, static_url: str,
             init: str, script: str, data: Any, cluster: bool = False,
             zoom: int = 17, zoom_snap: float = 1.0) -> folium.Map:
    """A map over ``bounds`` (W, S, E, N, WGS-84) on the base map ``tiles`` whose features
    are drawn by ``Youlu.<init>`` of ``maps/<script>`` from ``data``."""
    west, south, east, north = bounds
    lon, lat = to_view((west + east) / 2, (south + north) / 2, tiles.crs)
    fmap = new_map(static_url=static_url, location=(lat, lon), zoom=zoom, zoom_snap=zoom_snap)
    add_base_layers(fmap, tiles)
    PageScript(init=init, script=script, data=data, static_url=static_url, cluster=cluster,
               setup={"crs": tiles.crs, "tiles": tiles.name, "symbols": symbols(),
                      "bounds": list(bounds), "max_zoom": settings.MAP_MAX_ZOOM}).add_to(fmap)
    return fmap
