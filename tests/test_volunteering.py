"""Volunteer service and small wishes (app.volunteering) on SQLite and PostGIS: an office
posts an activity, riders sign up until it is full, confirmed attendance books hours and
points; a rider's wish is taken up and done; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import get_engine, get_session
from app.models import PointEntry, VolunteerSignup, Wish
from app.points.ledger import balance
from geo.hours.opening_hours import local_time
from tests.support.dbdump import dump_database
from tests.support.reports import login, rider_client
from tests.support.riders import Site, csrf_token


def post_activity(office, **fields: str):
    start = (local_time() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "社区防疫志愿", "place": "学院路街道服务中心", "starts_at": start,
            "hours": "2.5", "points": "15", "places": "1", **fields}
    return office.post("/office/volunteer", data={"csrf_token": csrf_token(office, "/office/volunteer"),
                                                  **data})


def test_sign_up_attend_and_earn(site: Site) -> None:
    office = login(site.app.test_client(), "editor")
    assert post_activity(office).status_code == 302
    rider, rider_id = rider_client(site)
    late, _late_id = rider_client(site, phone="13900002222", name="王五")
    page = rider.get("/pass/volunteer/").get_data(as_text=True)
    activity_id = int(page.split('id="activity-')[1].split('"')[0])
    token = csrf_token(rider, "/pass/volunteer/")
    assert rider.post(f"/pass/volunteer/{activity_id}/signup",
                      data={"csrf_token": token}).status_code == 302
    again = rider.post(f"/pass/volunteer/{activity_id}/signup", data={"csrf_token": token})
    assert again.status_code == 400 and "已经报名" in again.get_data(as_text=True)
    full = late.post(f"/pass/volunteer/{activity_id}/signup",
                     data={"csrf_token": csrf_token(late, "/pass/volunteer/")})
    assert full.status_code == 400 and "名额已满" in full.get_data(as_text=True)

    with site.app.app_context():
        signup_id = get_session().scalars(select(VolunteerSignup.id)).one()
    done = office.post(f"/office/volunteer/signups/{signup_id}/attended",
                       data={"csrf_token": csrf_token(office, "/office/volunteer")})
    assert done.status_code == 302
    twice = office.post(f"/office/volunteer/signups/{signup_id}/attended",
                        data={"csrf_token": csrf_token(office, "/office/volunteer")})
    assert twice.status_code == 400 and "已经确认过" in twice.get_data(as_text=True)
    assert 'id="hours">2.5<' in rider.get("/pass/volunteer/").get_data(as_text=True)
    with site.app.app_context():
        db = get_session()
        entry = db.scalars(select(PointEntry)).one()
        assert (entry.amount, entry.reason, entry.activity_id, entry.actor) == (
            15, "volunteer", activity_id, "editor")
        assert balance(db, rider_id) == 15
    other = login(site.app.test_client(), "other")
    foreign = other.post(f"/office/volunteer/signups/{signup_id}/attended",
                         data={"csrf_token": csrf_token(other, "/office/volunteer")})
    assert foreign.status_code == 403 and "别的社区" in foreign.get_data(as_text=True)


def test_a_wish_is_taken_up_and_done(site: Site) -> None:
    rider, _rider_id = rider_client(site)
    posted = rider.post("/pass/volunteer/wishes", data={
        "csrf_token": csrf_token(rider, "/pass/volunteer/"), "text": "希望门口有个饮水点"})
    assert posted.status_code == 302
    office = login(site.app.test_client(), "editor")
    with site.app.app_context():
        wish_id = get_session().scalars(select(Wish.id)).one()
    for expected in ("taken", "done"):
        answer = office.post(f"/office/volunteer/wishes/{wish_id}", data={
            "csrf_token": csrf_token(office, "/office/volunteer"), "taker": "居民李阿姨"})
        assert answer.status_code == 302
        with site.app.app_context():
            wish = get_session().get(Wish, wish_id)
            assert (wish.status, wish.taken_by) == (expected, "居民李阿姨")
    page = rider.get("/pass/volunteer/").get_data(as_text=True)
    assert f'id="wish-{wish_id}" data-status="done"' in page and "已完成" in page


@pytest.mark.parametrize(("fields", "message"), [
    ({"points": "-3"}, "积分必须是正数"),
    ({"points": "1.5"}, "积分必须是整数"),
    ({"hours": "30"}, "时长须在 0 到 24 小时之间"),
    ({"starts_at": "明天"}, "时间或时长格式不对"),
    ({"title": ""}, "请填写活动名称"),
])
def test_bad_activity_changes_nothing(site: Site, fields: dict, message: str) -> None:
    office = login(site.app.test_client(), "editor")
    with site.app.app_context():
        before = dump_database(get_engine())
    answer = post_activity(office, **fields)
    assert answer.status_code == 400 and message in answer.get_data(as_text=True)
    with site.app.app_context():
        assert dump_database(get_engine()) == before
