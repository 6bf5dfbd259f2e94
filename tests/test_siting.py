"""Siting (geo/planning/siting.py): the MCLP on the real extracts and on small instances
checked against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InvalidInput
from geo.hours.opening_hours import local_time
from geo.planning.coverage import kind_nodes, times_from_facilities
from geo.planning.siting import _with_candidates, mclp, site, street_candidates
from geo.routing.network import AccessNetwork

NOON = "2025-05-01T12:00"


def _best_by_brute_force(cover, weights, k):
    best = 0.0
    for r in range(1, k + 1):
        for combo in itertools.combinations(range(len(cover)), r):
            best = max(best, sum(weights[d] for d in set().union(*(cover[j] for j in combo))))
    return best


@settings(max_examples=60, deadline=None)
@given(cover=st.lists(st.frozensets(st.integers(0, 9), max_size=5), min_size=1, max_size=7),
       weights=st.lists(st.integers(1, 50), min_size=10, max_size=10), k=st.integers(1, 3))
def test_mclp_equals_brute_force(cover, weights, k) -> None:
    w = dict(enumerate(map(float, weights)))
    chosen = mclp(cover, w, k)
    assert len(chosen) <= k
    got = sum(w[d] for d in set().union(*(cover[j] for j in chosen))) if chosen else 0.0
    assert got == _best_by_brute_force(cover, w, k)


@pytest.fixture(scope="module")
def bupt_gap(streets, access):
    """The bupt extract with its chargers taken away: every compound is a gap."""
    data = access["bupt"]
    from dataclasses import replace
    data = replace(data, facilities=tuple(f for f in data.facilities if f.kind != "charger"))
    return AccessNetwork(streets["bupt"], data)


def test_siting_on_the_real_network_beats_every_single_candidate_and_brute_force(bupt_gap) -> None:
    net = bupt_gap
    snap = net.snapshot
    when = local_time(NOON)
    assert len(kind_nodes(snap, "charger", when)) == 0
    candidates = street_candidates(snap, range(len(snap.compounds)), limit=8)
    assert len(candidates) == 8
    units = {c.id: 10 + i for i, c in enumerate(snap.compounds)}
    result = site(net, "charger", candidates, minutes=3, k=2, units=units, at=NOON)
    assert set(result.uncovered) == {c.id for c in snap.compounds}

    def weight(ids):
        return sum(units[i] for i in ids)

    # Measured again, independently, from the chosen sites' own searches.
    trial, nodes = _with_candidates(net, "charger", candidates)
    ids = [c.id for c in trial.compounds]

    def covered_by(combo):
        times = times_from_facilities(trial, nodes[list(combo)], when=when)
        return {ids[i] for i in np.flatnonzero(times <= 180).tolist()}

    got = weight(covered_by(result.chosen))
    assert got == weight(c for c, t in result.after.items() if t <= 180)
    assert got > 0
    singles = [weight(covered_by([j])) for j in range(len(candidates))]
    assert got >= max(singles)
    pairs = max(weight(covered_by(p)) for p in itertools.combinations(range(len(candidates)), 2))
    assert got == pairs
    assert all(result.after[c] <= result.before[c] for c in ids)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"minutes": 0, "k": 1}, "时间应在"), ({"minutes": 10, "k": 0}, "k 应在"),
    ({"minutes": 10, "k": 99}, "k 应在")])
def test_bad_siting_input(networks, kwargs, message) -> None:
    with pytest.raises(InvalidInput, match=message):
        site(networks["bupt"], "charger", [(116.35, 39.96)], units={}, **kwargs)
