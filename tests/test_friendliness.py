"""geo.planning.friendliness: each part of the rider-friendliness score and the grades."""

from __future__ import annotations

import pytest

from geo.planning.friendliness import (
    HOURS_PER_WEEK,
    CompoundFacts,
    GateFacts,
    grade_of,
    rules,
    score,
    shares,
)

OPEN = GateFacts()
PASS = GateFacts(rider_access="pass")
CLOSED = GateFacts(rider_access="closed")
NO_WAY = GateFacts(foot=False, ebike=False)
BEST = CompoundFacts(gates=(OPEN, OPEN), buildings=4, buildings_numbered=4,
                     buildings_with_units=4,
                     facility_kinds_near=frozenset({"station", "charger", "parking", "toilet"}))


def test_points_add_up_to_100() -> None:
    assert sum(part["points"] for part in rules()["parts"].values()) == 100


def test_a_compound_with_everything_scores_100_and_is_friendly() -> None:
    result = score(BEST)
    assert result.total == pytest.approx(100)
    assert result.grade == "友好"
    assert result.as_dict()["score"] == 100


def test_nothing_mapped_scores_only_what_needs_no_data() -> None:
    result = score(CompoundFacts(ebikes_allowed=False))
    assert result.total == 0
    assert result.grade == "待改善"


@pytest.mark.parametrize(("gates", "expected"), [
    ((OPEN,), 1.0),
    ((PASS,), 0.5),
    ((CLOSED,), 0.0),
    ((NO_WAY,), 0.0),
    ((OPEN, CLOSED), 0.5),
    ((OPEN, PASS, CLOSED, CLOSED), 0.375),
    ((), 0.0),
])
def test_rider_gates_share(gates: tuple[GateFacts, ...], expected: float) -> None:
    assert shares(CompoundFacts(gates=gates))["rider_gates"] == pytest.approx(expected)


@pytest.mark.parametrize(("hours", "open_hours"), [
    (None, HOURS_PER_WEEK),
    ("24/7", HOURS_PER_WEEK),
    ("Mo-Su 06:00-22:00", 7 * 16),
    ("Mo-Fr 07:00-19:00", 5 * 12),
    ("not an opening_hours value", HOURS_PER_WEEK),  # unreadable counts as open
])
def test_gate_hours_share_counts_hours_of_the_reference_week(hours: str | None,
                                                             open_hours: int) -> None:
    facts = CompoundFacts(gates=(GateFacts(opening_hours=hours),))
    assert shares(facts)["gate_hours"] == pytest.approx(open_hours / HOURS_PER_WEEK)


def test_gate_hours_take_the_union_of_gates_open_to_riders_only() -> None:
    day = GateFacts(opening_hours="Mo-Su 06:00-18:00")
    night = GateFacts(opening_hours="Mo-Su 18:00-24:00")
    closed_all_day = GateFacts(rider_access="closed")
    pass_only = GateFacts(rider_access="pass", opening_hours="Mo-Su 00:00-06:00")
    facts = CompoundFacts(gates=(day, night, closed_all_day, pass_only))
    assert shares(facts)["gate_hours"] == pytest.approx(18 * 7 / HOURS_PER_WEEK)


def test_building_and_facility_shares() -> None:
    facts = CompoundFacts(buildings=8, buildings_numbered=6, buildings_with_units=2,
                          facility_kinds_near=frozenset({"toilet", "water", "charger"}))
    part = shares(facts)
    assert part["building_numbers"] == pytest.approx(0.75)
    assert part["unit_doors"] == pytest.approx(0.25)
    assert part["facilities"] == pytest.approx(0.5)  # water is not one of the four kinds


@pytest.mark.parametrize(("total", "grade"), [
    (100, "友好"), (80, "友好"), (79.4, "较好"), (60, "较好"), (59, "一般"), (40, "一般"),
    (39, "待改善"), (0, "待改善"),
])
def test_grades(total: float, grade: str) -> None:
    assert grade_of(round(total))["zh"] == grade


def test_score_is_the_weighted_sum_of_the_shares() -> None:
    facts = CompoundFacts(gates=(OPEN, CLOSED), buildings=10, buildings_numbered=5,
                          buildings_with_units=1, facility_kinds_near=frozenset({"parking"}))
    part = shares(facts)
    expected = sum(part[name] * spec["points"] for name, spec in rules()["parts"].items())
    assert score(facts).total == pytest.approx(expected)
    assert 0 < expected < 100
