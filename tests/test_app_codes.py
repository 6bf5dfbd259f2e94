"""app.addresses.codes: codes allocated on save (API, ORM, import), stable on rename and re-import,
recoded with the old code kept when the committee is set; lookup by code or id; full
addresses. SQLite and PostGIS."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from shapely.geometry import Point, box
from sqlalchemy import func, select

from app.addresses.codes import (
    allocate_all,
    find_by_code,
    full_address,
    lookup_by_code_or_id,
    place_label,
    require_code,
)
from app.addresses.divisions import register_committee
from app.db import get_session
from app.imports.importer import import_osm
from app.models import Building, Community, Gate, RetiredCode, Unit
from geo.address.codes import parse_code
from geo.errors import InvalidCode, NotFound
from tests.support.accounts import Accounts
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract

SQUARE = box(116.3500, 40.0000, 116.3520, 40.0015)


def _compound(db, name: str = "双泉嘉苑", division: str | None = "110108010") -> Community:
    community = Community(name=name, division_code=division, geom=SQUARE)
    db.add(community)
    db.flush()
    return community


def _building(db, community: Community, number: str | None, name: str | None = None) -> Building:
    building = Building(community_id=community.id, number=number, name=name,
                        geom=box(116.3505, 40.0005, 116.3508, 40.0008))
    db.add(building)
    db.flush()
    return building


def _unit(db, building: Building, number: str | None) -> Unit:
    unit = Unit(building_id=building.id, community_id=building.community_id, number=number,
                geom=Point(116.3506, 40.0005))
    db.add(unit)
    db.flush()
    return unit


def _gate(db, community: Community, number: str | None = None, name: str | None = None) -> Gate:
    gate = Gate(community_id=community.id, number=number, name=name, geom=Point(116.3510, 40.0))
    db.add(gate)
    db.flush()
    return gate


def test_codes_on_save(app: Flask) -> None:
    with app.app_context():
        db = get_session()
        community = _compound(db)
        b3 = _building(db, community, "3")
        library = _building(db, community, None, "图书馆")
        unit = _unit(db, b3, "2")
        door = _unit(db, library, None)
        north = _gate(db, community, name="北门")
        second = _gate(db, community, number="5", name="东门")
        db.commit()
        assert community.code == "110108010000-001"
        assert b3.code == "110108010000-001-003"          # its own number
        assert library.code == "110108010000-001-999"     # no number: from the top
        assert unit.code == "110108010000-001-003-02"
        assert door.code == "110108010000-001-999-99"
        assert north.code == "110108010000-001-G01"
        assert second.code == "110108010000-001-G05"
        assert _compound(db, "学士居").code == "110108010000-002"
        clash = _building(db, community, "3")             # a second 3号楼 (OSM error)
        assert clash.code == "110108010000-001-998"


def test_rename_never_changes_codes(app: Flask) -> None:
    with app.app_context():
        db = get_session()
        community = _compound(db)
        building = _building(db, community, "3")
        db.commit()
        before = (community.code, building.code)
        community.name, building.number, building.name = "双泉嘉苑（新）", "5", "5号楼"
        db.commit()
        assert (community.code, building.code) == before


def test_no_division_no_code_then_codes_for_everything(app: Flask) -> None:
    with app.app_context():
        db = get_session()
        community = _compound(db, division=None)
        building = _building(db, community, "3")
        unit = _unit(db, building, "1")
        gate = _gate(db, community, number="1")
        db.commit()
        assert (community.code, building.code, unit.code, gate.code) == (None, None, None, None)
        with pytest.raises(InvalidCode) as caught:
            require_code(db, unit)
        assert "还没有设置区划" in caught.value.zh and "--division" in caught.value.zh
        assert caught.value.details["reason"] == "no_division"
        community.division_code = "110108010"
        db.commit()
        assert community.code == "110108010000-001"
        assert (building.code, unit.code, gate.code) == (
            "110108010000-001-003", "110108010000-001-003-01", "110108010000-001-G01")
        assert require_code(db, unit) == unit.code


def test_committee_set_recodes_and_old_codes_still_resolve(app: Flask) -> None:
    with app.app_context():
        db = get_session()
        register_committee(db, "110108010012", "双泉社区居委会")
        community = _compound(db)
        building = _building(db, community, "3")
        unit = _unit(db, building, "2")
        gate = _gate(db, community, number="1")
        db.commit()
        old = [row.code for row in (community, building, unit, gate)]
        community.division_code = "110108010012"
        db.commit()
        assert community.code == "110108010012-001"
        assert unit.code == "110108010012-001-003-02"
        assert gate.code == "110108010012-001-G01"
        for row, code in zip((community, building, unit, gate), old, strict=True):
            assert lookup_by_code_or_id(db, type(row), code) is row
            assert find_by_code(db, code) is row
        assert db.scalar(select(func.count()).select_from(RetiredCode)) == 4
        # a retired code is never given to another place
        assert _compound(db, "学士居").code == "110108010000-002"
        # back to the street only: less specific, the code stays
        community.division_code = "110108010"
        db.commit()
        assert community.code == "110108010012-001"
        assert full_address(db, unit) == "北京市海淀区学院路街道双泉社区居委会 双泉嘉苑 3号楼 2单元"


def test_moving_a_building_recodes_it(app: Flask) -> None:
    with app.app_context():
        db = get_session()
        first, second = _compound(db), _compound(db, "学士居")
        building = _building(db, first, "3")
        unit = _unit(db, building, "2")
        db.commit()
        old = building.code
        building.community_id = second.id
        db.commit()
        assert building.code == "110108010000-002-003"
        assert unit.code == "110108010000-002-003-02"
        assert lookup_by_code_or_id(db, Building, old) is building


@pytest.mark.parametrize(("model", "value", "error", "fragment"), [
    (Building, "110108010000-001", InvalidCode, "是小区编码"),
    (Unit, "110108010000-001-003", InvalidCode, "是楼栋编码"),
    (Building, "110108010000-001-004", NotFound, "没有编码为"),
    (Building, "110108010000-001-00x", InvalidCode, "不允许的字符"),
    (Building, "99999", NotFound, "找不到编号为 99999"),
])
def test_lookup_errors(app: Flask, model: type, value: str, error: type, fragment: str) -> None:
    with app.app_context():
        db = get_session()
        _building(db, _compound(db), "3")
        db.commit()
        with pytest.raises(error, match=fragment):
            lookup_by_code_or_id(db, model, value)


def test_lookup_by_id_or_code(app: Flask) -> None:
    with app.app_context():
        db = get_session()
        building = _building(db, _compound(db), "3")
        db.commit()
        full_width = "１１０１０８０１００００－００１－００３"
        for value in (building.id, str(building.id), building.code, full_width):
            assert lookup_by_code_or_id(db, Building, value) is building
        assert place_label(db, building) == "3号楼"
        assert full_address(db, building) == "北京市海淀区学院路街道 双泉嘉苑 3号楼"


def _feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def test_api_shows_code_and_it_is_read_only(client, accounts: Accounts) -> None:
    ring = [list(c) for c in SQUARE.exterior.coords]
    created = client.post("/api/v1/communities", json=_feature(
        {"type": "Polygon", "coordinates": [ring]}, name="双泉嘉苑", division_code="110108010"),
        headers=accounts.headers("editor"))
    assert created.status_code == 201, created.json
    assert created.json["properties"]["code"] == "110108010000-001"
    building = client.post("/api/v1/buildings", json=_feature(
        {"type": "Polygon", "coordinates": [[[116.3505, 40.0005], [116.3508, 40.0005],
                                             [116.3508, 40.0008], [116.3505, 40.0005]]]},
        community=created.json["id"], number="3", name="3号楼"), headers=accounts.headers("editor"))
    assert building.json["properties"]["code"] == "110108010000-001-003"
    renamed = client.patch(f"/api/v1/buildings/{building.json['id']}", json=_feature(
        None, version=1, number="7", code="110108010000-001-777"),
        headers=accounts.headers("editor"))
    assert renamed.status_code == 200, renamed.json
    assert renamed.json["properties"]["code"] == "110108010000-001-003"


def test_imported_data_has_valid_unique_codes(imported_app: Flask) -> None:
    with imported_app.app_context():
        db = get_session()
        for model in (Community, Gate, Building, Unit):
            codes = list(db.scalars(select(model.code)))
            assert codes, model
            coded = [c for c in codes if c]
            assert len(set(coded)) == len(coded)
            for code in coded:
                assert str(parse_code(code)) == code
                assert parse_code(code).kind == {Community: "community", Gate: "gate",
                                                 Building: "building", Unit: "unit"}[model]
        # every compound was imported with a street: all coded, committee part 000
        assert all(c.code and c.code[9:12] == "000" for c in db.scalars(select(Community)))
        assert db.scalar(select(func.count()).select_from(Unit).where(Unit.code.is_not(None)))


def test_reimport_never_changes_codes(writable_imported_app: Flask) -> None:
    with writable_imported_app.app_context():
        db = get_session()

        def snapshot() -> dict:
            return {(m.__tablename__, row.id): row.code for m in (Community, Gate, Building, Unit)
                    for row in db.scalars(select(m))}

        before = snapshot()
        filename, division = EXTRACTS["qinghuadonglu"]
        report = import_osm(db, OSM_DIR / filename, division=division,
                            extract=read_extract("qinghuadonglu"))
        assert sum(report.unchanged.values()) > 0
        db.expire_all()
        assert snapshot() == before
        assert allocate_all(db) == 0
