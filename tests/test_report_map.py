"""The map on the office's reports page (app.reports.report_map, maps.reports_map): the
located reports in the list, each a marker; no map when none has a location."""

from __future__ import annotations

import json
import re

from app.db import get_session
from app.models import Gate
from app.reports.service import ReportForm, file_report
from geo import reports
from tests.support.accounts import PASSWORD
from tests.support.riders import Site, csrf_token


def _office(site: Site):  # noqa: ANN202
    client = site.app.test_client()
    token = csrf_token(client, "/office/login")
    client.post("/office/login", data={"csrf_token": token, "username": "editor",
                                       "password": PASSWORD})
    return client


def test_located_reports_are_on_the_map(site: Site) -> None:
    office = _office(site)
    assert 'id="reports-map"' not in office.get("/office/reports").get_data(as_text=True)
    kind = next(iter(reports.KIND_ZH))
    with site.app.app_context():
        db = get_session()
        gate = db.get(Gate, site.gate_ids[0])
        placed = file_report(db, ReportForm(kind=kind, text="门口堆了杂物", code=gate.code,
                                            lon=str(gate.geom.x), lat=str(gate.geom.y)))
        file_report(db, ReportForm(kind=kind, text="没有位置", code=gate.code))
        db.commit()
        placed_id = placed.id
    page = office.get("/office/reports").get_data(as_text=True)
    assert 'id="reports-map"' in page and "Youlu.reportsMap" in page
    data = json.loads(re.search(r"Youlu\.reportsMap\([^,]+, (\{.*\})\);", page).group(1))
    assert [r["id"] for r in data["reports"]] == [placed_id]
    assert data["reports"][0]["kind_zh"] == reports.KIND_ZH[kind]
    assert data["reports"][0]["text"] == "门口堆了杂物"
