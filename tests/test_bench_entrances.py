"""bench/entrances.py on the smallest bundled extract: the copy with its gates hidden, and
the comparison of guessed entrances with the hidden gates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import osmium
import pytest
import shapely

from bench.entrances import (
    RADIUS_M,
    ExtractRun,
    compare,
    guessed_gates,
    is_guess,
    mapped_gates,
    measure_extract,
)
from geo import settings
from geo.osm.extract import ImportedFeature

SMALLEST = min(settings.OSM_DIR.glob("*.osm.bz2"), key=lambda p: p.stat().st_size)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> ExtractRun:
    return measure_extract(SMALLEST, tmp_path_factory.mktemp("entrances"))


def _nodes(path: Path, ids: set[int]) -> dict[int, tuple[float, float, dict[str, str]]]:
    return {n.id: (n.lon, n.lat, dict(n.tags)) for n in osmium.FileProcessor(str(path), osmium.osm.NODE)
            if n.id in ids}


def test_the_copy_hides_every_mapped_gate(run: ExtractRun) -> None:
    hidden = run.same.hidden
    assert hidden, f"{SMALLEST.name} has mapped gates to hide"
    assert all(not is_guess(g) and g.source == "osm" for g in hidden)
    assert mapped_gates(run.with_hidden) == []
    assert {g.osm_id for g in run.with_hidden.features["gate"]}.isdisjoint(g.osm_id for g in hidden)
    assert run.same.guesses == guessed_gates(run.with_hidden)
    assert {g.source for g in run.same.guesses} <= {"inferred", "proposed"}
    # with the gates hidden, every compound still has an entrance (proposed where no road enters)
    assert run.without_entrance(run.with_hidden) == []
    # The nodes are still there, in their place, without a gate tag…
    nodes = _nodes(run.copy_path, {g.osm_id for g in hidden})
    for gate in hidden:
        lon, lat, tags = nodes[gate.osm_id]
        assert (lon, lat) == pytest.approx((gate.geom.x, gate.geom.y), abs=1e-7)
        assert not {"barrier", "entrance", "access", "locked"} & set(tags)
    # …and everything else reads as before.
    for kind in ("community", "building", "unit", "path", "facility"):
        assert ([f.key for f in run.with_hidden.features[kind]]
                == [f.key for f in run.as_mapped.features[kind]]), kind


def test_recall_and_precision_are_shares(run: ExtractRun) -> None:
    for comparison in (run.same, run.any):
        assert comparison.recall is not None and 0.0 <= comparison.recall <= 1.0
        assert comparison.precision is not None and 0.0 <= comparison.precision <= 1.0
        assert comparison.precision_all is not None and 0.0 <= comparison.precision_all <= 1.0
    assert run.any.recall >= run.same.recall  # a guess of any compound matches more
    per_compound = run.same.by_compound()
    assert sum(row["hidden"] for row in per_compound.values()) == len(run.same.hidden)
    assert sum(row["matched_hidden"] for row in per_compound.values()) == run.same.matched_hidden
    # every missed gate is listed, with a reason
    assert len(run.missed) == len(run.same.hidden) - run.same.matched_hidden
    assert all(m["why"] for m in run.missed)


def test_the_mapped_gates_against_themselves_score_one(run: ExtractRun) -> None:
    gates = mapped_gates(run.as_mapped)
    comparison = compare(gates, gates)
    assert (comparison.recall, comparison.precision, comparison.precision_all) == (1.0, 1.0, 1.0)
    assert comparison.hidden_nearest_m == [0.0] * len(gates)


def _moved(gate: ImportedFeature, north_m: float, parent: tuple[str, str, int] | None = None
           ) -> ImportedFeature:
    return dataclasses.replace(
        gate, geom=shapely.Point(gate.geom.x, gate.geom.y + north_m / 111_320), source="inferred",
        parent=parent or gate.parent)


def test_a_guess_counts_within_the_radius_and_in_the_same_compound(run: ExtractRun) -> None:
    gate = run.same.hidden[0]
    near, far = _moved(gate, RADIUS_M - 5), _moved(gate, RADIUS_M + 5)
    assert compare([gate], [near]).recall == 1.0
    assert (compare([gate], [far]).recall, compare([gate], [far]).precision) == (0.0, 0.0)
    assert compare([gate], [far], RADIUS_M + 10).recall == 1.0
    elsewhere = _moved(gate, 0, parent=("community", "way", -1))
    assert compare([gate], [elsewhere]).recall == 0.0
    assert compare([gate], [elsewhere], same_compound=False).recall == 1.0
