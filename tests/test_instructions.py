"""Folding route steps (``geo.routing.instructions.fold_steps``): hand-made steps, and
every of 80 doors of the 清华东路 extract routed at noon."""

from __future__ import annotations

import pytest

from geo import settings
from geo.errors import NoRoute
from geo.routing.instructions import Step, fold_steps
from geo.routing.route import route_to_door
from tests.support.routing import NOON

START = (116.3500, 40.0010)
SMALL = ("straight", "slight left", "slight right")


def _step(metres: float, first: float, last: float | None = None, kind: str = "turn") -> Step:
    return Step("", metres, metres, kind, None, (116.35, 40.0), None, first,
                first if last is None else last)


def test_a_short_bend_joins_the_step_before() -> None:
    folded = fold_steps([_step(100, 0), _step(10, 30, 35), _step(50, 120)])
    assert [round(s.distance_m) for s in folded] == [110, 50]
    assert folded[0].last_bearing == 35 and folded[0].duration_s == 110


@pytest.mark.parametrize(("second", "why"), [
    (_step(10, 90), "a real turn, however short"),
    (_step(25, 20), "a bend longer than the fold"),
    (_step(0, 0, kind="gate"), "a gate"),
])
def test_what_stays_a_step(second: Step, why: str) -> None:
    assert len(fold_steps([_step(100, 0), second])) == 2, why


def test_nothing_folds_into_a_gate() -> None:
    assert len(fold_steps([_step(0, 0, kind="gate"), _step(10, 10)])) == 2


def test_a_short_step_after_a_gate_joins_the_next() -> None:
    folded = fold_steps([_step(80, 0), _step(0, 0, kind="gate"), _step(7, 0), _step(50, 90)])
    assert [(s.type, round(s.distance_m)) for s in folded] == [("turn", 80), ("gate", 0),
                                                               ("turn", 57)]
    assert folded[-1].first_bearing == 90


def _door_routes(network) -> list[dict]:
    doors = sorted(network.snapshot.doors)[:80]
    out = []
    for key in doors:
        try:
            out.append(route_to_door(network, START, key, at=NOON, compare=False))
        except NoRoute:  # a door with no way in is not what this test is about
            continue
    return out


def _short_bends(routes: list[dict]) -> int:
    """Steps between a leg's first and its last that are short and only bend (the noise
    folding removes)."""
    return sum(1 for r in routes for leg in r["legs"] for s in leg["steps"][1:-1]
               if s["type"] in ("turn", "continue") and s["modifier"] in SMALL
               and s["distance_m"] < settings.FOLD_STEP_M)


def test_real_routes_have_no_short_bends_and_keep_their_metres(networks, monkeypatch) -> None:
    network = networks["qinghuadonglu"]
    routes = _door_routes(network)
    assert len(routes) >= 20
    assert _short_bends(routes) == 0
    for r in routes:
        for leg in r["legs"]:
            if leg["mode"] != "park":
                assert sum(s["distance_m"] for s in leg["steps"]) == pytest.approx(
                    leg["distance_m"], abs=0.5 * len(leg["steps"]))
    monkeypatch.setattr(settings, "FOLD_STEP_M", 0.0)
    unfolded = _door_routes(network)
    assert sum(len(leg["steps"]) for r in unfolded for leg in r["legs"]) > sum(
        len(leg["steps"]) for r in routes for leg in r["legs"])
