"""Plain-language checks on one compound while an office edits it.

Each finding names the feature it is about and says what is wrong in words an office
worker uses ("3号门不在小区边界上，离边界 12 米"). The checks: a gate not on the
boundary, a unit door outside its building, a building with no unit door, no gate open
to riders at night, and numbers used twice. Findings are advice: the editor shows
them, nothing is refused for them (the hard limits live in the write path).

The features are any objects with the attributes named in the protocols below (the
app passes its database rows); geometries are shapely, WGS-84 (lon, lat).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from geo import settings
from geo.address import codes
from geo.geometry.coords import distance_m
from geo.hours.opening_hours import is_open, local_time
from geo.hours.text import WEEKDAYS_ZH


class CompoundLike(Protocol):
    id: int
    name: str
    geom: Any


class GateLike(Protocol):
    id: int
    name: str | None
    number: str | None
    foot: bool
    ebike: bool
    rider_access: str
    opening_hours: str | None
    geom: Any


class BuildingLike(Protocol):
    id: int
    name: str | None
    number: str | None
    geom: Any


class UnitLike(Protocol):
    id: int
    building_id: int | None
    name: str | None
    number: str | None
    geom: Any


@dataclass(frozen=True)
class Finding:
    """One problem: ``kind``, the feature (``resource``, ``feature_id``), zh/en text."""

    kind: str
    resource: str
    feature_id: int
    message: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _gate(gate: GateLike) -> str:
    label = codes.gate_label(gate.number, gate.name)
    return label if gate.number or gate.name else f"{label} #{gate.id}"


def _building(building: BuildingLike) -> str:
    return codes.building_label(building.number, building.name)


def _unit(unit: UnitLike) -> str:
    return codes.unit_label(unit.number, unit.name)


def check_compound(compound: CompoundLike, *, gates: Sequence[GateLike],
                   buildings: Sequence[BuildingLike], units: Sequence[UnitLike],
                   night: str = settings.NIGHT_CHECK_TIME) -> list[Finding]:
    """Every finding for ``compound`` and its features, in a stable order.

    ``night`` is the local time (``"HH:MM"``) at which some gate must be open to riders
    on each day of the week.
    """
    return [
        *gates_off_boundary(compound, gates),
        *units_outside_buildings(buildings, units),
        *buildings_without_units(buildings, units),
        *no_gate_at_night(compound, gates, night=night),
        *duplicate_numbers("gates", gates, _gate, scope="小区里"),
        *duplicate_numbers("buildings", buildings, _building, scope="小区里"),
        *(finding for doors in _units_by_building(buildings, units)
          for finding in duplicate_numbers("units", doors, _unit, scope="同一栋楼里")),
    ]


def gates_off_boundary(compound: CompoundLike, gates: Iterable[GateLike]) -> list[Finding]:
    """Gates farther than ``EDIT_GATE_ON_BOUNDARY_M`` from the compound's boundary."""
    limit = settings.EDIT_GATE_ON_BOUNDARY_M
    found = []
    for gate in gates:
        offset = distance_m(gate.geom, compound.geom.boundary)
        if offset > limit:
            found.append(Finding(
                "gate_off_boundary", "gates", gate.id,
                f"{_gate(gate)}不在小区边界上（离边界 {offset:.0f} 米），请把它拖到边界线上",
                f"gate {gate.id} is {offset:.0f} m off the compound boundary"))
    return found


def units_outside_buildings(buildings: Iterable[BuildingLike],
                            units: Iterable[UnitLike]) -> list[Finding]:
    """Unit doors farther than ``UNIT_DOOR_MAX_OFFSET_M`` from their building."""
    by_id = {b.id: b for b in buildings}
    limit = settings.UNIT_DOOR_MAX_OFFSET_M
    found = []
    for unit in units:
        building = by_id.get(unit.building_id) if unit.building_id is not None else None
        if building is None:
            continue
        offset = distance_m(unit.geom, building.geom)
        if offset > limit:
            found.append(Finding(
                "unit_outside_building", "units", unit.id,
                f"{_building(building)}的{_unit(unit)}不在楼栋上（离楼 {offset:.0f} 米），"
                f"单元门应画在楼的外墙上",
                f"unit {unit.id} is {offset:.0f} m outside building {building.id}"))
    return found


def buildings_without_units(buildings: Iterable[BuildingLike],
                            units: Iterable[UnitLike]) -> list[Finding]:
    """Buildings that have no unit door: riders cannot be sent to a door."""
    with_units = {u.building_id for u in units}
    return [Finding("building_without_unit", "buildings", b.id,
                    f"{_building(b)}还没有单元门，骑手不知道从哪里进楼",
                    f"building {b.id} has no unit door")
            for b in buildings if b.id not in with_units]


def gate_open_to_riders(gate: GateLike, moment: datetime) -> bool:
    """Whether a rider (on foot or by e-bike) may use ``gate`` at ``moment`` (naive =
    local time).

    A gate that needs a rider pass counts as open: registered riders use it. Hours are
    read as routing reads them (``geo.hours.opening_hours``): none means always open.
    """
    if gate.rider_access == "closed" or not (gate.foot or gate.ebike):
        return False
    return is_open(gate.opening_hours, local_time(moment))[0]


def no_gate_at_night(compound: CompoundLike, gates: Sequence[GateLike], *,
                     night: str = settings.NIGHT_CHECK_TIME) -> list[Finding]:
    """One finding when, on some day of a reference week, no gate is open to riders at
    ``night`` (``"HH:MM"``, local time)."""
    hour, minute = (int(part) for part in night.split(":"))
    monday = datetime(2024, 1, 8, hour, minute)  # any Monday: weekdays are what matter
    closed_days = [n for n in range(7)
                   if not any(gate_open_to_riders(g, monday + timedelta(days=n)) for g in gates)]
    if not closed_days:
        return []
    days = "每天" if len(closed_days) == 7 else "、".join(WEEKDAYS_ZH[n] for n in closed_days)
    return [Finding(
        "no_gate_at_night", "communities", compound.id,
        f"{days}夜里 {night} 没有对骑手开放的出入口：骑手夜间进不了“{compound.name}”",
        f"no gate of compound {compound.id} is open to riders at {night} "
        f"on {len(closed_days)} day(s) of the week")]


def duplicate_numbers(resource: str, features: Iterable[Any], label: Any, *,
                      scope: str) -> list[Finding]:
    """One finding per feature whose number another feature of ``features`` also has."""
    features = [f for f in features if f.number]
    counts = Counter(f.number for f in features)
    return [Finding("duplicate_number", resource, f.id,
                    f"{scope}有 {counts[f.number]} 个“{label(f)}”：编号重复，请改成不同的编号",
                    f"number {f.number!r} is used {counts[f.number]} times in {resource}")
            for f in features if counts[f.number] > 1]


def _units_by_building(buildings: Iterable[BuildingLike],
                       units: Iterable[UnitLike]) -> list[list[UnitLike]]:
    groups: dict[int, list[UnitLike]] = {b.id: [] for b in buildings}
    for unit in units:
        if unit.building_id in groups:
            groups[unit.building_id].append(unit)
    return list(groups.values())


__all__ = ["Finding", "check_compound", "gate_open_to_riders"]
