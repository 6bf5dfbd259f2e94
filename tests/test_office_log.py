"""Office pages for riders (app.accounts.views, app.riders.office_views, app.riders.entry_log) on
SQLite and PostGIS: log-in and log-out, pass decisions within the office's scope, the
entry log with its filters and hourly chart, riders still inside, CSV with masked
phones."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from app.db import get_engine, get_session
from app.extensions import limiter
from app.models import AuditEntry, Community, PassPolicy, RiderPass
from app.riders.checkin import read_gate_plate, tap
from app.riders.service import Registration, register, request_pass
from tests.support.accounts import PASSWORD
from tests.support.dbdump import dump_database
from tests.support.riders import (
    Site,
    csrf_token,
    register_rider,
)

DAY = "2026-05-06"
# Beijing local times of the day's taps, as UTC
AT = {hhmm: datetime(2026, 5, 6, int(hhmm[:2]), int(hhmm[3:]), tzinfo=timezone(timedelta(hours=8)))
      .astimezone(UTC) for hhmm in ("08:05", "08:40", "09:15", "20:00", "21:00",
                                              "21:30", "22:30")}
RIDERS = {  # phone: (name, platform)
    "13900000001": ("周一", "meituan"),
    "13900000002": ("=HYPERLINK(\"http://x\")", "eleme"),
    "13900000003": ("吴三", "meituan"),
}


def login(client: FlaskClient, username: str = "editor", next_url: str = "") -> None:
    token = csrf_token(client, "/office/login")
    answer = client.post("/office/login", data={"csrf_token": token, "username": username,
                                                "password": PASSWORD, "next": next_url})
    assert answer.status_code == 302, answer.get_data(as_text=True)


@pytest.fixture
def office(site: Site) -> FlaskClient:
    client = site.app.test_client()
    login(client)
    return client


@pytest.fixture
def day_of_taps(site: Site) -> dict[str, int]:
    """Three riders' taps on one day at two gates (and one the day before)."""
    ids: dict[str, int] = {}
    with site.app.app_context():
        db = get_session()
        gates = [read_gate_plate(db, site.plate(g)) for g in site.gate_ids[:2]]
        community = db.get(Community, site.community_id)
        riders = {}
        for phone, (name, platform) in RIDERS.items():
            rider = register(db, Registration(name, phone, platform, f"ID-{phone[-1]}"))
            db.commit()
            request_pass(db, rider, community, now=AT["08:05"] - timedelta(days=2))
            riders[phone] = rider
        one, two, three = riders.values()
        # one: in 08:05, out 09:15, in 20:00, out 21:00; two: in 08:40, out 22:30;
        # three: in and out the day before, in 21:30
        plan = [(one, 0, "08:05"), (two, 1, "08:40"), (one, 0, "09:15"),
                (one, 1, "20:00"), (one, 1, "21:00"), (three, 0, "21:30"), (two, 0, "22:30")]
        tap(db, three, gates[0], seq=0, now=AT["08:05"] - timedelta(days=1), window_s=0)
        tap(db, three, gates[0], seq=1, now=AT["08:05"] - timedelta(days=1, minutes=-30),
            window_s=0)
        for rider, gate, hhmm in plan:
            tap(db, rider, gates[gate], seq=rider.tap_seq, now=AT[hhmm], window_s=0)
        ids = {"gate0": gates[0].id, "gate1": gates[1].id}
    return ids


def _rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'class="event" data-direction="(in|out)" data-event="(\d+)"', page)


# -- log-in -------------------------------------------------------------------------------


def test_office_pages_need_a_login(site: Site) -> None:
    client = site.app.test_client()
    for url in ("/office/passes", "/office/log", "/office/log.csv", "/office/inside"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/office/login?next=" in answer.headers["Location"]
        as_json = client.get(url, headers={"Accept": "application/json"})
        assert as_json.status_code == 401 and as_json.get_json()["message"] == "请先登录社区账号"


def test_log_in_and_out(site: Site) -> None:
    client = site.app.test_client()
    token = csrf_token(client, "/office/login")
    wrong = client.post("/office/login", data={"csrf_token": token, "username": "editor",
                                               "password": "wrong password"})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.get_data(as_text=True)
    unknown = client.post("/office/login", data={"csrf_token": token, "username": "nobody",
                                                 "password": PASSWORD})
    assert unknown.status_code == 401
    assert client.get("/office/log").status_code == 302
    sneaky = client.post("/office/login", data={"csrf_token": token, "username": "editor",
                                                "password": PASSWORD,
                                                "next": "//evil.example/steal"})
    assert sneaky.headers["Location"] == "/office/"  # never off-site: the office home
    page = client.get("/office/log").get_data(as_text=True)
    assert "editor" in page and "退出登录" in page
    client.post("/office/logout", data={"csrf_token": csrf_token(client, "/office/log")})
    assert client.get("/office/log").status_code == 302


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\\evil.example",
                                    "https://evil.example/", "//evil.example"])
def test_login_never_redirects_off_site(site: Site, target: str) -> None:
    client = site.app.test_client()
    answer = client.post("/office/login", data={"csrf_token": csrf_token(client, "/office/login"),
                                                "username": "editor", "password": PASSWORD,
                                                "next": target})
    assert answer.status_code == 302 and answer.headers["Location"] == "/office/"


def test_a_cookie_copied_before_log_out_no_longer_logs_in(site: Site) -> None:
    client = site.app.test_client()
    login(client)
    copied = client.get_cookie("session")
    assert copied is not None and client.get("/office/log").status_code == 200
    client.post("/office/logout", data={"csrf_token": csrf_token(client, "/office/log")})
    thief = site.app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/office/log").status_code == 302
    assert thief.get("/office/log", headers={"Accept": "application/json"}).status_code == 401
    again = site.app.test_client()
    login(again)  # a new log-in works as before
    assert again.get("/office/log").status_code == 200


def test_login_attempts_are_limited_before_csrf(site: Site, tmp_path: Path) -> None:
    """Ten attempts a minute per address, counted even when the CSRF token is missing."""
    app = create_app({**{k: site.app.config[k] for k in ("DATABASE_URL", "SECRET_KEY",
                                                         "KEYS_DIR")},
                      "TESTING": True, "CACHE_DIR": str(tmp_path), "RATELIMIT_ENABLED": True})
    client = app.test_client()
    try:
        answers = [client.post("/office/login", data={"username": "editor", "password": "x"})
                   .status_code for _ in range(11)]
        token = csrf_token(client, "/office/login")
        good = client.post("/office/login", data={"csrf_token": token, "username": "editor",
                                                  "password": PASSWORD})
    finally:
        limiter.reset()
        app.extensions["db_engine"].dispose()
    assert answers == [400] * 10 + [429]
    assert good.status_code == 429  # the right password too, until the minute is over


def test_login_without_csrf_token_is_refused(site: Site) -> None:
    client = site.app.test_client()
    answer = client.post("/office/login", data={"username": "editor", "password": PASSWORD})
    assert answer.status_code == 400 and "页面已过期" in answer.get_data(as_text=True)


# -- pass decisions -----------------------------------------------------------------------


def test_office_approves_a_pass_request(site: Site, office: FlaskClient) -> None:
    token = csrf_token(office, "/office/passes")
    set_rule = office.post("/office/policy", data={"csrf_token": token, "approval": "approval",
                                                    "validity_days": "60", "scope": "community"})
    assert set_rule.status_code == 302
    rider = site.app.test_client()
    gate = site.gate_url(site.gate_ids[0])
    register_rider(rider, site.app, next_url=gate)
    waiting = rider.get(gate).get_data(as_text=True)
    assert 'data-reason="pass_pending"' in waiting and "等待社区审核" in waiting
    listed = office.get("/office/passes").get_data(as_text=True)
    pass_id = re.search(r'data-pass="(\d+)" data-state="pending"', listed).group(1)
    assert "张三" in listed and "138****5678" in listed and "13812345678" not in listed
    office.post(f"/office/passes/{pass_id}/approve", data={"csrf_token": token})
    assert 'id="tap"' in rider.get(gate).get_data(as_text=True)
    with site.app.app_context():
        db = get_session()
        held = db.get(RiderPass, int(pass_id))
        assert held.status == "active" and held.decided_by == "editor"
        assert held.valid_until - held.valid_from == timedelta(days=60)
        assert db.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "pass_approve")) == 1


@pytest.mark.parametrize(("steps", "state", "words"), [
    (["reject"], "rejected", "申请未通过"),
    (["suspend"], "suspended", "已被社区暂停"),
    (["suspend", "approve"], "active", None),
    (["revoke"], "revoked", "已被吊销"),
])
def test_office_decisions_reach_the_rider(site: Site, office: FlaskClient, steps: list[str],
                                          state: str, words: str | None) -> None:
    token = csrf_token(office, "/office/passes")
    if steps == ["reject"]:
        office.post("/office/policy", data={"csrf_token": token, "approval": "approval",
                                            "validity_days": "30", "scope": "community"})
    rider = site.app.test_client()
    gate = site.gate_url(site.gate_ids[0])
    register_rider(rider, site.app, next_url=gate)
    pass_id = _one_pass_id(site)
    for step in steps:
        answer = office.post(f"/office/passes/{pass_id}/{step}",
                             data={"csrf_token": token, "note": "测试"})
        assert answer.status_code == 302, answer.get_data(as_text=True)
    page = rider.get(gate).get_data(as_text=True)
    assert f'data-state="{state}"' in page
    if words:
        assert words in page and 'id="tap"' not in page
    else:
        assert 'id="tap"' in page


def _one_pass_id(site: Site) -> int:
    with site.app.app_context():
        return get_session().scalars(select(RiderPass.id)).one()


def test_decisions_stay_in_the_office_scope(site: Site) -> None:
    rider = site.app.test_client()
    register_rider(rider, site.app, next_url=site.gate_url(site.gate_ids[0]))
    pass_id = _one_pass_id(site)
    outsider = site.app.test_client()
    login(outsider, "other")
    assert f'data-pass="{pass_id}"' not in outsider.get("/office/passes?status=all").get_data(
        as_text=True)
    token = csrf_token(outsider, "/office/passes")
    with site.app.app_context():
        before = dump_database(get_engine())
    refused = outsider.post(f"/office/passes/{pass_id}/suspend", data={"csrf_token": token})
    assert refused.status_code == 403 and "不归您的社区管理" in refused.get_data(as_text=True)
    bogus = outsider.post(f"/office/passes/{pass_id}/delete", data={"csrf_token": token})
    assert bogus.status_code in (400, 403)
    with site.app.app_context():
        assert dump_database(get_engine()) == before
    admin = site.app.test_client()
    login(admin, "admin")
    assert f'data-pass="{pass_id}"' in admin.get("/office/passes?status=all").get_data(
        as_text=True)


@pytest.mark.parametrize(("form", "field"), [
    ({"approval": "sometimes"}, "审核方式"),
    ({"validity_days": "0"}, "有效天数"),
    ({"validity_days": "ninety"}, "有效天数应为整数"),
    ({"scope": "city"}, "适用范围"),
])
def test_bad_policy_changes_nothing(site: Site, office: FlaskClient, form: dict,
                                   field: str) -> None:
    token = csrf_token(office, "/office/passes")
    values = {"csrf_token": token, "approval": "auto", "validity_days": "30",
              "scope": "community", **form}
    with site.app.app_context():
        before = dump_database(get_engine())
    answer = office.post("/office/policy", data=values)
    assert answer.status_code == 400 and field in answer.get_data(as_text=True)
    with site.app.app_context():
        assert dump_database(get_engine()) == before
        assert get_session().scalar(select(func.count()).select_from(PassPolicy)) == 0


# -- the log ------------------------------------------------------------------------------


def test_entry_log_with_filters(site: Site, office: FlaskClient,
                                day_of_taps: dict[str, int]) -> None:
    page = office.get(f"/office/log?date={DAY}").get_data(as_text=True)
    assert len(_rows(page)) == 7
    assert "139****0001" in page and "13900000001" not in page
    assert 'http-equiv="refresh"' not in page  # a past day is not live
    by_gate = office.get(f"/office/log?date={DAY}&gate={day_of_taps['gate1']}").get_data(
        as_text=True)
    assert len(_rows(by_gate)) == 3
    by_platform = office.get(f"/office/log?date={DAY}&platform=eleme").get_data(as_text=True)
    assert len(_rows(by_platform)) == 2
    day_before = office.get("/office/log?date=2026-05-05").get_data(as_text=True)
    assert len(_rows(day_before)) == 2
    assert 'http-equiv="refresh"' in office.get("/office/log").get_data(as_text=True)


def test_entries_per_hour_chart(site: Site, office: FlaskClient, day_of_taps) -> None:
    page = office.get(f"/office/log?date={DAY}").get_data(as_text=True)
    bars = {int(h): int(c) for h, c in re.findall(
        r'data-hour="(\d+)" data-count="(\d+)"', page)}
    assert len(bars) == 24 and "<svg" in page and "<script" not in page
    # entries: 08:05 (one), 08:40 (two), 20:00 (one), 21:30 (three); 22:30 is two leaving
    assert bars == {**{h: 0 for h in range(24)}, 8: 2, 20: 1, 21: 1}


@pytest.mark.parametrize(("clock", "inside"), [
    ("08:50", {"周一", "=HYPERLINK(\"http://x\")"}),
    ("22:00", {"吴三", "=HYPERLINK(\"http://x\")"}),
    ("23:00", {"吴三"}),
])
def test_riders_still_inside(site: Site, office: FlaskClient, day_of_taps, clock: str,
                             inside: set[str]) -> None:
    page = office.get(f"/office/inside?date={DAY}&time={clock}").get_data(as_text=True)
    rows = re.findall(r'<tr class="inside".*?</tr>', page, re.S)
    names = {name for name in RIDERS_NAMES if any(_escaped(name) in row for row in rows)}
    assert names == inside and len(rows) == len(inside)


RIDERS_NAMES = [name for name, _ in RIDERS.values()]


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&#34;").replace("<", "&lt;")


def test_csv_export_masks_phones_and_defuses_formulas(site: Site, office: FlaskClient,
                                                      day_of_taps) -> None:
    answer = office.get(f"/office/log.csv?date={DAY}&gate=&platform=")
    assert answer.mimetype == "text/csv"
    assert f"youlu-entry-log-{DAY}.csv" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["时间", "方向", "小区", "出入口"] and len(rows) == 8
    assert {row[6] for row in rows[1:]} == {"139****0001", "139****0002", "139****0003"}
    assert not re.search(r"1[3-9]\d{9}", text)
    assert all(not row[5].startswith("=") for row in rows[1:])
    assert "'=HYPERLINK" in text
    assert rows[-1][0] == "2026-05-06 08:05:00" and rows[-1][1] == "进"


def test_other_offices_see_nothing(site: Site, day_of_taps) -> None:
    outsider = site.app.test_client()
    login(outsider, "other")
    assert _rows(outsider.get(f"/office/log?date={DAY}").get_data(as_text=True)) == []
    csv_text = outsider.get(f"/office/log.csv?date={DAY}").get_data(as_text=True)
    assert len(csv_text.strip().splitlines()) == 1
    assert "吴三" not in outsider.get(f"/office/inside?date={DAY}&time=23:00").get_data(
        as_text=True)


@pytest.mark.parametrize("query", ["date=2026-13-01", "date=yesterday", "gate=north",
                                   "platform=uber"])
def test_bad_filters_are_explained(office: FlaskClient, query: str) -> None:
    answer = office.get(f"/office/log?{query}")
    assert answer.status_code == 400 and 'role="alert"' in answer.get_data(as_text=True)


def test_a_rejected_rider_applies_again_at_the_gate(site: Site, office: FlaskClient) -> None:
    token = csrf_token(office, "/office/passes")
    office.post("/office/policy", data={"csrf_token": token, "approval": "approval",
                                        "validity_days": "30", "scope": "community"})
    rider = site.app.test_client()
    gate = site.gate_url(site.gate_ids[0])
    register_rider(rider, site.app, next_url=gate)
    office.post(f"/office/passes/{_one_pass_id(site)}/reject", data={"csrf_token": token})
    page = rider.get(gate).get_data(as_text=True)
    assert 'data-reason="pass_rejected"' in page and 'id="apply"' in page
    again = rider.post(gate + "/apply", data={"csrf_token": csrf_token(rider, gate)})
    assert again.status_code == 302 and again.headers["Location"] == gate
    assert 'data-reason="pass_pending"' in rider.get(gate).get_data(as_text=True)
    assert 'data-state="pending"' in office.get("/office/passes").get_data(as_text=True)
