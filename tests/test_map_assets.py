"""maps.assets: folium renders with the vendored files only; the vendored files and
their licences are in place and match VENDOR.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import pytest

from geo.errors import YouluError
from maps.assets import CLUSTER_CSS, CLUSTER_JS, MAP_CSS, MAP_JS, new_map, render_parts

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"
VENDOR = STATIC / "vendor"


def test_a_rendered_map_links_only_static_files() -> None:
    parts = render_parts(new_map(static_url="/static/", location=(39.96, 116.35), zoom=16))
    links = re.findall(r'(?:src|href)="([^"]+)"', parts.header)
    assert links, parts.header
    assert all(link.startswith("/static/") for link in links)
    assert "jquery" not in parts.header.lower() and "bootstrap" not in parts.header.lower()
    assert f'var {parts.name} = L.map(' in parts.script


def test_folium_defaults_are_left_alone() -> None:
    """The vendored lists are per map: folium's class defaults (CDNs) do not change."""
    new_map(static_url="/static/", location=(39.96, 116.35), zoom=16)
    assert any("cdn" in url for _name, url in folium.Map.default_js)


def test_a_map_linking_a_cdn_is_refused() -> None:
    fmap = new_map(static_url="/static/", location=(39.96, 116.35), zoom=16)
    fmap.default_js = [*fmap.default_js, ("evil", "https://cdn.example.com/x.js")]
    with pytest.raises(YouluError) as error:
        render_parts(fmap)
    assert "外部资源" in error.value.zh


@pytest.mark.parametrize("path", [p for _n, p in MAP_JS + MAP_CSS + CLUSTER_JS + CLUSTER_CSS])
def test_every_linked_file_exists(path: str) -> None:
    assert (STATIC / path).is_file()


def test_vendored_packages_keep_licence_and_match_vendor_md() -> None:
    table = (VENDOR / "VENDOR.md").read_text(encoding="utf-8")
    folders = [p for p in VENDOR.iterdir() if p.is_dir()]
    assert folders
    for folder in folders:
        package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        name = package["name"].rsplit("/", 1)[-1]  # @scope/name is vendored as name-version
        assert folder.name == f"{name}-{package['version']}"
        assert any(f.name.upper().startswith(("LICENSE", "LICENCE", "MIT-LICENCE"))
                   for f in folder.iterdir()), folder
        assert f"`{folder.name}/`" in table, folder.name


def test_leaflet_css_images_are_vendored() -> None:
    css = (VENDOR / "leaflet-1.9.4" / "leaflet.css").read_text(encoding="utf-8")
    for image in re.findall(r"url\((images/[^)]+)\)", css):
        assert (VENDOR / "leaflet-1.9.4" / image).is_file(), image
