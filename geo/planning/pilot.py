"""Pilot progress (试点进展): a compound's checklist from the plan, and the counts per
division.

The items and where each answer comes from are data (``data/planning/pilot_checklist.json``):
offices tick what the data cannot know (plates installed, the map posted); the rest is
counted from the data: a pass policy and a gate open to riders (item 6), a station,
parking, lockers and a charger with rider-priority slots within ``reach_minutes`` by
coverage (8–11), reports answered (17: at least one report, none
left new), and check-ins in the last ``recent_days`` (20).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from geo import settings

CHECKLIST_FILE = settings.DATA_DIR / "planning" / "pilot_checklist.json"


@cache
def checklist() -> dict[str, Any]:
    """The checklist: ``items`` (item, zh, source, check), ``reach_minutes``, ``recent_days``."""
    loaded: dict[str, Any] = json.loads(CHECKLIST_FILE.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class PilotFacts:
    """What the checklist needs of a compound: times in seconds (None: out of reach)."""

    rider_gate: bool = False
    times: Mapping[str, float | None] = field(default_factory=dict)
    reports: int = 0
    reports_new: int = 0
    recent_entries: int = 0
    ticks: Mapping[str, bool] = field(default_factory=dict)


def _within(seconds: float | None) -> bool:
    return seconds is not None and seconds <= checklist()["reach_minutes"] * 60


def items_done(facts: PilotFacts) -> dict[str, bool]:
    """Per item number: whether the compound has it."""
    done = {}
    for spec in checklist()["items"]:
        check = spec.get("check")
        if spec["source"] == "office":
            value = bool(facts.ticks.get(spec["item"], False))
        elif check == "rider_gate":
            value = facts.rider_gate
        elif check == "reach":
            value = _within(facts.times.get(spec["reach_kind"]))
        elif check == "reports_answered":
            value = facts.reports > 0 and facts.reports_new == 0
        elif check == "in_use":
            value = facts.recent_entries > 0
        else:
            msg = f"unknown checklist check {check!r}"
            raise ValueError(msg)
        done[spec["item"]] = value
    return done


def tally(done: Mapping[int, Mapping[str, bool]], groups: Mapping[int, str | None]
          ) -> dict[str, dict[str, tuple[int, int]]]:
    """Per group (compounds without one left out), per item: (compounds done, compounds)."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for cid, items in done.items():
        group = groups.get(cid)
        if not group:
            continue
        row = out.setdefault(group, {})
        for item, value in items.items():
            d, t = row.get(item, (0, 0))
            row[item] = (d + int(value), t + 1)
    return out
