"""Ids past the integer range (app.ids) on SQLite and PostGIS: every place an id arrives
from outside (API paths and bodies, /r/<id>, posters, report pages, the entry log, a
gate page's ``event=``) answers 404 or a clear error, never a 500, and changes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.db import get_engine
from tests.support.accounts import PASSWORD
from tests.support.dbdump import dump_database
from tests.support.riders import Site, csrf_token, register_rider

# PostgreSQL's integer ends at 2^31 - 1, SQLite's at 2^63 - 1; 10^30 is past both
BIG = [2**31, 2**63, 10**30]


def _office(site: Site) -> FlaskClient:
    client = site.app.test_client()
    answer = client.post("/office/login", data={"csrf_token": csrf_token(client, "/office/login"),
                                                "username": "editor", "password": PASSWORD})
    assert answer.status_code == 302
    return client


@pytest.mark.parametrize("big", BIG)
def test_ids_past_the_range_are_not_found(site: Site, big: int) -> None:
    with site.app.app_context():
        before = dump_database(get_engine())
    client = site.app.test_client()
    admin = site.accounts.headers("admin")
    api = {("GET", f"/api/v1/communities/{big}"), ("PUT", f"/api/v1/communities/{big}"),
           ("PATCH", f"/api/v1/gates/{big}"), ("DELETE", f"/api/v1/units/{big}"),
           ("GET", f"/api/v1/buildings/{big}/history"),
           ("POST", f"/api/v1/buildings/{big}/revert"),
           ("GET", f"/api/v1/communities/{big}/checks"),
           ("GET", f"/api/v1/communities/{big}/deleted"),
           ("GET", f"/api/v1/map/communities/{big}")}
    for method, url in sorted(api):
        answer = client.open(url, method=method, headers=admin,
                             json={"type": "Feature", "properties": {}, "geometry": None,
                                   "entry": 1, "version": 1})
        assert answer.status_code == 404, (method, url, answer.status_code)
        assert answer.is_json and answer.get_json()["message"], url
    revert = client.post(f"/api/v1/communities/{site.community_id}/revert", headers=admin,
                         json={"entry": big, "version": 1})
    assert revert.status_code == 404 and "修改记录" in revert.get_json()["message"]
    for url in (f"/r/{big}", f"/r/{big}/posters", f"/posters/{big}.pdf", f"/report/thanks/{big}"):
        answer = client.get(url)
        assert answer.status_code == 404, (url, answer.status_code)
        assert "找不到" in answer.get_data(as_text=True) or "页面不存在" in answer.get_data(
            as_text=True), url
    office = _office(site)
    for url in (f"/office/reports/{big}/photo.jpg", f"/office/log?gate={big}"):
        assert office.get(url).status_code in (400, 404), url
    assert office.post(f"/office/reports/{big}/status",
                       data={"csrf_token": csrf_token(office, "/office/passes"),
                             "status": "resolved"}).status_code == 404
    with site.app.app_context():
        assert dump_database(get_engine()) == before


@pytest.mark.parametrize("big", BIG)
def test_a_gate_page_with_an_event_past_the_range_is_shown(site: Site, big: int) -> None:
    client = site.app.test_client()
    register_rider(client, site.app)
    answer = client.get(f"{site.gate_url(site.gate_ids[0])}?event={big}")
    assert answer.status_code == 200 and "通行" in answer.get_data(as_text=True)
