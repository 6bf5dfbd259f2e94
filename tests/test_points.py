"""The points ledger and rewards (app.points.ledger, rewards, views; geo.points) on
SQLite and PostGIS: rewards offered, points awarded, a meal redeemed and its code
confirmed with balances agreeing everywhere; reversals only by reversing entries; bad
input refused with nothing changed (a dump); and on PostgreSQL 20 parallel redemptions
against a balance that covers 5."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import get_engine, get_session
from app.models import AuditEntry, Office, PointAccount, PointEntry, Redemption, Reward, Rider
from app.models.base import utcnow
from app.points.ledger import Source, balance, earn, ledger_sum
from app.points.rewards import redeem
from geo import points
from geo.errors import InvalidInput
from geo.hours.opening_hours import local_time
from tests.support.dbdump import dump_database
from tests.support.reports import login, rider_client
from tests.support.riders import Site, csrf_token

OTHER_PHONE = "13900001111"


def _office_id(app: Flask, name: str = "学院路街道测试社区") -> int:
    with app.app_context():
        return get_session().scalars(select(Office.id).where(Office.name == name)).one()


def add_reward(office: FlaskClient, *, title: str = "小哥食堂午餐", cost: str = "10",
               stock: str = "3", days: tuple[int, int] = (0, 30), **extra: str):
    today = local_time().date()
    return office.post("/office/points/rewards", data={
        "csrf_token": csrf_token(office, "/office/points"), "title": title, "kind": "meal",
        "merchant": "友好商家·张记面馆", "cost": cost, "stock": stock,
        "valid_from": (today + timedelta(days=days[0])).isoformat(),
        "valid_until": (today + timedelta(days=days[1])).isoformat(), **extra})


def award(office: FlaskClient, rider_id: int | str, amount: str, note: str = "协助疏导交通"):
    return office.post("/office/points/award", data={
        "csrf_token": csrf_token(office, "/office/points"), "rider_id": str(rider_id),
        "points": amount, "note": note})


def reward_id(app: Flask, title: str = "小哥食堂午餐") -> int:
    with app.app_context():
        return get_session().scalars(select(Reward.id).where(Reward.title == title)).one()


def redeem_page(rider: FlaskClient, reward: int):
    return rider.post(f"/pass/points/redeem/{reward}",
                      data={"csrf_token": csrf_token(rider, "/pass/points/")})


def confirm(office: FlaskClient, code: str, tail: str):
    return office.post("/office/points/confirm", data={
        "csrf_token": csrf_token(office, "/office/points"), "code": code, "phone_tail": tail})


def test_award_redeem_confirm_and_balances_agree(site: Site) -> None:
    office = login(site.app.test_client(), "editor")
    rider, rider_id = rider_client(site)
    assert add_reward(office).status_code == 302
    assert award(office, rider_id, "25").status_code == 302
    meal = reward_id(site.app)

    page = rider.get("/pass/points/").get_data(as_text=True)
    assert 'id="balance">25<' in page and "小哥食堂午餐" in page and "社区认定的行动：协助疏导交通" in page
    redeemed = redeem_page(rider, meal)
    html = redeemed.get_data(as_text=True)
    assert redeemed.status_code == 200, html
    code = re.search(r'id="redeemed-code">([A-Z0-9]+)<', html).group(1)
    assert len(code) == 6 and set(code) <= set(points.CODE_ALPHABET)
    assert 'id="balance">15<' in html and f'data-code="{code}" data-status="issued"' in html

    done = confirm(office, code.lower()[:3] + "-" + code.lower()[3:], "5678")
    assert done.status_code == 200 and 'id="confirmed"' in done.get_data(as_text=True)
    again = confirm(office, code, "5678")
    assert again.status_code == 400 and "已经用过" in again.get_data(as_text=True)

    assert f'data-code="{code}" data-status="confirmed"' in rider.get("/pass/points/").get_data(
        as_text=True)
    assert 'id="home-balance">15<' in rider.get("/pass/").get_data(as_text=True)
    totals = office.get("/office/points").get_data(as_text=True)
    assert f'<tr data-rider="{rider_id}"><td>{rider_id}</td><td>25</td><td>10</td></tr>' in totals
    assert f'<tr data-reward="{meal}"><td>小哥食堂午餐</td><td>1</td><td>10</td></tr>' in totals
    with site.app.app_context():
        db = get_session()
        assert balance(db, rider_id) == ledger_sum(db, rider_id) == 15
        assert db.get(Reward, meal).stock == 2
        entries = db.scalars(select(PointEntry).order_by(PointEntry.id)).all()
        assert [(e.amount, e.reason, e.actor) for e in entries] == [
            (25, "office_action", "editor"), (-10, "redeem", f"rider:{rider_id}")]
        assert entries[1].redemption_id == db.scalars(select(Redemption.id)).one()
        actions = [a.action for a in db.scalars(select(AuditEntry).where(
            AuditEntry.table_name.in_(("rewards", "point_entries", "redemptions")))
            .order_by(AuditEntry.id))]
        assert actions == ["reward_create", "points", "points", "redeem_confirm"]


def test_reversal_is_an_entry_and_only_once(site: Site) -> None:
    office = login(site.app.test_client(), "editor")
    _rider, rider_id = rider_client(site)
    award(office, rider_id, "8")
    with site.app.app_context():
        entry_id = get_session().scalars(select(PointEntry.id)).one()
    token = csrf_token(office, "/office/points")
    first = office.post(f"/office/points/entries/{entry_id}/reverse",
                        data={"csrf_token": token, "note": "记错了人"})
    assert first.status_code == 302
    second = office.post(f"/office/points/entries/{entry_id}/reverse", data={"csrf_token": token})
    assert second.status_code == 400 and "已经冲正过" in second.get_data(as_text=True)
    other = login(site.app.test_client(), "other")
    foreign = other.post(f"/office/points/entries/{entry_id}/reverse",
                         data={"csrf_token": csrf_token(other, "/office/points")})
    assert foreign.status_code == 403
    with site.app.app_context():
        db = get_session()
        rows = db.scalars(select(PointEntry).order_by(PointEntry.id)).all()
        assert [(e.amount, e.reason, e.reverses_id, e.note) for e in rows] == [
            (8, "office_action", None, "协助疏导交通"), (-8, "reversal", entry_id, "记错了人")]
        assert balance(db, rider_id) == ledger_sum(db, rider_id) == 0


def test_reversal_cannot_make_a_balance_negative(site: Site) -> None:
    office = login(site.app.test_client(), "editor")
    rider, rider_id = rider_client(site)
    add_reward(office, cost="10")
    award(office, rider_id, "10")
    redeem_page(rider, reward_id(site.app))
    with site.app.app_context():
        award_id = get_session().scalars(select(PointEntry.id).order_by(PointEntry.id)).first()
        before = dump_database(get_engine())
    refused = office.post(f"/office/points/entries/{award_id}/reverse",
                          data={"csrf_token": csrf_token(office, "/office/points")})
    assert refused.status_code == 400 and "积分不足：余额 0，需要 10" in refused.get_data(as_text=True)
    with site.app.app_context():
        assert dump_database(get_engine()) == before


BAD = [
    ("another rider's code", "confirm_other", "兑换码不属于这位骑手", 403),
    ("expired reward", "expired", "不在兑换期内", 400),
    ("out of stock", "sold_out", "已兑完", 400),
    ("short balance", "expensive", "积分不足", 400),
    ("negative points", ("award", "-5"), "积分必须是正数", 400),
    ("fractional points", ("award", "2.5"), "积分必须是整数", 400),
    ("zero points", ("award", "0"), "积分须在 1 到", 400),
    ("fractional reward cost", ("reward_cost", "9.5"), "积分必须是整数", 400),
    ("negative reward cost", ("reward_cost", "-1"), "积分必须是正数", 400),
    ("unknown code", ("confirm", "ZZZZZZ"), "没有这个兑换码", 404),
    ("unknown rider", ("award_to", "999999"), "找不到编号为 999999 的骑手", 404),
]


@pytest.mark.parametrize(("what", "action", "message", "status"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_changes_nothing(site: Site, what: str, action, message: str,
                                   status: int) -> None:
    office = login(site.app.test_client(), "editor")
    rider, rider_id = rider_client(site)
    other, other_id = rider_client(site, phone=OTHER_PHONE, name="李四")
    add_reward(office, title="午餐", cost="10", stock="5")
    add_reward(office, title="过期午餐", cost="1", stock="5", days=(-10, -1))
    add_reward(office, title="已兑完", cost="1", stock="0")
    add_reward(office, title="大礼包", cost="500", stock="5")
    award(office, rider_id, "20")
    award(office, other_id, "20")
    code = re.search(r'id="redeemed-code">([A-Z0-9]+)<', redeem_page(
        rider, reward_id(site.app, "午餐")).get_data(as_text=True)).group(1)
    with site.app.app_context():
        before = dump_database(get_engine())

    if action == "confirm_other":  # 李四 shows 张三's code: his phone does not match
        answer = confirm(office, code, OTHER_PHONE[-4:])
    elif action in ("expired", "sold_out", "expensive"):
        title = {"expired": "过期午餐", "sold_out": "已兑完", "expensive": "大礼包"}[action]
        answer = redeem_page(other, reward_id(site.app, title))
    elif action[0] == "award":
        answer = award(office, other_id, action[1])
    elif action[0] == "award_to":
        answer = award(office, action[1], "5")
    elif action[0] == "reward_cost":
        answer = add_reward(office, title="新奖品", cost=action[1])
    else:
        answer = confirm(office, action[1], "5678")
    html = answer.get_data(as_text=True)
    assert answer.status_code == status, html
    assert message in html
    with site.app.app_context():
        assert dump_database(get_engine()) == before


def test_bad_input_as_json(site: Site) -> None:
    office = login(site.app.test_client(), "editor")
    answer = office.post("/office/points/award", headers={"Accept": "application/json"}, data={
        "csrf_token": csrf_token(office, "/office/points"), "rider_id": "1", "points": "1.5"})
    body = answer.get_json()
    assert answer.status_code == 400 and body["message"] == "积分必须是整数，不能是“1.5”"
    assert body["message_en"] == "points must be whole, got '1.5'"


@pytest.mark.parametrize(("typed", "expected"), [("7", 7), (" 12 ", 12), (3, 3)])
def test_amounts_people_type(typed, expected: int) -> None:
    assert points.check_amount(typed) == expected


def test_parallel_redemptions_spend_each_point_once(site: Site, backend: str) -> None:
    if backend != "postgis":
        pytest.skip("row locks under real concurrency are PostgreSQL's (SQLite has one writer)")
    _rider, rider_id = rider_client(site)
    office_id = _office_id(site.app)
    now = utcnow()
    with site.app.app_context():
        db = get_session()
        meal = Reward(office_id=office_id, title="小哥食堂午餐", kind="meal", cost=10, stock=100,
                      valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=1))
        db.add(meal)
        db.flush()
        earn(db, rider_id, 50, Source("office_action", "editor", office_id=office_id))
        db.commit()
        meal_id = meal.id
        engine = get_engine()
    attempts = 20
    start = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        with Session(engine) as session:
            try:
                redeem(session, session.get(Rider, rider_id), meal_id, now=now)
                session.commit()
                result = "ok"
            except InvalidInput as error:
                session.rollback()
                result = error.zh
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == attempts
    assert outcomes.count("ok") == 5, outcomes
    assert all(o == "ok" or o.startswith("积分不足") for o in outcomes), outcomes
    with Session(engine) as session:
        assert balance(session, rider_id) == ledger_sum(session, rider_id) == 0
        assert session.scalar(select(func.count()).select_from(Redemption)) == 5
        assert session.get(Reward, meal_id).stock == 95
        assert session.scalar(select(func.min(PointAccount.balance))) >= 0
        spends = session.scalars(select(PointEntry.amount).where(PointEntry.amount < 0)).all()
        assert spends == [-10] * 5
