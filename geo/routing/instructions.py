"""Chinese turn-by-turn instructions from the pieces of a route.

A route leg is a list of ``Piece`` (one per edge walked or ridden). Consecutive
pieces on the same road that do not turn are joined into one step; a change of road or
a turn starts a new step named by the turn and the road
("沿清华东路向东骑行200米", "右转进入学清路，骑行300米", "从北门(1号门)进入"). Angles are
compass bearings in degrees, clockwise from north, from (x, y) metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from geo import settings
from geo.routing.street_graph import mode_rules

# Said of a gate inferred or proposed by the importer (``Gate.origin``), not yet confirmed.
UNCONFIRMED_GATE_ZH = "此入口为推测，待社区核实"

COMPASS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
# Smallest turn that counts as one; shorter unnamed links are joined to the step before.
STRAIGHT_DEG = 25.0
SHORT_LINK_M = 12.0
# Smallest turn that is more than a bend (``turn`` says 稍向左/右转 below it).
BEND_DEG = 60.0
VERBS = {0: "骑行", 1: "步行"}


@dataclass
class Piece:
    """One edge of a route: its road, length (m), time (s), compass bearing (degrees),
    and the (lon, lat) of its start and end."""

    layer: int
    name: str | None
    highway: str | None
    length: float
    seconds: float
    bearing: float
    lonlat: tuple[float, float]
    end: tuple[float, float]
    gate: str | None = None
    gate_unconfirmed: bool = False
    entering: bool = True
    link: bool = False
    gate_index: int = -1
    last_bearing: float | None = None
    # The path states (first, last) its line runs through, and the (lon, lat) it starts
    # from when that is off the path (the start's own point).
    span: tuple[int, int] = (0, 0)
    origin: tuple[float, float] | None = None


@dataclass
class Step:
    """One instruction: text, metres, seconds, maneuver type/modifier, (lon, lat)."""

    text: str
    distance_m: float
    duration_s: float
    type: str
    modifier: str | None
    location: tuple[float, float]
    name: str | None = None
    first_bearing: float = 0.0
    last_bearing: float = 0.0
    highway: str | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {"instruction": self.text, "distance_m": round(self.distance_m, 1),
                "duration_s": round(self.duration_s, 1), "type": self.type,
                "modifier": self.modifier, "name": self.name,
                "location": [round(self.location[0], 7), round(self.location[1], 7)]}


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Compass bearing (degrees) from a to b in the local plane."""
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0


def compass(deg: float) -> str:
    """One of eight Chinese compass directions (北, 东北, 东, …)."""
    return COMPASS[int(round(deg / 45.0)) % 8]


def turn(before: float, after: float) -> tuple[str, str]:
    """(Chinese words, OSRM-style modifier) for turning from one bearing to another."""
    delta = (after - before + 540.0) % 360.0 - 180.0
    side, en = ("右", "right") if delta > 0 else ("左", "left")
    size = abs(delta)
    if size < STRAIGHT_DEG:
        return "直行", "straight"
    if size < 60:
        return f"稍向{side}转", f"slight {en}"
    if size < 135:
        return f"{side}转", en
    if size < 165:
        return f"向{side}急转", f"sharp {en}"
    return "掉头", "uturn"


def distance_text(metres: float) -> str:
    """``80米``, ``200米``, ``1.2公里``."""
    if metres >= 1000:
        return f"{metres / 1000:.1f}公里"
    return f"{max(10, int(round(metres / 10.0)) * 10)}米"


def road_name(name: str | None, highway: str | None) -> str:
    """A road's name, or a word for its kind when it has none (人行道, 内部道路, …)."""
    return name or mode_rules()["unnamed_zh"].get(highway or "", "道路")


def steps(pieces: list[Piece], *, heading: float | None = None) -> list[Step]:
    """The steps of one leg (all pieces in the same layer); ``heading`` is the bearing
    the rider had before the leg (None at the start of a route)."""
    out: list[Step] = []
    for piece in pieces:
        if piece.gate is not None:
            word = "进入" if piece.entering else "出来"
            note = f"（{UNCONFIRMED_GATE_ZH}）" if piece.gate_unconfirmed else ""
            out.append(Step(f"从{piece.gate}{word}{note}", 0.0, piece.seconds, "gate",
                            "enter" if piece.entering else "exit", piece.lonlat))
            continue
        if piece.length <= 0:
            continue
        last = out[-1] if out and out[-1].type != "gate" else None
        end_bearing = piece.bearing if piece.last_bearing is None else piece.last_bearing
        if last is not None and (
                (last.name == piece.name and turn(last.last_bearing, piece.bearing)[1] == "straight")
                or (piece.link and piece.length < SHORT_LINK_M)):
            last.distance_m += piece.length
            last.duration_s += piece.seconds
            last.last_bearing = end_bearing
            continue
        out.append(Step("", piece.length, piece.seconds, "turn", None, piece.lonlat, piece.name,
                        piece.bearing, end_bearing, piece.highway))
    out = fold_steps(out)
    _fill_texts(out, pieces[0].layer if pieces else 0, heading)
    return out


def fold_steps(out: list[Step], *, short_m: float | None = None) -> list[Step]:
    """``out`` with every step shorter than ``short_m`` metres (``FOLD_STEP_M``) that
    bends by less than ``BEND_DEG`` folded into the step before (its metres and seconds
    added, its end bearing kept); a short step right after a gate is folded into the
    step after it. Gate steps, real turns, the first step and a leg's last step after a
    gate stay. Texts are not filled in (``steps`` does
    that after folding)."""
    limit = settings.FOLD_STEP_M if short_m is None else short_m
    kept: list[Step] = []
    for step in out:
        before = kept[-1] if kept else None
        short = step.type != "gate" and step.distance_m < limit
        if before is not None and before.type != "gate" and short and _bend(
                before.last_bearing, step.first_bearing) < BEND_DEG:
            before.distance_m += step.distance_m
            before.duration_s += step.duration_s
            before.last_bearing = step.last_bearing
            continue
        if (before is not None and before.type != "gate" and step.type != "gate"
                and len(kept) > 1 and kept[-2].type == "gate" and before.distance_m < limit):
            step.distance_m += before.distance_m  # the short piece after the gate
            step.duration_s += before.duration_s
            kept[-1] = step
            continue
        kept.append(step)
    return kept


def _bend(before: float, after: float) -> float:
    """The size of the turn (degrees, 0–180) from one bearing to another."""
    return abs((after - before + 540.0) % 360.0 - 180.0)


def _fill_texts(out: list[Step], layer: int, heading: float | None) -> None:
    verb = VERBS[layer]
    previous_name: str | None = None
    for step in out:
        if step.type == "gate":
            continue
        dist = distance_text(step.distance_m)
        if heading is None:
            step.type = "depart"
            step.text = f"沿{road_name(step.name, step.highway)}向{compass(step.first_bearing)}{verb}{dist}"
        else:
            words, modifier = turn(heading, step.first_bearing)
            step.modifier = modifier
            step.type = "continue" if modifier == "straight" else "turn"
            if step.name and previous_name == step.name:
                step.text = f"{words}，沿{step.name}{verb}{dist}"
            elif step.name:
                step.text = f"{words}进入{step.name}，{verb}{dist}"
            elif modifier == "straight":
                step.text = f"直行{dist}"
            else:
                step.text = f"{words}后{verb}{dist}"
        heading = step.last_bearing
        previous_name = step.name
