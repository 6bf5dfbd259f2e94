"""The one OSM reader (geo.osm.reader) on files made from the bundled extracts: the same
data as PBF and gzip reads the same, a file without bounds or metadata follows the bounds
rule, a clipped file (nodes outside a box dropped) imports and routes, and bad files are
refused with a message that says what to do."""

from __future__ import annotations

import bz2
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo.errors import InvalidImportFile
from geo.osm.extract import OsmExtract, read_osm_extract
from geo.osm.reader import read_osm, read_osm_file
from geo.routing.cache import load_street_graph
from geo.routing.compound_layer import StreetIndex
from geo.routing.extract_inputs import access_data_from_extract
from geo.routing.network import AccessNetwork, with_building_doors
from geo.routing.route import route_to_door
from geo.routing.street_graph import StreetGraph, compile_network, read_osm_network
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract
from tests.support.osm_files import header_box, missing_refs, node_box, rewrite
from tests.support.routing import NOON

BUPT = OSM_DIR / EXTRACTS["bupt"][0]
# A box inside the bupt extract holding the compound south of the campus (BUPT_SOUTH)
# and the campus road north of it, cutting the ways that run east or north out of it.
CLIP = (116.3470, 39.9560, 116.3540, 39.9610)
BUPT_SOUTH = 1376112785  # the compound south of the campus
START = (116.3512, 39.9600)  # on the campus road, 160 m north of the compound's north gates
DOOR = ("unit", 12754262374)  # 1单元 of building 344376663


def _features(extract: OsmExtract) -> dict[tuple[str, str, int], tuple]:
    return {(f.kind, f.osm_type, f.osm_id): (shapely.to_wkb(f.geom), f.attrs, f.tags, f.parent, f.source)
            for items in extract.features.values() for f in items}


def _arrays(graph: StreetGraph) -> dict[str, object]:
    return {k: v for k, v in graph.__dict__.items() if k not in ("source", "key")}


@pytest.mark.parametrize("name", sorted(EXTRACTS))
@pytest.mark.parametrize("ending", [".osm.pbf", ".osm.gz"])
def test_other_formats_read_the_same(tmp_path: Path, name: str, ending: str) -> None:
    source = OSM_DIR / EXTRACTS[name][0]
    copy = rewrite(source, tmp_path / f"{name}{ending}")
    extract = read_osm_extract(copy)
    assert extract.source.format == {".osm.pbf": "pbf", ".osm.gz": "osm.gz"}[ending]
    assert extract.bounds == read_extract(name).bounds == header_box(source)
    assert _features(extract) == _features(read_extract(name))
    mine = compile_network(read_osm_network(copy), source="x", key="k")
    bundled = compile_network(read_osm_network(source), source="x", key="k")
    for field, value in _arrays(bundled).items():
        assert np.array_equal(_arrays(mine)[field], value), field  # type: ignore[arg-type]


def test_facts_of_a_file(tmp_path: Path) -> None:
    facts = read_osm_file(BUPT)
    assert facts.format == "osm.bz2" and facts.size == BUPT.stat().st_size
    assert facts.bounds == header_box(BUPT) and facts.bounds_from == "header"
    assert facts.sha256 == hashlib.sha256(BUPT.read_bytes()).hexdigest()
    text = bz2.decompress(BUPT.read_bytes()).decode()
    assert (facts.nodes, facts.ways, facts.relations) == (
        text.count("<node "), text.count("<way "), text.count("<relation "))
    assert not facts.clipped


@pytest.mark.parametrize("name", sorted(EXTRACTS))
def test_without_bounds_and_metadata_the_node_box_bounds(tmp_path: Path, name: str) -> None:
    source = OSM_DIR / EXTRACTS[name][0]
    bare = rewrite(source, tmp_path / f"{name}.osm", bounds=False, metadata=False)
    assert "<bounds" not in bare.read_text() and "timestamp=" not in bare.read_text()
    extract = read_osm_extract(bare)
    assert extract.source.bounds_from == "nodes"
    assert extract.bounds == node_box(source)
    before, after = _features(read_extract(name)), _features(extract)
    # The node box holds the header box: what was read is still read, the same way ...
    box = shapely.box(*header_box(source))
    kept = {k for k in before if k[0] in ("community", "building", "unit", "facility")}
    assert all(after.get(k, (None,))[:3] == before[k][:3] for k in kept)
    # ... and what comes in besides lies outside the header box (inferred gates aside:
    # roads outside now cross compounds inside).
    extra = [k for k in set(after) - set(before) if after[k][4] != "inferred"]
    assert not any(shapely.from_wkb(after[k][0]).intersects(box) for k in extra)


def test_features_of_a_compound_inside_are_kept_outside_the_bounds(tmp_path: Path) -> None:
    # The header box ends halfway across the compound south of the campus: its buildings
    # east of the edge lie wholly outside the bounds, yet belong to a compound inside.
    west, south, _east, north = header_box(BUPT)
    edge = 116.3515
    cut = read_osm_extract(rewrite(BUPT, tmp_path / "half.osm.pbf", bounds=(west, south, edge, north)))
    def of_compound(extract: OsmExtract) -> dict[int, bytes]:
        return {b.osm_id: shapely.to_wkb(b.geom) for b in extract.features["building"]
                if b.parent == ("community", "way", BUPT_SOUTH)}
    assert of_compound(cut) == of_compound(read_extract("bupt"))
    box = shapely.box(west, south, edge, north)
    assert any(not shapely.from_wkb(g).intersects(box) for g in of_compound(cut).values())
    units = {u.osm_id for u in cut.features["unit"] if u.community == ("community", "way", BUPT_SOUTH)}
    assert units == {u.osm_id for u in read_extract("bupt").features["unit"]
                     if u.community == ("community", "way", BUPT_SOUTH)}


@pytest.fixture(scope="module")
def clipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    west, south, east, north = CLIP
    return rewrite(BUPT, tmp_path_factory.mktemp("clip") / "bupt-clip.osm.pbf",
                   keep_node=lambda lon, lat: west <= lon <= east and south <= lat <= north)


def test_clipped_file_is_read_with_ways_cut(clipped: Path) -> None:
    refs, ways = missing_refs(clipped)
    facts = read_osm_file(clipped)
    assert facts.clipped and facts.missing_refs == refs > 0
    assert facts.ways_cut + facts.ways_dropped == ways and facts.ways_cut > 0 and facts.ways_dropped > 0
    data = read_osm(clipped)
    area = shapely.box(*CLIP)
    for way in data.ways:
        assert all(len(run) >= 2 for run in way.runs)
        assert all(area.covers(shapely.Point(lon, lat)) for run in way.runs for _, lon, lat in run)
        if way.closed and not way.complete:
            assert way.runs == ()  # a polygon with a node missing is dropped
    extract = read_osm_extract(clipped)
    assert extract.skipped["missing_node_refs"] == refs
    assert extract.skipped["way_cut_at_missing_nodes"] == facts.ways_cut
    assert BUPT_SOUTH in {c.osm_id for c in extract.features["community"]}


def test_clipped_file_routes(clipped: Path, tmp_path: Path, networks) -> None:
    street = load_street_graph(clipped, cache_dir=tmp_path)
    assert street.n_edges > 0
    assert shapely.box(*CLIP).buffer(1e-9).covers(shapely.MultiPoint(np.c_[street.lon, street.lat]))
    data = with_building_doors(access_data_from_extract(read_osm_extract(clipped)), StreetIndex(street))
    route = route_to_door(AccessNetwork(street, data), START, DOOR, at=NOON)
    full = route_to_door(networks["bupt"], START, DOOR, at=NOON)
    assert route["gate"]["id"] == full["gate"]["id"]
    assert route["distance_m"] == pytest.approx(full["distance_m"], abs=1.0)


def _node_without_coordinates(d: Path) -> Path:
    """bupt with node 728260129 (a way's node) written without lat/lon."""
    text = bz2.decompress(BUPT.read_bytes()).decode()
    text, n = re.subn(r'(<node id="728260129"[^>]*?) lat="[^"]*" lon="[^"]*"', r"\1", text)
    assert n == 1
    path = d / "nocoord.osm"
    path.write_text(text)
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("make", "zh", "en"), [
    (lambda d: _write(d / "empty.osm", b""), "空的", "empty"),
    (lambda d: _write(d / "cut.osm.bz2", BUPT.read_bytes()[:20000]), "损坏", "corrupt"),
    (lambda d: _write(d / "cut.osm", bz2.decompress(BUPT.read_bytes())[:300000]), "无法解析", "truncated"),
    (lambda d: _write(d / "page.osm", b"<!DOCTYPE html><html><body>Not found</body></html>"),
     ".osm.pbf", "not an OSM file"),
    (lambda d: _write(d / "map.osm.pbf", bz2.decompress(BUPT.read_bytes())), "改名",
     "rename it to end in .osm"),
    (lambda d: _write(d / "map.xml", bz2.decompress(BUPT.read_bytes())), ".osm.bz2", "unsupported format"),
    (_node_without_coordinates, "node 728260129", "node 728260129 has no valid coordinates"),
    (lambda d: _write(d / "badid.osm", bz2.decompress(BUPT.read_bytes()).replace(
        b'<node id="728260129"', b'<node id="7282x0129"', 1)), "无法解析", "illegal id"),
    (lambda d: d / "missing.osm.pbf", "找不到", "no such file"),
])
def test_bad_files_are_refused(tmp_path: Path, make, zh: str, en: str) -> None:
    path = make(tmp_path)
    with pytest.raises(InvalidImportFile) as error:
        read_osm(path)
    assert zh in error.value.zh and en in error.value.en
    with pytest.raises(InvalidImportFile):
        load_street_graph(path, cache_dir=tmp_path / "cache")
    assert not any((tmp_path / "cache").glob("*-*"))
