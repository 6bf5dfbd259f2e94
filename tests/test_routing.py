"""Access routes on the real Beijing extracts, checked by hand, and the rules behind them.

Each hand-checked case was drawn on a map of the extract (street graph, compound
outline, gates, doors, route) and read by a person; the comment says what the map shows.
Gate rules that OSM does not carry are set by the test, as an office would.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import shapely
from shapely.geometry import LineString, shape

from geo.errors import InvalidCoordinates, InvalidInput, NoRoute, NotFound
from geo.routing.inputs import AccessData, Door, Gate, OfficePath
from geo.routing.network import AccessNetwork
from geo.routing.route import route_to_door
from tests.support.routing import NIGHT, NOON

# bupt: the compound south of the campus (未命名小区（西土城路旁）, way 1376112785), 15 gates.
BUPT_SOUTH = 1376112785
# Two gates side by side on its north edge at (116.35112, 39.95856): 南门（小南门）and a lift gate.
BUPT_NORTH_GATES = {5184435996, 12753716512}
# qinghuadonglu: the compound west of 学清路's east side (未命名小区（学清路旁）, way 609225889).
XUEQING = 609225889
XUEQING_EAST_GATE = 1785703392  # 出入口 on its east edge at (116.349808, 40.003242)


def _route(net: AccessNetwork, start, door, **kw):
    return route_to_door(net, start, door, **kw)


def _modes(route) -> list[str]:
    return [leg["mode"] for leg in route["legs"]]


def _ends_at_door(route) -> bool:
    last = route["legs"][-1]
    end = last["geometry"]["coordinates"][-1] if last["geometry"]["type"] == "LineString" \
        else last["geometry"]["coordinates"]
    return shapely.Point(end).distance(shapely.Point(route["to"]["location"])) < 1e-6


# --- hand-checked cases -----------------------------------------------------------------------

def test_case1_bupt_north_gate_at_noon(networks) -> None:
    # From the campus road north of the compound, the road runs straight south onto the
    # pair of north gates; door 1单元 of building 344376663 is 70 m east-south-east of
    # them. Map: ride 160 m south, through the lift gate, 70 m + 20 m inside, park at the door.
    route = _route(networks["bupt"], (116.3512, 39.9600), ("unit", 12754262374), at=NOON)
    assert route["gate"]["id"] in BUPT_NORTH_GATES
    assert _modes(route) == ["ride", "park"]
    assert 200 < route["distance_m"] < 300
    assert route["legs"][0]["instructions"][0].startswith("沿内部道路向南骑行")
    assert "从出入口进入" in route["instructions"]
    assert route["instructions"].endswith("到达1单元。")
    assert _ends_at_door(route)


def test_case2_bupt_north_gates_closed_at_night_go_round(access, streets) -> None:
    # The office closes both north gates 22:00-06:00. At 23:30 the nearest way in is shut,
    # so the route continues south 60 m further on the campus road and enters by the gate
    # in the notch of the boundary at (116.35131, 39.95802), then rides back north-east to
    # the door: longer (about 440 m), and the two north gates are reported with 06:00.
    data = access["bupt"]
    for gate in BUPT_NORTH_GATES:
        data = data.with_gate(gate, opening_hours="Mo-Su 06:00-22:00")
    net = AccessNetwork(streets["bupt"], data)
    day = _route(net, (116.3512, 39.9600), ("unit", 12754262374), at=NOON)
    night = _route(net, (116.3512, 39.9600), ("unit", 12754262374), at=NIGHT)
    assert day["gate"]["id"] in BUPT_NORTH_GATES
    assert night["gate"]["id"] == 755548496324496220
    assert night["distance_m"] > day["distance_m"] + 100
    skipped = {g["id"]: g for g in night["gates_skipped"]}
    for gate in BUPT_NORTH_GATES:
        assert [r["code"] for r in skipped[gate]["reasons"]] == ["closed_at_time"]
        assert skipped[gate]["next_open"] == "2025-05-02T06:00:00+08:00"
        assert skipped[gate]["reasons"][0]["message"] == "此时关闭"
    assert not {g["id"] for g in night["gates_passed"]} & BUPT_NORTH_GATES
    assert _ends_at_door(night)


def test_case3_xueqing_east_gate(networks) -> None:
    # From the lane south of the compound, the road along its east edge runs north to the
    # east gate; building 167303925 stands just inside it (entrance 10 m from the gate).
    route = _route(networks["qinghuadonglu"], (116.3500, 40.0010), ("building", 167303925), at=NOON)
    assert route["gate"]["id"] == XUEQING_EAST_GATE
    assert _modes(route) == ["ride", "park"]
    assert 250 < route["distance_m"] < 300
    assert "左转后骑行240米" in route["instructions"]
    # A navigation app would lead to the road nearest the compound's centroid, 300 m away.
    assert route["saved"]["seconds"] > 0 and route["saved"]["metres"] > 100


def test_case4_no_ebikes_inside_park_at_gate_and_walk(access, streets) -> None:
    # Same trip, but the compound forbids e-bikes inside: ride to the east gate, leave the
    # e-bike outside it, walk in. No riding inside the polygon.
    data = replace(access["qinghuadonglu"], compounds=tuple(
        replace(c, ebikes_allowed=False) if c.id == XUEQING else c
        for c in access["qinghuadonglu"].compounds))
    net = AccessNetwork(streets["qinghuadonglu"], data)
    route = _route(net, (116.3500, 40.0010), ("building", 167303925), at=NOON)
    assert _modes(route) == ["ride", "park", "walk"]
    assert route["gate"]["id"] == XUEQING_EAST_GATE
    assert route["legs"][1]["place"].startswith("出入口")
    polygon = data.compound(XUEQING).polygon
    ride = shape(route["legs"][0]["geometry"])
    # The gate stands 3-4 m inside the outline: no riding deeper than 10 m (1e-4 degrees).
    assert ride.intersection(polygon.buffer(-1e-4)).is_empty
    assert route["legs"][2]["instructions"][0] == "从出入口进入"
    assert any(g["id"] == XUEQING_EAST_GATE for g in route["gates_passed"])
    assert _ends_at_door(route)


def test_case5_bupt_north_gate_real_tags(access, streets) -> None:
    # bupt's 北门 (node 12735976948) is tagged access=private, locked=yes, bicycle=no,
    # opening_hours=Mo-Su 06:00-24:00; it is the only gate of 未命名小区（师大北路旁）
    # (way 1377379914). As imported it is closed to riders: no route, and why.
    compound = access["bupt"].compound(1377379914)
    inside = compound.polygon.representative_point()
    door = Door(id=1, lon=inside.x, lat=inside.y, compound_id=compound.id, label="测试楼门")
    data = replace(access["bupt"], doors=access["bupt"].doors + (door,))
    net = AccessNetwork(streets["bupt"], data)
    with pytest.raises(NoRoute) as closed:
        _route(net, (116.3509, 39.9630), door.key, at=NOON)
    assert "不对骑手开放" in closed.value.zh
    assert closed.value.details["gates"][0]["reasons"][0]["code"] == "closed_to_riders"
    # The office opens it to riders; its real hours still apply, and bicycle=no means walk.
    net.update(data.with_gate(12735976948, rider_access="open"))
    assert net.rebuilt == [1377379914]
    with pytest.raises(NoRoute) as night:
        _route(net, (116.3509, 39.9630), door.key, at="2025-05-02T02:00")
    assert night.value.details["next_open"] == "2025-05-02T06:00:00+08:00"
    assert "06:00" in night.value.zh and "北门" in night.value.zh
    day = _route(net, (116.3509, 39.9630), door.key, at=NOON)
    assert day["gate"]["label"] == "北门"
    assert _modes(day) == ["ride", "park", "walk"]
    assert "从北门进入" in day["legs"][2]["instructions"]


def test_case6_pass_required(access, streets) -> None:
    # The east gate of case 3 now needs a rider pass: without one the route goes to another
    # gate and says why; with one it uses the east gate again.
    data = access["qinghuadonglu"].with_gate(XUEQING_EAST_GATE, rider_access="pass")
    net = AccessNetwork(streets["qinghuadonglu"], data)
    without = _route(net, (116.3500, 40.0010), ("building", 167303925), at=NOON)
    assert without["gate"]["id"] != XUEQING_EAST_GATE
    reasons = {g["id"]: [r["code"] for r in g["reasons"]] for g in without["gates_skipped"]}
    assert reasons[XUEQING_EAST_GATE] == ["pass_required"]
    with_pass = _route(net, (116.3500, 40.0010), ("building", 167303925), at=NOON, has_pass=True)
    assert with_pass["gate"]["id"] == XUEQING_EAST_GATE
    assert with_pass["duration_s"] < without["duration_s"]


# --- office edits -------------------------------------------------------------------------------

def test_office_path_shortens_and_rebuilds_one_layer(access, streets) -> None:
    data = access["bupt"]
    net = AccessNetwork(streets["bupt"], data)
    start, door = (116.3512, 39.9600), ("unit", 12754262374)
    before = _route(net, start, door, at=NOON)
    unit = next(d for d in data.doors if d.key == door)
    gate = next(g for g in data.compound(BUPT_SOUTH).gates if g.id == 12753716512)
    path = OfficePath(id=1, line=LineString([(gate.lon, gate.lat - 0.00002), (unit.lon, unit.lat)]),
                      mode="both", compound_id=BUPT_SOUTH, name="快递通道")
    version = net.snapshot.version
    rebuilt = net.update(replace(data, paths=(path,)))
    assert rebuilt == [BUPT_SOUTH] and net.snapshot.version == version + 1
    after = _route(net, start, door, at=NOON)
    assert after["cost_s"] < before["cost_s"]
    assert "快递通道" in after["instructions"]
    assert net.update(replace(data, paths=(path,))) == []  # nothing changed: nothing rebuilt


def test_gate_moved_by_office_is_used_where_it_now_stands(access, streets) -> None:
    # Closing every gate but one makes that one the way in; its passage follows the data.
    data = access["qinghuadonglu"]
    for g in data.compound(XUEQING).gates:
        if g.id != XUEQING_EAST_GATE:
            data = data.with_gate(g.id, rider_access="closed")
    net = AccessNetwork(streets["qinghuadonglu"], data)
    route = _route(net, (116.3458, 40.0040), ("building", 167303934), at=NOON)
    assert route["gate"]["id"] == XUEQING_EAST_GATE
    assert len(route["gates_skipped"]) == len(data.compound(XUEQING).gates) - 1


# --- bad input ------------------------------------------------------------------------------------

def test_start_far_from_any_road_is_refused(networks) -> None:
    with pytest.raises(InvalidCoordinates) as error:
        _route(networks["bupt"], (116.40, 39.90), ("unit", 12754262374))
    assert "没有可通行的道路" in error.value.zh


def test_unknown_door(networks) -> None:
    with pytest.raises(NotFound):
        _route(networks["bupt"], (116.3512, 39.9600), ("unit", 1))


@pytest.mark.parametrize("at", ["tomorrow", "2025-13-01T00:00", "25:00"])
def test_bad_time(networks, at: str) -> None:
    with pytest.raises(InvalidInput) as error:
        _route(networks["bupt"], (116.3512, 39.9600), ("unit", 12754262374), at=at)
    assert "ISO 8601" in error.value.zh


def test_compound_without_gates_has_no_route(access, streets) -> None:
    # Every imported compound has an entrance (静淑苑 a proposed one): take it away.
    data = access["qinghuadonglu"]
    proposed = next(c for c in data.compounds if c.gates and all(g.origin == "proposed" for g in c.gates))
    gateless = replace(proposed, gates=())
    inside = gateless.polygon.representative_point()
    door = Door(id=7, lon=inside.x, lat=inside.y, compound_id=gateless.id, label="测试门")
    compounds = tuple(gateless if c.id == gateless.id else c for c in data.compounds)
    net = AccessNetwork(streets["qinghuadonglu"],
                        replace(data, compounds=compounds, doors=data.doors + (door,)))
    with pytest.raises(NoRoute) as error:
        _route(net, (116.3500, 40.0010), door.key, at=NOON)
    assert "没有登记任何出入口" in error.value.zh


def test_gate_labels() -> None:
    assert Gate(1, 0, 0, name="北门", number="1").label == "北门(1号门)"
    assert Gate(1, 0, 0, name="北门", number="北门").label == "北门"
    assert Gate(1, 0, 0, number="3").label == "3号门"
    assert Gate(1, 0, 0).label == "出入口"
    assert AccessData().compounds == ()
