"""Street graphs from the real extracts: which ways each mode may use, one-way streets,
barriers, the compiled arrays against osmnx, and the disk cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from geo import settings
from geo.errors import InvalidImportFile
from geo.routing.cache import cache_key, load_street_graph
from geo.routing.street_graph import (
    PRIVATE,
    PUBLIC,
    RIDE,
    WALK,
    edge_modes,
    node_block,
    read_osm_network,
)
from tests.support.extracts import EXTRACTS, OSM_DIR


@pytest.mark.parametrize("tags, ride, walk", [
    ({"highway": "motorway"}, False, False),
    ({"highway": "motorway_link"}, False, False),
    ({"highway": "trunk"}, True, True),
    ({"highway": "trunk", "motorroad": "yes"}, False, False),
    ({"highway": "primary", "bicycle": "no"}, False, True),
    ({"highway": "footway"}, False, True),
    ({"highway": "footway", "bicycle": "yes"}, True, True),
    ({"highway": "cycleway"}, True, False),
    ({"highway": "steps"}, False, True),
    ({"highway": "residential", "access": "no"}, False, False),
    ({"highway": "service", "foot": "no"}, True, False),
    ({"highway": "pedestrian", "bicycle": "dismount"}, False, True),
    ({"highway": "construction"}, False, False),
])
def test_modes_of_ways(tags: dict, ride: bool, walk: bool) -> None:
    bits, _, _ = edge_modes(tags)
    assert bool(bits & RIDE) == ride
    assert bool(bits & WALK) == walk


def test_private_roads_are_marked_and_through_roads_public() -> None:
    assert edge_modes({"highway": "service", "access": "private"})[0] & PRIVATE
    assert edge_modes({"highway": "primary"})[0] & PUBLIC
    assert not edge_modes({"highway": "service"})[0] & PUBLIC


@pytest.mark.parametrize("tags, blocked", [
    ({"barrier": "gate"}, 0),
    ({"barrier": "gate", "locked": "yes"}, RIDE | WALK),
    ({"barrier": "gate", "access": "private", "foot": "yes"}, RIDE),
    ({"barrier": "bollard"}, 0),
    ({"barrier": "stile"}, RIDE),
    ({"barrier": "lift_gate", "bicycle": "no"}, RIDE),
])
def test_barrier_nodes(tags: dict, blocked: int) -> None:
    assert node_block(tags) == blocked


def test_no_motorway_for_ebikes_on_real_data(streets) -> None:
    # qinghuadonglu holds 京藏高速 (motorway G6) and its links.
    street = streets["qinghuadonglu"]
    highway = np.asarray(street.way_highway)[np.asarray(street.way)]
    assert (highway == "motorway").sum() == 0 and (highway == "motorway_link").sum() == 0
    assert ((np.asarray(street.modes) & RIDE) > 0).sum() > 1000


def test_one_way_streets_are_one_way_for_ebikes_only(streets) -> None:
    # 西土城路 in bupt is a one-way trunk carriageway: e-bikes ride it one way, people walk both.
    street = streets["bupt"]
    names = np.asarray(street.way_name)[np.asarray(street.way)]
    tail, head, modes = (np.asarray(a) for a in (street.tail, street.head, street.modes))
    mine = names == "西土城路"
    assert mine.sum() > 0
    pairs = {(t, h): m for t, h, m in zip(tail[mine], head[mine], modes[mine], strict=True)}
    one_way = [(t, h) for (t, h), m in pairs.items() if m & RIDE and not pairs.get((h, t), 0) & RIDE]
    assert one_way, "some 西土城路 edges are rideable in one direction only"
    for t, h in one_way:
        assert pairs.get((h, t), 0) & WALK, "walkers use the reverse direction"


def test_locked_gates_in_bupt_block_their_node(streets) -> None:
    # bupt has 6 gates tagged locked=yes (PROVENANCE.md); without a compound layer they stop.
    street = streets["bupt"]
    assert int((np.asarray(street.node_block) > 0).sum()) >= 6


def test_compiled_graph_matches_osmnx(streets) -> None:
    path = OSM_DIR / EXTRACTS["bupt"][0]
    graph = read_osm_network(path)
    street = streets["bupt"]
    assert street.n_nodes == graph.number_of_nodes()
    assert street.n_edges == graph.number_of_edges()
    assert np.isclose(np.asarray(street.length_m).sum(),
                      sum(d["length"] for _, _, d in graph.edges(data=True)))
    main = max(nx.weakly_connected_components(graph), key=len)
    assert int(np.asarray(street.node_main).sum()) == len(main)
    # The extract reaches beyond its bounds; the plane is centred on the bounds.
    west, south, east, north = street.bounds
    assert west < street.lon0 < east and south < street.lat0 < north


def test_cache_loads_memory_mapped_and_keys_on_rules(tmp_path: Path, monkeypatch) -> None:
    source = OSM_DIR / EXTRACTS["bupt"][0]
    first = load_street_graph(source, cache_dir=tmp_path)
    again = load_street_graph(source, cache_dir=tmp_path)
    assert isinstance(again.head.base, np.memmap) and not again.head.flags.writeable
    assert np.array_equal(first.head, again.head) and first.key == again.key
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 1

    rules = json.loads(Path(settings.ROUTING_MODES_FILE).read_text(encoding="utf-8"))
    rules["ebike"]["highway"].pop("trunk")
    changed = tmp_path / "modes.json"
    changed.write_text(json.dumps(rules), encoding="utf-8")
    monkeypatch.setattr(settings, "ROUTING_MODES_FILE", changed)
    from geo.routing.street_graph import mode_rules
    mode_rules.cache_clear()
    try:
        assert cache_key(source, tmp_path) != first.key
        rebuilt = load_street_graph(source, cache_dir=tmp_path)
        assert int((np.asarray(rebuilt.modes) & RIDE > 0).sum()) < int(
            (np.asarray(first.modes) & RIDE > 0).sum())
    finally:
        mode_rules.cache_clear()


def test_changed_file_builds_a_new_entry(tmp_path: Path) -> None:
    source = tmp_path / "copy.osm.bz2"
    shutil.copy(OSM_DIR / EXTRACTS["bupt"][0], source)
    key = cache_key(source, tmp_path)
    source.write_bytes(source.read_bytes())  # same bytes, new mtime: same entry
    assert cache_key(source, tmp_path) == key


@pytest.mark.parametrize("content, message", [
    (b"", "cannot read"),
    (b"<html>not osm</html>", "cannot read"),
])
def test_bad_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_bytes(content)
    with pytest.raises(InvalidImportFile) as error:
        load_street_graph(bad, cache_dir=tmp_path / "cache")
    assert message in error.value.en
    assert not any((tmp_path / "cache").glob("bad-*"))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidImportFile):
        load_street_graph(tmp_path / "nope.osm.bz2", cache_dir=tmp_path)
