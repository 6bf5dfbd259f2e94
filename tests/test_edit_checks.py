"""Plain-language checks while editing a compound (geo.places.checks), on a real
compound of the BUPT extract (its real gates, buildings and unit doors)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from shapely.affinity import scale
from shapely.ops import nearest_points

from geo.geometry.coords import distance_m
from geo.places.checks import (
    buildings_without_units,
    check_compound,
    duplicate_numbers,
    gate_open_to_riders,
    gates_off_boundary,
    no_gate_at_night,
    units_outside_buildings,
)
from tests.support.extracts import read_extract

COMPOUND = ("community", "way", 1376112785)  # the BUPT residential compound


@pytest.fixture(scope="module")
def compound() -> SimpleNamespace:
    """The real compound with its gates, buildings and units as plain objects with ids."""
    extract = read_extract("bupt")
    community = next(f for f in extract.features["community"] if ("community", *f.key) == COMPOUND)
    ids = iter(range(1, 10_000))
    gates = [SimpleNamespace(id=next(ids), **g.attrs, geom=g.geom)
             for g in extract.features["gate"] if g.parent == COMPOUND]
    building_ids = {}
    buildings = []
    for b in extract.features["building"]:
        if b.parent == COMPOUND:
            row = SimpleNamespace(id=next(ids), geom=b.geom, **b.attrs)
            building_ids[("building", *b.key)] = row.id
            buildings.append(row)
    units = [SimpleNamespace(id=next(ids), building_id=building_ids[u.parent], geom=u.geom,
                             **{k: v for k, v in u.attrs.items() if k != "elevator"})
             for u in extract.features["unit"] if u.parent in building_ids]
    assert gates and buildings and units
    return SimpleNamespace(id=0, name="北邮家属院", geom=community.geom, gates=gates,
                           buildings=buildings, units=units)


def _copy(feature: SimpleNamespace, **changes: object) -> SimpleNamespace:
    return SimpleNamespace(**{**vars(feature), **changes})


def test_gate_on_the_boundary_passes_and_one_moved_inside_is_named(compound) -> None:
    gate = compound.gates[0]
    on_line = _copy(gate, geom=nearest_points(compound.geom.boundary, gate.geom)[0])
    assert gates_off_boundary(compound, [on_line]) == []
    inside = compound.geom.representative_point()
    moved = _copy(gate, geom=inside, number="7", name=None)
    [finding] = gates_off_boundary(compound, [moved])
    offset = distance_m(inside, compound.geom.boundary)
    assert finding.kind == "gate_off_boundary" and finding.feature_id == gate.id
    assert finding.message.startswith("7号门不在小区边界上")
    assert f"{offset:.0f} 米" in finding.message


def test_real_unit_doors_sit_on_their_buildings(compound) -> None:
    assert units_outside_buildings(compound.buildings, compound.units) == []


def test_unit_door_moved_away_from_its_building_is_named(compound) -> None:
    unit = compound.units[0]
    building = next(b for b in compound.buildings if b.id == unit.building_id)
    centre = building.geom.centroid
    stretch = 1 + 30 / distance_m(unit.geom, centre)  # 30 m further out, away from the centre
    away = scale(unit.geom, xfact=stretch, yfact=stretch, origin=centre)
    moved = _copy(unit, geom=away, number="2")
    [finding] = units_outside_buildings(compound.buildings, [moved])
    offset = distance_m(moved.geom, building.geom)
    assert 20 < offset <= 31
    assert "2单元不在楼栋上" in finding.message and f"{offset:.0f} 米" in finding.message


def test_buildings_without_units_are_exactly_those_with_no_door(compound) -> None:
    findings = buildings_without_units(compound.buildings, compound.units)
    doorless = {b.id for b in compound.buildings} - {u.building_id for u in compound.units}
    assert doorless, "the real compound has buildings with no mapped door"
    assert {f.feature_id for f in findings} == doorless
    assert all("还没有单元门" in f.message for f in findings)


@pytest.mark.parametrize(("hours", "access", "expected"), [
    (None, "open", None),
    ("24/7", "pass", None),
    ("Mo-Su 06:00-22:00", "open", "每天夜里 23:30 没有对骑手开放的出入口"),
    ("Mo-Fr 00:00-24:00", "open", "周六、周日夜里 23:30"),
    (None, "closed", "每天夜里"),
])
def test_night_gate(compound, hours: str | None, access: str, expected: str | None) -> None:
    gates = [_copy(g, opening_hours=hours, rider_access=access) for g in compound.gates]
    findings = no_gate_at_night(compound, gates, night="23:30")
    if expected is None:
        assert findings == []
    else:
        [finding] = findings
        assert expected in finding.message and "北邮家属院" in finding.message


def test_one_night_gate_is_enough(compound) -> None:
    gates = [_copy(g, opening_hours="Mo-Su 06:00-22:00") for g in compound.gates]
    gates[-1] = _copy(gates[-1], opening_hours="Mo-Su 00:00-24:00")
    assert no_gate_at_night(compound, gates, night="23:30") == []
    assert not gate_open_to_riders(_copy(gates[-1], foot=False, ebike=False),
                                   datetime(2025, 1, 1, 23, 30))


def test_duplicate_numbers(compound) -> None:
    first, second, third = compound.buildings[:3]
    buildings = [_copy(first, number="3"), _copy(second, number="3"), _copy(third, number="4")]
    findings = duplicate_numbers("buildings", buildings, lambda b: f"{b.number}号楼",
                                 scope="小区里")
    assert {f.feature_id for f in findings} == {first.id, second.id}
    assert all("小区里有 2 个“3号楼”" in f.message for f in findings)


def test_unit_numbers_repeat_across_buildings_but_not_within_one(compound) -> None:
    a, b = compound.buildings[:2]
    door = compound.units[0]
    units = [_copy(door, id=901, building_id=a.id, number="1"),
             _copy(door, id=902, building_id=b.id, number="1")]
    clean = check_compound(compound, gates=compound.gates, buildings=[a, b], units=units)
    assert not [f for f in clean if f.kind == "duplicate_number"]
    units.append(_copy(door, id=903, building_id=a.id, number="1"))
    found = check_compound(compound, gates=compound.gates, buildings=[a, b], units=units)
    assert {f.feature_id for f in found if f.kind == "duplicate_number"} == {901, 903}


def test_whole_compound_findings_point_at_its_features(compound) -> None:
    findings = check_compound(compound, gates=compound.gates, buildings=compound.buildings,
                              units=compound.units)
    known = {("communities", 0)} | {("gates", g.id) for g in compound.gates} | {
        ("buildings", b.id) for b in compound.buildings} | {("units", u.id) for u in compound.units}
    assert findings and all((f.resource, f.feature_id) in known for f in findings)
    assert all(f.message and f.message_en for f in findings)
