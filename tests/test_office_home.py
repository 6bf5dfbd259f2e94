"""The office home (app.office): its compounds with their checklists, pending passes and
new reports, plates and posters printed from it (app.plates.printing), and a
confirmation after each office action; on SQLite and PostGIS."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.db import get_session
from app.models import AuditEntry, Community, Gate
from tests.support.accounts import PASSWORD
from tests.support.riders import Site, csrf_token, register_rider


def _login(client: FlaskClient, username: str = "editor") -> None:
    token = csrf_token(client, "/office/login")
    answer = client.post("/office/login", data={"csrf_token": token, "username": username,
                                                "password": PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"] == "/office/"


@pytest.fixture
def office(site: Site) -> FlaskClient:
    client = site.app.test_client()
    _login(client)
    return client


def _checks(page: str, community_id: int) -> dict[str, str]:
    card = page.split(f'data-community="{community_id}"', 1)[1].split("</article>", 1)[0]
    return dict((key, state) for state, key in
                re.findall(r'<li class="(done|todo)" data-check="(\w+)"', card))


def test_the_way_in_from_the_landing_page(site: Site) -> None:
    client = site.app.test_client()
    landing = client.get("/").get_data(as_text=True)
    assert 'id="office-login" href="/office/"' in landing and "社区办公：登录" in landing
    assert client.get("/office").headers["Location"].endswith("/office/")
    home = client.get("/office/")
    assert home.status_code == 302 and "/office/login?next=/office/" in home.headers["Location"]
    _login(client)
    assert "社区办公：进入办公首页" in client.get("/").get_data(as_text=True)


def test_home_lists_the_compounds_with_their_checklists(site: Site, office: FlaskClient) -> None:
    page = office.get("/office/").get_data(as_text=True)
    with site.app.app_context():
        names = set(get_session().scalars(select(Community.name)))
    assert all(name in page for name in names)
    checks = _checks(page, site.community_id)
    assert list(checks) == ["gates_confirmed", "units_numbered", "plates_printed",
                            "posters_printed", "pass_policy", "facilities"]
    assert checks["plates_printed"] == checks["posters_printed"] == checks["pass_policy"] == "todo"
    assert checks["units_numbered"] == "done"
    assert 'href="/office/communities/' in page and 'data-action="posters"' in page
    assert "没有待审核的申请" in page and "没有新的报告" in page


def test_gates_guessed_by_the_import_leave_gates_unconfirmed(site: Site,
                                                              office: FlaskClient) -> None:
    ours = Gate.community_id == site.community_id
    with site.app.app_context():
        db = get_session()
        guessed = db.scalar(select(func.count()).select_from(Gate).where(
            ours, Gate.source.in_(("inferred", "proposed"))))
    page = office.get("/office/").get_data(as_text=True)
    assert guessed and f"{guessed} 个推测的出入口待核实" in page
    assert _checks(page, site.community_id)["gates_confirmed"] == "todo"
    with site.app.app_context():
        db = get_session()
        db.execute(update(Gate).where(ours).values(source="office"))
        db.commit()
    assert _checks(office.get("/office/").get_data(as_text=True),
                   site.community_id)["gates_confirmed"] == "done"


def test_printing_plates_and_a_poster_ticks_the_checklist(site: Site, office: FlaskClient) -> None:
    page = office.get("/office/").get_data(as_text=True)
    card = page.split(f'data-community="{site.community_id}"', 1)[1]
    plates_url = re.search(r'href="([^"]+plates\.zip)"', card).group(1)
    answer = office.get(plates_url)
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(answer.data)).namelist()
    posters_url = re.search(r'href="([^"]+/posters)" data-action="posters"', card).group(1)
    posters = office.get(posters_url).get_data(as_text=True)
    poster_url = re.search(r'href="(/posters/[^"]+\.pdf[^"]*)"', posters).group(1)
    poster = office.get(poster_url.replace("&amp;", "&"))
    assert poster.status_code == 200 and poster.data.startswith(b"%PDF")
    anonymous = site.app.test_client().get(poster_url.replace("&amp;", "&"))
    assert anonymous.status_code == 200
    with site.app.app_context():
        prints = get_session().scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "print"))
    assert prints == 2  # the anonymous download is not the office printing
    checks = _checks(office.get("/office/").get_data(as_text=True), site.community_id)
    assert checks["plates_printed"] == checks["posters_printed"] == "done"


def test_approving_a_pass_is_confirmed_and_only_fitting_actions_are_offered(
        site: Site, office: FlaskClient) -> None:
    token = csrf_token(office, "/office/passes")
    answer = office.post("/office/policy", data={"csrf_token": token, "approval": "approval",
                                                 "validity_days": "30", "scope": "community"})
    assert "已保存本社区的通行证规则" in office.get(answer.headers["Location"]).get_data(as_text=True)
    register_rider(site.app.test_client(), site.app, next_url=site.gate_url(site.gate_ids[0]))
    home = office.get("/office/").get_data(as_text=True)
    assert "待审核的通行证（1）" in home
    assert _checks(home, site.community_id)["pass_policy"] == "done"
    listed = office.get("/office/passes").get_data(as_text=True)
    row = listed.split('data-state="pending"', 1)[1].split("</tr>", 1)[0]
    pass_id = re.search(r"/office/passes/(\d+)/approve", row).group(1)
    assert "action-approve" in row and "action-reject" in row and "action-revoke" not in row
    answer = office.post(f"/office/passes/{pass_id}/approve", data={"csrf_token": token})
    after = office.get(answer.headers["Location"]).get_data(as_text=True)
    assert re.search(r'class="notice ok flash"[^>]*>已批准通行证（.+）：现在是“有效”', after)
    assert "已批准" not in office.get("/office/passes").get_data(as_text=True)  # shown once
