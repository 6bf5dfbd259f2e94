"""The rider-friendliness score of a compound (骑手友好度), 0–100.

What makes a compound easy for a rider, each part a share between 0 and 1 times its
points (``data/maps/friendliness.json``; the points add up to 100):

- ``rider_gates`` (25): the share of its gates open to riders; a gate that needs a
  rider pass counts half, a gate closed to riders nothing. No gate scores 0.
- ``gate_hours`` (15): the share of the 168 hours of a reference week (a week with no
  public holiday) in which at least one gate open to riders is open by its
  ``opening_hours``. A gate with no hours is open all the time.
- ``unit_doors`` (20): the share of its buildings with at least one unit door mapped.
- ``building_numbers`` (10): the share of its buildings with a number.
- ``facilities`` (25): the share of the kinds station, charger, parking and toilet with
  at least one facility within ``settings.FRIENDLINESS_REACH_M`` of the compound.
- ``ebikes_inside`` (5): e-bikes may ride inside.

A compound with no buildings scores 0 on the two building parts. The grade (友好, 较好,
一般, 待改善) colours the planner map. The score depends on the data only, not on the
time of day, so it can be cached until the data changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from geo import settings
from geo.hours.opening_hours import is_open, timezone

SCORE_FILE = settings.DATA_DIR / "maps" / "friendliness.json"
HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class GateFacts:
    """What the score needs of a gate: its rider access, modes and opening hours."""

    rider_access: str = "open"
    foot: bool = True
    ebike: bool = True
    opening_hours: str | None = None


@dataclass(frozen=True)
class CompoundFacts:
    """What the score needs of a compound: gates, building counts, nearby facility kinds."""

    gates: tuple[GateFacts, ...] = ()
    buildings: int = 0
    buildings_numbered: int = 0
    buildings_with_units: int = 0
    facility_kinds_near: frozenset[str] = frozenset()
    ebikes_allowed: bool = True


@dataclass(frozen=True)
class Score:
    """A compound's score: total 0–100, each part's share (0–1) and points, the grade."""

    total: float
    shares: dict[str, float] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    grade: str = ""
    colour: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``score``, ``grade``, ``colour`` and ``parts`` (share and points)."""
        return {"score": round(self.total), "grade": self.grade, "colour": self.colour,
                "parts": {name: {"share": round(self.shares[name], 3),
                                 "points": round(self.points[name], 1)}
                          for name in self.shares}}


@cache
def rules() -> dict[str, Any]:
    """The parts, their points, the facility kinds, the grades."""
    loaded: dict[str, Any] = json.loads(SCORE_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def _open_hours(expression: str | None) -> frozenset[int]:
    """The hours (0–167) of the reference week in which ``expression`` is open."""
    monday = date.fromisoformat(rules()["reference_week_monday"])
    start = datetime.combine(monday, time(0, 30), tzinfo=timezone())
    return frozenset(h for h in range(HOURS_PER_WEEK)
                     if is_open(expression, start + timedelta(hours=h))[0])


def _rider_gate_share(gate: GateFacts) -> float:
    if not (gate.foot or gate.ebike) or gate.rider_access == "closed":
        return 0.0
    return rules()["pass_gate_share"] if gate.rider_access == "pass" else 1.0


def _share(part: float, whole: int) -> float:
    return part / whole if whole else 0.0


def shares(facts: CompoundFacts) -> dict[str, float]:
    """Each part of the score as a share between 0 and 1."""
    open_gates = [g for g in facts.gates if _rider_gate_share(g) == 1.0]
    hours: set[int] = set()
    for gate in open_gates:
        hours |= _open_hours(gate.opening_hours)
    kinds = rules()["facility_kinds"]
    return {
        "rider_gates": _share(sum(map(_rider_gate_share, facts.gates)), len(facts.gates)),
        "gate_hours": len(hours) / HOURS_PER_WEEK,
        "unit_doors": _share(facts.buildings_with_units, facts.buildings),
        "building_numbers": _share(facts.buildings_numbered, facts.buildings),
        "facilities": _share(len(facts.facility_kinds_near & set(kinds)), len(kinds)),
        "ebikes_inside": 1.0 if facts.ebikes_allowed else 0.0,
    }


def grade_of(total: float) -> dict[str, Any]:
    """The grade (``zh``, ``en``, ``colour``, ``min``) a total falls in."""
    return next(g for g in rules()["grades"] if total >= g["min"])


def score(facts: CompoundFacts) -> Score:
    """The rider-friendliness score of a compound described by ``facts``."""
    parts = rules()["parts"]
    share = shares(facts)
    points = {name: share[name] * spec["points"] for name, spec in parts.items()}
    total = sum(points.values())
    grade = grade_of(round(total))
    return Score(total=total, shares=share, points=points, grade=grade["zh"],
                 colour=grade["colour"])
