"""folium configured to use the app's vendored assets, and the parts of a rendered map.

folium links Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs by
default. Youlu's pages must work with no internet, so every map built here links only
files under ``app/static/`` (versions in ``app/static/vendor/VENDOR.md``): Leaflet, the
marker-cluster plugin, and Youlu's own map script and style. Nothing else is needed:
markers are Youlu's own icons and popups are built by ``youlu-map.js`` (folium's
``Popup`` needs jQuery and pastes text into a JavaScript template literal, so it is not
used for user text). ``render_parts`` refuses a map that links anything outside the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import folium

from geo.errors import YouluError

if TYPE_CHECKING:
    from branca.element import Figure

LEAFLET_DIR = "vendor/leaflet-1.9.4"
MARKERCLUSTER_DIR = "vendor/leaflet.markercluster-1.5.3"
MAP_SCRIPT = "maps/youlu-map.js"
MAP_STYLE = "maps/youlu-map.css"

# (name, path under /static/) in load order; names follow folium's so nothing doubles.
MAP_JS = [("leaflet", f"{LEAFLET_DIR}/leaflet.js"), ("youlu_declutter", "maps/declutter.js"),
          ("youlu_map", MAP_SCRIPT)]
MAP_CSS = [("leaflet_css", f"{LEAFLET_DIR}/leaflet.css"), ("youlu_map_css", MAP_STYLE)]
CLUSTER_JS = [("markerclusterjs", f"{MARKERCLUSTER_DIR}/leaflet.markercluster.js")]
CLUSTER_CSS = [("markerclustercss", f"{MARKERCLUSTER_DIR}/MarkerCluster.css"),
               ("markerclusterdefaultcss", f"{MARKERCLUSTER_DIR}/MarkerCluster.Default.css")]

_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def links(pairs: list[tuple[str, str]], static_url: str) -> list[tuple[str, str]]:
    """(name, URL) pairs of files under the app's ``/static/`` (``static_url``)."""
    return [(name, static_url.rstrip("/") + "/" + path) for name, path in pairs]


def new_map(*, static_url: str, location: tuple[float, float], zoom: int,
            **options: Any) -> folium.Map:
    """A folium map with no tiles that links only the vendored Leaflet and Youlu's map
    script and style; ``location`` is (lat, lon) as Leaflet wants it, ``static_url`` the
    app's ``/static/`` URL. ``options`` go to ``L.map``."""
    fmap = folium.Map(location=list(location), zoom_start=zoom, tiles=None,
                      control_scale=False, prefer_canvas=False, **options)
    # Instance lists: folium's add_js_link would change the class-wide defaults.
    fmap.default_js = links(MAP_JS, static_url)
    fmap.default_css = links(MAP_CSS, static_url)
    return fmap


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map cut into what a page template places: links and styles
    for ``<head>``, the map ``<div>``, and the script that builds the map."""

    header: str
    html: str
    script: str
    name: str


def render_parts(fmap: folium.Map) -> MapParts:
    """Render ``fmap`` for a Jinja page; raises if it links any file outside the app."""
    root = cast("Figure", fmap.get_root())  # a folium Map lives in a branca Figure
    root.render()
    parts = MapParts(header=root.header.render(), html=root.html.render(),
                     script=root.script.render(), name=fmap.get_name())
    for text in (parts.header, parts.html, parts.script):
        if match := _EXTERNAL.search(text):
            raise YouluError("地图页面引用了外部资源，已拒绝生成",
                             f"the map links an external resource near {match.group(0)!r}")
    return parts
