"""What the report, points and Open311 tests share: log-ins, a registered rider's
client, a point inside the rider site's main compound, and filing and moving reports
through the real pages."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import get_session
from app.models import Community, Rider
from tests.support.accounts import PASSWORD
from tests.support.riders import PHONE, Site, csrf_token, register_rider

_NUMBER = re.compile(r'id="report-number">(\d+)<')


def login(client: FlaskClient, username: str) -> FlaskClient:
    """``client`` logged in as the office user ``username`` (editor, other, admin)."""
    token = csrf_token(client, "/office/login")
    answer = client.post("/office/login", data={"csrf_token": token, "username": username,
                                                "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def rider_client(site: Site, *, phone: str = PHONE, name: str = "张三") -> tuple[FlaskClient, int]:
    """A client holding a registered rider's device cookie, and the rider's id."""
    client = site.app.test_client()
    answer = register_rider(client, site.app, phone=phone, name=name,
                            rider_id=f"MT-{phone[-4:]}")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with site.app.app_context():
        rider_id = get_session().scalars(select(Rider.id).order_by(Rider.id.desc())).first()
    return client, rider_id


def inside(app: Flask, community_id: int) -> tuple[str, str]:
    """(lon, lat) as form text of a point inside the compound."""
    with app.app_context():
        point = get_session().get(Community, community_id).geom.representative_point()
    return f"{point.x:.6f}", f"{point.y:.6f}"


def file_report(client: FlaskClient, url: str, **fields: str) -> FlaskClient:
    """POST the form at ``url`` with ``fields``; returns the response."""
    data = {"csrf_token": csrf_token(client, url), **fields}
    return client.post(url, data=data)


def report_number(client: FlaskClient, follow_url: str) -> int:
    """The report number on the follow page a filed report redirects to."""
    return int(_NUMBER.search(client.get(follow_url).get_data(as_text=True)).group(1))


def move(office: FlaskClient, report_id: int, status: str, note: str = "") -> None:
    """The office moves a report to ``status`` through its page."""
    token = csrf_token(office, "/office/reports")
    answer = office.post(f"/office/reports/{report_id}/status",
                         data={"csrf_token": token, "status": status, "office_note": note})
    assert answer.status_code == 302, answer.get_data(as_text=True)
