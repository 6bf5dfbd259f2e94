"""Opening hours in OSM's syntax, evaluated in Beijing time, their Chinese text, and
what they mean for a gate.
"""

from __future__ import annotations

from geo.hours.opening_hours import GateState, gate_state, is_open, local_text, local_time, timezone
from geo.hours.text import describe_hours, parse_hours

__all__ = [
    "GateState",
    "describe_hours",
    "gate_state",
    "is_open",
    "local_text",
    "local_time",
    "parse_hours",
    "timezone",
]
