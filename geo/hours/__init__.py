"""Opening hours in OSM's syntax, evaluated in Beijing time, their Chinese text, and
what they mean for a gate.
"""

from __future__ import annotations

from geo.hours.opening_hours import GateState, gate_state, is_open, local_text, local_time, timezone
from geo.hours.spoken import spoken_to_osm
from geo.hours.text import describe_hours, hours_zh, parse_hours

__all__ = [
    "GateState",
    "describe_hours",
    "gate_state",
    "hours_zh",
    "is_open",
    "local_text",
    "local_time",
    "parse_hours",
    "spoken_to_osm",
    "timezone",
]
