"""maps.tiles: the base-map setting, keys, attribution and the GCJ-02 overlay shift."""

from __future__ import annotations

import pytest

from geo.errors import InvalidInput
from geo.geometry.coords import gcj02_to_wgs84, wgs84_to_gcj02
from maps.assets import new_map, render_parts
from maps.tiles import add_base_layers, tile_names, tile_source, to_view


def _script(name: str, **keys: str) -> str:
    fmap = new_map(static_url="/static/", location=(39.96, 116.35), zoom=16)
    add_base_layers(fmap, tile_source(name, keys=keys))
    return render_parts(fmap).script


def test_the_four_base_maps() -> None:
    assert tile_names() == ["none", "osm", "tianditu", "gaode"]


def test_none_asks_no_tile_server() -> None:
    assert "tileLayer" not in _script("none")
    assert tile_source("none").layers == ()


def test_osm_tiles_and_attribution() -> None:
    script = _script("osm")
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in script
    assert "OpenStreetMap contributors" in script


def test_tianditu_needs_a_key_and_puts_it_in_both_layers() -> None:
    with pytest.raises(InvalidInput) as error:
        tile_source("tianditu", keys={})
    assert "TIANDITU_KEY" in error.value.zh
    source = tile_source("tianditu", keys={"TIANDITU_KEY": "abc123"})
    assert [layer["url"].count("tk=abc123") for layer in source.layers] == [1, 1]
    assert source.crs == "wgs84"
    assert "vec_w" in _script("tianditu", TIANDITU_KEY="abc123")


def test_unknown_base_map_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidInput) as error:
        tile_source("google")
    assert "none" in error.value.zh and "gaode" in error.value.en


@pytest.mark.parametrize(("lon", "lat"), [(116.3568, 39.9626), (104.0657, 30.6595), (113.26, 23.13)])
def test_gcj02_tiles_shift_the_overlay_exactly(lon: float, lat: float) -> None:
    assert tile_source("gaode").crs == "gcj02"
    shifted = to_view(lon, lat, "gcj02")
    assert shifted == pytest.approx(wgs84_to_gcj02(lon, lat), abs=1e-12)
    assert shifted != pytest.approx((lon, lat), abs=1e-4)  # a few hundred metres
    assert gcj02_to_wgs84(*shifted) == pytest.approx((lon, lat), abs=1e-7)
    assert to_view(lon, lat, "wgs84") == (lon, lat)
