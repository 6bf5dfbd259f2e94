"""bench/city.py's data on the bundled extract with unit doors: a 2 × 2 city tiled from it
keeps every compound, gate, building and unit of each tile, and its clipped copy has
ways that refer to nodes it no longer holds."""

from __future__ import annotations

from pathlib import Path

import osmium
import pytest

from bench.osm_tiles import CLIP_MARGIN, city_files, read_template, write_city
from geo import settings
from geo.osm.extract import OsmExtract, read_osm_extract
from geo.osm.reader import read_osm_file

BUPT = settings.OSM_DIR / "beijing_haidian_bupt.osm.bz2"
KINDS = ("community", "gate", "building", "unit")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(one tile, the 2 × 2 city, its clipped copy)."""
    cache = tmp_path_factory.mktemp("bench-city")
    one = cache / "one.osm"
    write_city(read_template(BUPT), 1, one)
    city, clipped = city_files(BUPT, 2, cache)
    return one, city, clipped


@pytest.fixture(scope="module")
def extracts(files: tuple[Path, Path, Path]) -> tuple[OsmExtract, OsmExtract]:
    return read_osm_extract(files[0]), read_osm_extract(files[1])


def test_a_tile_keeps_every_compound_of_the_extract(extracts: tuple[OsmExtract, OsmExtract]) -> None:
    """Compounds crossing the extract's bounds are kept whole (the tile box grows)."""
    original = read_osm_extract(BUPT).counts()
    tile = extracts[0].counts()
    assert tile["community"] == original["community"] > 0
    assert tile["unit"] > 0 and tile["gate"] > 0


def test_the_city_has_four_times_each_tile(files: tuple[Path, Path, Path],
                                          extracts: tuple[OsmExtract, OsmExtract]) -> None:
    one, city = extracts[0].counts(), extracts[1].counts()
    assert {k: city[k] for k in KINDS if k != "gate"} == {k: 4 * one[k] for k in KINDS if k != "gate"}
    # Every mapped gate of the tile is a gate in each of the four (node ids offset by the
    # tile's node count); a few more, unattached in one tile, join a neighbour's compound.
    n_nodes = sum(1 for _ in osmium.FileProcessor(str(files[0]), osmium.osm.NODE))
    tile_gates = {g.osm_id for g in extracts[0].features["gate"] if g.source == "osm"}
    city_gates = {g.osm_id for g in extracts[1].features["gate"] if g.source == "osm"}
    assert tile_gates
    assert {g + k * n_nodes for g in tile_gates for k in range(4)} <= city_gates
    compounds = extracts[1].features["community"]
    assert len({c.osm_id for c in compounds}) == len(compounds)  # ids offset per tile


def _read(path: Path) -> tuple[dict[int, tuple[float, float]], list[list[int]]]:
    nodes, ways = {}, []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            nodes[obj.id] = (obj.location.lon, obj.location.lat)
        else:
            ways.append([r.ref for r in obj.nodes])
    return nodes, ways


def test_the_clipped_copy_keeps_every_way_and_misses_nodes(files: tuple[Path, Path, Path]) -> None:
    _one, city, clipped = files
    city_nodes, city_ways = _read(city)
    cut_nodes, cut_ways = _read(clipped)
    west, south, east, north = read_osm_file(city).bounds
    box = read_osm_file(clipped).bounds
    dx, dy = (east - west) * CLIP_MARGIN, (north - south) * CLIP_MARGIN
    assert box == pytest.approx((west + dx, south + dy, east - dx, north - dy), abs=1e-6)
    assert cut_ways == city_ways
    inside = {i for i, (x, y) in city_nodes.items() if box[0] <= x <= box[2] and box[1] <= y <= box[3]}
    assert set(cut_nodes) == inside and 0 < len(inside) < len(city_nodes)
    missing = {r for refs in cut_ways for r in refs} - set(cut_nodes)
    assert missing and missing <= set(city_nodes)
    crossing = [refs for refs in cut_ways if set(refs) & missing and set(refs) & set(cut_nodes)]
    assert crossing, "some ways run across the cut"
