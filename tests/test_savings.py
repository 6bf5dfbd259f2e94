"""Minutes saved per delivery (geo/planning/savings.py): deliveries paired from
check-ins, and the medians before and from the pilot's start."""

from __future__ import annotations

from datetime import datetime, timedelta

from geo.hours.opening_hours import local_time
from geo.planning.savings import compare, deliveries

T0 = local_time("2025-04-01T10:00")
SINCE = local_time("2025-05-01T00:00")


def _at(days: float, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


def test_an_entry_counts_only_with_its_exit_from_the_same_compound() -> None:
    events = [
        (1, 10, 100, 7, "in", _at(0)), (1, 10, 100, 7, "out", _at(0, 12)),   # 12 min
        (1, 10, 100, 7, "in", _at(1)), (1, 11, 101, 8, "out", _at(1, 5)),     # other compound
        (1, 10, 100, 7, "in", _at(2)), (1, 10, 100, 7, "in", _at(2, 3)),      # no exit between
        (1, 10, 100, 7, "out", _at(2, 9)),                                    # 6 min
        (2, 10, 100, 7, "in", _at(3)), (2, 10, 100, 7, "out", _at(3, 90)),    # too long
        (3, 10, 100, 7, "out", _at(4)),                                       # exit alone
    ]
    found = deliveries(reversed(events), max_s=3600)
    assert sorted(d.seconds for d in found) == [360.0, 720.0]
    assert {(d.community_id, d.gate_id, d.unit_id) for d in found} == {(10, 100, 7)}


def test_before_and_after_medians_and_the_route_there_and_back() -> None:
    minutes = {10: ([10, 12, 20], [6, 8]), 11: ([9], [])}
    events = []
    rider = 0
    for cid, (before, after) in minutes.items():
        for day, m in [(d, m) for d, m in enumerate(before)] + [(40 + d, m) for d, m in enumerate(after)]:
            rider += 1
            events += [(rider, cid, 1, 2, "in", _at(day)), (rider, cid, 1, 2, "out", _at(day, m))]
    found = deliveries(events)
    got = compare(found, SINCE, {(1, 2): 90.0})
    assert got[10] == {"before_n": 3, "after_n": 2, "before_min": 12.0, "after_min": 7.0,
                       "saved_min": 5.0, "route_min": 3.0}
    assert got[11] == {"before_n": 1, "after_n": 0, "before_min": 9.0, "after_min": None,
                       "saved_min": None, "route_min": None}
    street = compare(found, SINCE, {}, key=lambda d: "S")
    assert street["S"]["before_n"] == 4 and street["S"]["before_min"] == 11.0
