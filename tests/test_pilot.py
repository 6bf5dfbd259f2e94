"""Pilot progress on the imported extracts (SQLite and PostGIS): the checklist counts
equal a recount from the database, offices tick only their own compounds (audited), the
weekly snapshot holds the counts, and the PDF report carries its Chinese text (pypdf)
and the XLSX its rows."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.db import get_session
from app.models import (
    AuditEntry,
    Building,
    Community,
    EntryEvent,
    Gate,
    PilotSnapshot,
    Report,
    Rider,
    Unit,
)
from geo.hours.opening_hours import local_time
from tests.support.accounts import PASSWORD, make_accounts
from tests.support.riders import csrf_token

STREET = "110108010"  # 清华东路
NOON = "2025-05-06T12:00"


@pytest.fixture
def writable_routed_app(writable_imported_app: Flask, routing_cache: Path) -> Flask:
    writable_imported_app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    return writable_imported_app


def _progress(app: Flask) -> dict:
    response = app.test_client().get(f"/api/v1/planner/pilot?code={STREET}&at={NOON}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_counts_equal_a_recount(writable_routed_app: Flask) -> None:
    app = writable_routed_app
    with app.app_context():
        db = get_session()
        ids = [c.id for c in db.scalars(select(Community).where(Community.division_code.like(f"{STREET}%")))]
        db.add(Report(kind="blocked", community_id=ids[0], status="resolved"))
        db.add(Report(kind="blocked", community_id=ids[1], status="new"))
        db.commit()
        open_gate = set(db.scalars(select(Gate.community_id).where(
            Gate.rider_access == "open", Gate.community_id.in_(ids))))
    body = _progress(app)
    rows = {r["id"]: r for r in body["compounds"]}
    assert set(rows) == set(ids)
    assert {cid for cid, r in rows.items() if r["items"]["6"]} == open_gate
    assert {cid for cid, r in rows.items() if r["items"]["17"]} == {ids[0]}
    assert not any(r["items"]["4"] for r in rows.values())  # nobody ticked yet
    for r in rows.values():
        station = r["times"]["station"]
        assert r["items"]["8"] == (station is not None and station <= 900)
    street = body["groups"]["street"][STREET]
    for spec in body["items"]:
        item = spec["item"]
        assert street["items"][item] == {"done": sum(r["items"][item] for r in rows.values()),
                                         "total": len(ids)}


def test_offices_tick_their_own_compounds_audited(writable_routed_app: Flask) -> None:
    app = writable_routed_app
    accounts = make_accounts(app, division=STREET)
    with app.app_context():
        cid = get_session().scalar(select(Community.id).where(Community.division_code.like(f"{STREET}%")))
    client = app.test_client()
    body = {"community_id": cid, "item": "4", "done": True}
    assert client.post("/api/v1/planner/pilot/ticks", json=body).status_code == 401
    away = client.post("/api/v1/planner/pilot/ticks", json=body, headers=accounts.headers("other_editor"))
    assert away.status_code == 403 and away.get_json()["message"]
    bad = client.post("/api/v1/planner/pilot/ticks", json={**body, "item": "8"},
                      headers=accounts.headers("editor"))
    assert bad.status_code == 400 and "不能手动勾选" in bad.get_json()["message"]
    ok = client.post("/api/v1/planner/pilot/ticks", json=body, headers=accounts.headers("editor"))
    assert ok.status_code == 200, ok.get_json()
    rows = {r["id"]: r for r in _progress(app)["compounds"]}
    assert rows[cid]["items"]["4"] is True
    result = app.test_cli_runner().invoke(args=["pilot-snapshot", "--week", "2025-05-07"])
    assert result.exit_code == 0 and "已保存试点进展快照" in result.output, result.output
    with app.app_context():
        db = get_session()
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "pilot_tick")).one()
        assert entry.after == {"community_id": cid, "item": "4", "done": True}
        snap = db.scalars(select(PilotSnapshot).where(PilotSnapshot.code == STREET,
                                                      PilotSnapshot.item == "4")).one()
        assert snap.week == date(2025, 5, 5) and (snap.done, snap.total) == (1, len(rows))
        assert db.scalar(select(func.count()).select_from(PilotSnapshot)) > 0
    weeks = _progress(app)["history"]
    assert list(weeks) == ["2025-05-05"] and weeks["2025-05-05"]["4"] == {"done": 1, "total": len(rows)}


def test_pdf_report_has_the_chinese_text_and_the_xlsx_the_rows(routed_app: Flask) -> None:
    client = routed_app.test_client()
    response = client.get(f"/planner/pilot.pdf?code={STREET}&at={NOON}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "骑手友好社区试点进展报告" in text
    assert "门牌已印制并安装" in text and "北京时间" in text
    with routed_app.app_context():
        names = set(get_session().scalars(select(Community.name).where(
            Community.division_code.like(f"{STREET}%"))))
    response = client.get(f"/planner/pilot.xlsx?code={STREET}&at={NOON}")
    sheet = load_workbook(io.BytesIO(response.data))["小区清单"]
    assert {sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)} == names
    assert sheet.cell(1, 4).value.startswith("4.")


def _office_client(app: Flask, username: str):
    client = app.test_client()
    token = csrf_token(client, "/office/login")
    answer = client.post("/office/login", data={"csrf_token": token, "username": username,
                                                "password": PASSWORD})
    assert answer.status_code == 302
    return client


def test_offices_tick_from_their_page_with_csrf_audited(writable_routed_app: Flask) -> None:
    app = writable_routed_app
    make_accounts(app, division=STREET)
    with app.app_context():
        db = get_session()
        mine = list(db.scalars(select(Community).where(Community.division_code.like(f"{STREET}%"))))
    cid = mine[0].id
    client = _office_client(app, "editor")
    page = client.get("/office/pilot").get_data(as_text=True)
    assert "试点进展清单" in page and all(c.name in page for c in mine)
    assert page.count('name="item_4"') == len(mine) and page.count('name="item_5"') == len(mine)
    row = page.split(f'data-community="{cid}"', 1)[1].split("</tr>", 1)[0]
    data_items = dict(re.findall(r'data-item="(\w+)">(是|否)<', row))
    assert set(data_items) == {"6", "8", "9", "10", "11", "17", "20"}
    recount = {r["id"]: r for r in _progress(app)["compounds"]}[cid]["items"]
    assert {k: v == "是" for k, v in data_items.items()} == {k: recount[k] for k in data_items}
    token = re.search(r'name="csrf_token" value="([^"]+)"', row).group(1)
    # No token: refused, nothing changes.
    refused = client.post(f"/office/pilot/{cid}", data={"item_4": "1"})
    assert refused.status_code == 400
    assert {r["id"]: r for r in _progress(app)["compounds"]}[cid]["items"]["4"] is False
    saved = client.post(f"/office/pilot/{cid}", data={"csrf_token": token, "item_4": "1"},
                        follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "门牌已印制并安装：已完成" in text
    items = {r["id"]: r for r in _progress(app)["compounds"]}[cid]["items"]
    assert items["4"] is True and items["5"] is False
    # Another street's office may not tick this compound.
    away = _office_client(app, "other")
    other_token = csrf_token(away, "/office/pilot")
    assert away.post(f"/office/pilot/{cid}", data={"csrf_token": other_token}).status_code == 403
    assert {r["id"]: r for r in _progress(app)["compounds"]}[cid]["items"]["4"] is True
    with app.app_context():
        entries = get_session().scalars(select(AuditEntry).where(AuditEntry.action == "pilot_tick")).all()
        assert [e.after for e in entries] == [{"community_id": cid, "item": "4", "done": True}]


def test_minutes_saved_per_delivery_from_check_ins_and_routes(writable_routed_app: Flask) -> None:
    app = writable_routed_app
    with app.app_context():
        db = get_session()
        unit = db.scalars(select(Unit).join(Building, Unit.building_id == Building.id)
                          .join(Community, Building.community_id == Community.id)
                          .where(Community.division_code.is_not(None)).order_by(Unit.id)).first()
        cid = unit.building.community_id
        street = db.get(Community, cid).division_code[:9]
        gate = db.scalars(select(Gate).where(Gate.community_id == cid)).first()
        rider = Rider(phone_digest="d" * 64, phone_enc="x", name_enc="x", platform="meituan",
                      platform_rider_id_enc="x")
        db.add(rider)
        db.flush()
        seq = 0
        for day, minutes in [(1, 14), (2, 10), (3, 12), (20, 7), (21, 9)]:
            entered = local_time(f"2025-05-{day:02d}T11:00")
            for direction, at in (("in", entered), ("out", entered + timedelta(minutes=minutes))):
                seq += 1
                db.add(EntryEvent(rider_id=rider.id, seq=seq, gate_id=gate.id, community_id=cid,
                                  unit_id=unit.id, direction=direction, platform="meituan", at=at))
        db.commit()
    client = app.test_client()
    body = client.get(f"/api/v1/planner/pilot?code={street}&at={NOON}&since=2025-05-15").get_json()
    mine = body["savings"]["compounds"][str(cid)]
    assert (mine["before_n"], mine["after_n"]) == (3, 2)
    assert (mine["before_min"], mine["after_min"], mine["saved_min"]) == (12.0, 8.0, 4.0)
    assert mine["route_min"] is not None and 0 < mine["route_min"] < 30
    assert body["division_savings"]["saved_min"] == 4.0
    bad = client.get(f"/api/v1/planner/pilot?code={street}&since=May")
    assert bad.status_code == 400 and "since" in bad.get_json()["message"]
    book = load_workbook(io.BytesIO(client.get(
        f"/planner/pilot.xlsx?code={street}&at={NOON}&since=2025-05-15").data))
    rows = list(book["每单节省"].iter_rows(min_row=2, values_only=True))
    assert [r[2:7] for r in rows] == [(3, 12.0, 2, 8.0, 4.0)]
    pdf = client.get(f"/planner/pilot.pdf?code={street}&at={NOON}&since=2025-05-15")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "每单节省 4.0 分钟" in text
