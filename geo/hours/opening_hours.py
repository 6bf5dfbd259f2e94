"""OSM ``opening_hours`` and gate rules evaluated at a local time (Asia/Shanghai).

Uses the ``opening-hours-py`` package (module ``opening_hours``) with China's public
holidays. An expression that does not parse counts as unknown: the gate or facility
is treated as open and the answer says the hours could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from opening_hours import OpeningHours, ParserError, State  # type: ignore[attr-defined]  # not in its .pyi

from geo import settings
from geo.errors import InvalidInput

# Why a gate cannot be used (or not by e-bike), Chinese first.
REASONS = {
    "closed_at_time": ("此时关闭", "closed at this time"),
    "closed_to_riders": ("不对骑手开放", "closed to riders"),
    "pass_required": ("需要骑手通行证", "rider pass required"),
    "ebike_not_allowed": ("禁止电动车通行", "e-bikes not allowed"),
    "ebikes_not_allowed_inside": ("小区内禁止骑电动车", "no e-bikes inside the compound"),
    "foot_not_allowed": ("禁止步行通过", "no walking through"),
    "hours_unreadable": ("开放时间无法识别，按开放处理", "opening hours unreadable, taken as open"),
    "not_connected": ("没有道路连到此门", "no road reaches this gate"),
}


def timezone() -> ZoneInfo:
    """The local time zone of opening hours."""
    return ZoneInfo(settings.LOCAL_TIMEZONE)


def local_text(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware time (UTC in the database) as local wall-clock text (Beijing time); ``""``
    for None."""
    return moment.astimezone(timezone()).strftime(fmt) if moment else ""


def local_time(at: datetime | str | None = None) -> datetime:
    """``at`` as an aware local datetime; naive times are local, None is now.

    Strings are ISO 8601 (``2025-05-01T23:30``, with or without an offset).
    """
    if at is None:
        return datetime.now(timezone())
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.strip().replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            raise InvalidInput(f"时间“{at}”格式不对，应为 ISO 8601，例如 2025-05-01T23:30",
                               f"time {at!r} is not ISO 8601, e.g. 2025-05-01T23:30") from None
    if at.tzinfo is None:
        return at.replace(tzinfo=timezone())
    return at.astimezone(timezone())


@lru_cache(maxsize=4096)
def parse(expression: str) -> OpeningHours | None:
    """A parsed expression, or None when it does not parse."""
    try:
        return OpeningHours(expression, timezone=timezone(), country="CN")
    except (ParserError, SyntaxError, ValueError):
        return None


def is_open(expression: str | None, at: datetime) -> tuple[bool, datetime | None, bool]:
    """(open?, next change of state or None, readable?) of ``expression`` at ``at``.

    No expression means always open; an unreadable one counts as open.
    """
    if not expression:
        return True, None, True
    hours = parse(expression)
    if hours is None:
        return True, None, False
    state, _comment = hours.state(at)
    return state != State.CLOSED, hours.next_change(at), True


@dataclass(frozen=True)
class GateState:
    """What a rider may do at a gate at one time: ride through, walk through, why not."""

    ride: bool
    walk: bool
    reasons: tuple[str, ...] = ()
    next_open: datetime | None = None

    @property
    def usable(self) -> bool:
        return self.ride or self.walk


class GateRules(Protocol):
    """What the state of a gate depends on (``geo.routing.inputs.Gate`` has it)."""

    @property
    def foot(self) -> bool: ...
    @property
    def ebike(self) -> bool: ...
    @property
    def rider_access(self) -> str: ...
    @property
    def opening_hours(self) -> str | None: ...


def static_gate_state(gate: GateRules, *, ebikes_inside: bool, has_pass: bool) -> GateState:
    """The part of a gate's state that does not depend on the time."""
    reasons: list[str] = []
    ride, walk = gate.ebike, gate.foot
    if gate.rider_access == "closed":
        ride = walk = False
        reasons.append("closed_to_riders")
    elif gate.rider_access == "pass" and not has_pass:
        ride = walk = False
        reasons.append("pass_required")
    if not gate.ebike:
        reasons.append("ebike_not_allowed")
    elif not ebikes_inside:
        ride = False
        reasons.append("ebikes_not_allowed_inside")
    if not gate.foot:
        reasons.append("foot_not_allowed")
    return GateState(ride, walk, tuple(reasons))


def gate_state(gate: GateRules, at: datetime, *, ebikes_inside: bool, has_pass: bool) -> GateState:
    """The full state of ``gate`` at local time ``at``."""
    static = static_gate_state(gate, ebikes_inside=ebikes_inside, has_pass=has_pass)
    open_now, change, readable = is_open(gate.opening_hours, at)
    reasons = list(static.reasons)
    if not readable:
        reasons.append("hours_unreadable")
    if open_now:
        return GateState(static.ride, static.walk, tuple(reasons))
    return GateState(False, False, ("closed_at_time", *reasons), change)


class ScheduleCache:
    """Open/closed of many expressions at query times, each kept until its next change.

    Most queries ask about "now", so an expression is evaluated again only when the
    time leaves the interval its last answer holds for.
    """

    def __init__(self, expressions: list[str]) -> None:
        self.expressions = expressions
        self.valid_from = np.full(len(expressions), np.inf)
        self.valid_until = np.full(len(expressions), -np.inf)
        self.open = np.ones(len(expressions), dtype=bool)

    def states(self, at: datetime) -> NDArray[np.bool_]:
        """Bool per expression: open at ``at``."""
        t = at.timestamp()
        for i in np.flatnonzero((t < self.valid_from) | (t >= self.valid_until)):
            open_now, change, _ = is_open(self.expressions[i], at)
            self.open[i] = open_now
            self.valid_from[i] = t
            self.valid_until[i] = change.timestamp() if change else np.inf
        return self.open


def reason_text(code: str) -> tuple[str, str]:
    """(Chinese, English) text of a reason code."""
    return REASONS[code]
