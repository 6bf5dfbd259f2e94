"""app.mapping.compound_data: what the rider map and poster draw of a real compound, and gate and
facility states at a time (SQLite and PostGIS)."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.mapping.compound_data import compound_map_data, hours_state
from app.models import Gate
from geo.hours.opening_hours import local_time
from tests.support.maps import busiest_compound, recount

NOON = local_time("2025-05-06T12:00")


def test_everything_of_the_compound_and_nothing_else(imported_app: Flask) -> None:
    with imported_app.app_context():
        db = get_session()
        community = busiest_compound(db)
        data = compound_map_data(db, community, at=NOON)
        counts = recount(db, community)
    assert len(data["gates"]) == counts.gates > 0
    assert len(data["buildings"]) == counts.buildings > 0
    assert sum(1 for b in data["buildings"] if b["short"]) == counts.numbered
    assert len(data["units"]) == counts.units > 0
    assert len(data["facilities"]) == counts.facilities > 0
    assert data["streets"], "the no-tile map draws the streets around it"
    assert data["community"]["name"] == community.name
    west, south, east, north = data["community"]["bounds"]
    assert west < east and south < north


def test_units_carry_their_building_label(imported_app: Flask) -> None:
    with imported_app.app_context():
        db = get_session()
        data = compound_map_data(db, busiest_compound(db), at=NOON, streets=False)
    labels = {b["id"]: b["label"] for b in data["buildings"]}
    for unit in data["units"]:
        assert unit["label"].endswith("单元")
        if labels.get(unit["building_id"]):
            assert unit["full"] == f"{labels[unit['building_id']]} {unit['label']}"
    assert data["streets"] == []


@pytest.mark.parametrize(("access", "hours", "at", "status", "change"), [
    ("open", None, "2025-05-06T12:00", "open", ""),
    ("open", "Mo-Su 06:00-22:00", "2025-05-06T12:00", "open", "22:00 关门"),
    ("open", "Mo-Su 06:00-22:00", "2025-05-06T23:30", "closed", "明天 06:00 开门"),
    ("open", "Mo-Fr 07:00-19:00", "2025-05-09T20:00", "closed", "5月12日 07:00 开门"),
    ("pass", "24/7", "2025-05-06T03:00", "pass", ""),
    ("closed", None, "2025-05-06T12:00", "closed", ""),
])
def test_gate_state_at_a_time(writable_imported_app: Flask, access: str, hours: str | None,
                              at: str, status: str, change: str) -> None:
    with writable_imported_app.app_context():
        db = get_session()
        community = busiest_compound(db)
        gate = db.scalars(select(Gate).where(Gate.community_id == community.id)
                          .order_by(Gate.id)).first()
        gate.rider_access, gate.opening_hours = access, hours
        db.commit()
        data = compound_map_data(db, community, at=local_time(at), streets=False)
    view = next(g for g in data["gates"] if g["id"] == gate.id)
    assert (view["status"], view["change_zh"], view["hours"]) == (status, change, hours)


@pytest.mark.parametrize(("hours", "at", "expected"), [
    (None, "2025-05-06T03:00", {"open": True, "readable": True, "change_zh": "", "hours_zh": ""}),
    ("24/7", "2025-05-06T03:00", {"open": True, "readable": True, "change_zh": "",
                                  "hours_zh": "每天 24 小时开放"}),
    ("Mo-Su 08:00-20:00", "2025-05-06T07:00", {"open": False, "readable": True,
                                               "change_zh": "08:00 开门",
                                               "hours_zh": "每天 08:00–20:00"}),
    ("Mo-Su 08:00-20:00", "2025-05-06T19:59", {"open": True, "readable": True,
                                               "change_zh": "20:00 关门",
                                               "hours_zh": "每天 08:00–20:00"}),
    ("sometimes", "2025-05-06T03:00", {"open": True, "readable": False, "change_zh": "",
                                       "hours_zh": "开放时间无法识别"}),
])
def test_hours_state(hours: str | None, at: str, expected: dict) -> None:
    assert hours_state(hours, local_time(at)) == expected


def test_times_are_local_to_beijing() -> None:
    utc_evening = datetime.fromisoformat("2025-05-06T15:30+00:00")  # 23:30 in Beijing
    assert hours_state("Mo-Su 06:00-22:00", local_time(utc_evening))["open"] is False
