"""Coverage times (geo/planning/coverage.py) on the real extracts: the one multi-source
search per kind equals a forward search from every compound of its own."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from geo.hours.opening_hours import local_time
from geo.planning.coverage import (
    band_shares,
    coverage_kinds,
    coverage_times,
    kind_nodes,
    time_from_compound,
    times_from_facilities,
)
from geo.routing.network import AccessNetwork

CASES = settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
TIMES = st.builds(lambda d, h: f"2025-05-{d:02d}T{h:02d}:30", st.integers(1, 7), st.integers(0, 23))


@CASES
@given(name=st.sampled_from(["bupt", "qinghuadonglu", "wudaokou"]), at=TIMES,
       pick=st.lists(st.integers(0, 10_000), min_size=1, max_size=4),
       closed=st.lists(st.integers(0, 10_000), max_size=5))
def test_multi_source_equals_per_compound_search(networks, access, streets, name, at, pick,
                                                 closed) -> None:
    data = access[name]
    gates = [g for c in data.compounds for g in c.gates]
    for index in closed:
        data = data.with_gate(gates[index % len(gates)].id, rider_access="closed")
    net = AccessNetwork(streets[name], data) if closed else networks[name]
    snap = net.snapshot
    when = local_time(at)
    facility = sorted(node for node, _f in snap.facilities.values())
    nodes = np.unique(np.asarray([facility[i % len(facility)] for i in pick], dtype=np.int64))
    many = times_from_facilities(snap, nodes, when=when)
    each = [time_from_compound(snap, ci, nodes, when=when) for ci in range(len(snap.compounds))]
    for a, b in zip(many.tolist(), each, strict=True):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6)


def test_every_kind_and_a_closed_facility(networks) -> None:
    snap = networks["bupt"].snapshot
    times = coverage_times(snap, coverage_kinds(), at="2025-05-01T12:00")
    assert list(times) == ["station", "charger", "swap", "parking", "toilet", "water", "locker"]
    for kind in coverage_kinds():
        when = local_time("2025-05-01T12:00")
        nodes = kind_nodes(snap, kind, when)
        for ci, c in enumerate(snap.compounds[:10]):
            want = time_from_compound(snap, ci, nodes, when=when)
            assert times[kind][c.id] == pytest.approx(want, abs=1e-6)
    assert sum(math.isfinite(t) for t in times["parking"].values()) >= len(snap.compounds) // 2


def test_chargers_count_with_rider_slots_swap_cabinets_apart_and_only_when_open(
        streets, access) -> None:
    data = access["bupt"]
    spots = [f for f in data.facilities if f.kind != "charger"][:3]
    info = [(("charger_type", "pile"), ("rider_priority_slots", 0)),
            (("charger_type", "pile"), ("rider_priority_slots", 2)),
            (("charger_type", "swap"), ("rider_priority_slots", None))]
    made = [replace(f, id=-1 - i, kind="charger", info=i_info,
                    opening_hours="Mo-Fr 08:00-18:00" if i == 1 else "24/7")
            for i, (f, i_info) in enumerate(zip(spots, info, strict=True))]
    kept = tuple(f for f in data.facilities if f.kind != "charger") + tuple(made)
    snap = AccessNetwork(streets["bupt"], replace(data, facilities=kept)).snapshot
    node = {fid: n for fid, (n, _f) in snap.facilities.items()}
    noon, night = local_time("2025-05-06T12:00"), local_time("2025-05-06T20:00")
    assert kind_nodes(snap, "charger", noon).tolist() == [node[-2]]  # slots, open
    assert kind_nodes(snap, "charger", night).tolist() == []  # closed at night
    assert kind_nodes(snap, "swap", night).tolist() == [node[-3]]
    times = coverage_times(snap, ["charger", "swap"], at=noon)
    for ci, c in enumerate(snap.compounds):
        want = time_from_compound(snap, ci, np.asarray([node[-2]]), when=noon)
        assert times["charger"][c.id] == pytest.approx(want, abs=1e-6)
    assert sum(math.isfinite(t) for t in times["charger"].values()) > 0
    assert all(math.isinf(t) for t in coverage_times(snap, ["charger"], at=night)["charger"].values())


def test_band_shares_weigh_units() -> None:
    shares = band_shares({1: 200.0, 2: 700.0, 3: math.inf}, {1: 30, 2: 10, 3: 0},
                         {1: "A", 2: "A", 3: "B"})
    assert shares["A"] == {"units": 40.0, "within_5": 0.75, "within_10": 0.75,
                           "within_15": 1.0}
    assert shares["B"] == {"units": 1.0, "within_5": 0.0, "within_10": 0.0, "within_15": 0.0}


def test_coverage_after_a_gate_edit_is_a_fresh_networks(access, streets) -> None:
    # An office closing gates keeps the nodes and edges: the reversed network carries over
    # to the new snapshot, and the coverage times are those of a network built with the edit.
    data = access["qinghuadonglu"]
    net = AccessNetwork(streets["qinghuadonglu"], data)
    before = coverage_times(net.snapshot, coverage_kinds(), at="2025-05-01T12:00")
    gates = [g for c in data.compounds for g in c.gates]
    edited = data
    for gate in gates[::3]:
        edited = edited.with_gate(gate.id, rider_access="closed")
    net.update(edited)
    after = coverage_times(net.snapshot, coverage_kinds(), at="2025-05-01T12:00")
    fresh = coverage_times(AccessNetwork(streets["qinghuadonglu"], edited).snapshot, coverage_kinds(),
                           at="2025-05-01T12:00")
    assert set(after) == set(fresh)
    for kind in after:
        assert np.array_equal(np.asarray(after[kind]), np.asarray(fresh[kind]))
    assert any(not np.array_equal(np.asarray(before[k]), np.asarray(after[k])) for k in after)
