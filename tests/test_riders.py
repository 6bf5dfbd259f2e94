"""Riders (app.riders.service, app.riders.privacy, app.riders.sms, geo.riders.passes,
geo.riders.phones and the /pass pages) on SQLite and PostGIS: registration once with a
texted code, the device credential, personal data a database dump does not reveal, passes
under each office policy, renewal, a rider's own data, purge, SMS senders and rate limits."""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select, update

from app import create_app
from app.db import get_engine, get_session
from app.extensions import limiter
from app.models import (
    AuditEntry,
    Community,
    Device,
    EntryEvent,
    Gate,
    Office,
    PhoneVerification,
    Rider,
    RiderPass,
)
from app.riders.privacy import PersonalData
from app.riders.service import (
    Registration,
    confirm_code,
    covering_pass,
    decide_pass,
    register,
    renew_pass,
    request_pass,
    send_code,
    set_policy,
)
from app.riders.sms import WebhookSender
from geo import settings
from geo.errors import InvalidInput, ServiceUnavailable, YouluError
from geo.riders import passes
from geo.riders.phones import mask_phone, normalise_phone
from tests.support.dbdump import dump_database
from tests.support.riders import (
    PHONE,
    Site,
    csrf_token,
    register_rider,
    tap_form,
    texted_code,
)

NOW = datetime(2026, 5, 6, 4, 0, tzinfo=UTC)
REDIS_TEST_URL = "redis://127.0.0.1:6379/11"
REDIS_DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
RUN_PREFIX = f"youlu-test-{uuid.uuid4().hex[:12]}"  # this run's rate-limit counters


def _one(app: Flask, model: type):
    with app.app_context():
        return get_session().scalars(select(model)).one()


# -- phones and platforms (pure) --------------------------------------------------------


@pytest.mark.parametrize(("typed", "digits"), [
    ("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
    ("0086-13812345678", "13812345678"), ("１３８１２３４５６７８", "13812345678"),
    ("(139)0000-1111", "13900001111"),
])
def test_phone_numbers_as_people_type_them(typed: str, digits: str) -> None:
    assert normalise_phone(typed) == digits
    assert mask_phone(digits) == digits[:3] + "****" + digits[-4:]


@pytest.mark.parametrize("typed", ["", "1381234567", "23812345678", "12812345678",
                                   "138123456789", "010-62345678", "13812345abc"])
def test_not_a_mobile_number(typed: str) -> None:
    with pytest.raises(InvalidInput, match="11位大陆手机号"):
        normalise_phone(typed)


def test_personal_data_needs_its_key() -> None:
    ours, theirs = PersonalData("key one"), PersonalData("key two")
    token = ours.encrypt(PHONE)
    assert PHONE not in token and ours.encrypt(PHONE) != token  # fresh IV each time
    assert ours.decrypt(token) == PHONE
    assert ours.digest("phone", PHONE) == ours.digest("phone", PHONE)
    assert ours.digest("phone", PHONE) != theirs.digest("phone", PHONE)
    with pytest.raises(YouluError, match="RIDER_DATA_KEY"):
        theirs.decrypt(token)


# -- registration ---------------------------------------------------------------------------


def test_register_once_gives_the_phone_a_device_cookie(site: Site) -> None:
    client = site.app.test_client()
    gate = site.gate_url(site.gate_ids[0])
    done = register_rider(client, site.app, next_url=gate, name="李四", rider_id="ELM-778",
                          platform="eleme", plate="京B54321")
    assert done.status_code == 302 and done.headers["Location"] == gate
    cookie = done.headers["Set-Cookie"]
    assert cookie.startswith("youlu_device=") and "HttpOnly" in cookie
    assert "Path=/pass" in cookie and "SameSite=Lax" in cookie
    secret = cookie.split(";")[0].split("=", 1)[1]
    assert len(secret) >= 40
    page = client.get("/pass/").get_data(as_text=True)
    assert "李四" in page and "138****5678" in page and "饿了么" in page and "ELM-778" in page
    with site.app.app_context():
        db = get_session()
        device = db.scalars(select(Device)).one()
        assert device.secret_digest != secret and secret not in device.secret_digest
        # registering at a gate asked for that compound's pass (policy auto: active)
        rider_pass = db.scalars(select(RiderPass)).one()
        assert rider_pass.community_id == site.community_id and rider_pass.status == "active"


def test_a_database_dump_reveals_no_personal_data(site: Site) -> None:
    client = site.app.test_client()
    register_rider(client, site.app, name="王小明", rider_id="SF-99017", platform="sf",
                   plate="京C77777")
    url = site.gate_url(site.gate_ids[0])
    client.post(url + "/apply", data={"csrf_token": csrf_token(client, "/pass/register")})
    with site.app.app_context():
        text = json.dumps(dump_database(get_engine()), ensure_ascii=False, default=str)
    for secret in (PHONE, "王小明", "SF-99017", "京C77777"):
        assert secret not in text, secret
    assert "sf" in text  # the platform itself is kept in clear for the office's filters


def test_plate_revoked_during_registration_still_registers(site: Site) -> None:
    from app.plates.keys import revoke_plate
    client = site.app.test_client()
    gate = site.gate_url(site.gate_ids[0])
    token = csrf_token(client, "/pass/register")
    client.post("/pass/register", data={"csrf_token": token, "next": gate, "name": "张三",
                                        "phone": PHONE, "platform": "meituan",
                                        "platform_rider_id": "MT-1"})
    with site.app.app_context():
        db = get_session()
        revoke_plate(db, db.get(Gate, site.gate_ids[0]).code, reason="replaced")
    done = client.post("/pass/verify", data={"csrf_token": token,
                                             "code": texted_code(site.app, PHONE)})
    assert done.status_code == 302 and "youlu_device=" in done.headers["Set-Cookie"]
    assert _count(site.app, RiderPass) == 0 and _count(site.app, Rider) == 1
    page = client.get(gate)
    assert page.status_code == 403 and "门牌已作废" in page.get_data(as_text=True)


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model))


BAD_REGISTRATIONS = [
    ({"name": ""}, "name", "请填写姓名"),
    ({"name": "张" * 41}, "name", "姓名最多40个字"),
    ({"phone": "12345"}, "phone", "11位大陆手机号"),
    ({"platform": "uber"}, "platform", "不在列表中"),
    ({"platform_rider_id": ""}, "platform_rider_id", "请填写平台骑手编号"),
    ({"plate": "京A" + "1" * 20}, "plate", "电动车牌号最多16个字"),
    ({"name": "张\u0000三"}, "name", "控制字符"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_REGISTRATIONS,
                         ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_REGISTRATIONS)])
def test_bad_registration_changes_nothing(site: Site, change: dict, field: str,
                                          message: str) -> None:
    client = site.app.test_client()
    token = csrf_token(client, "/pass/register")
    form = {"csrf_token": token, "name": "张三", "phone": PHONE, "platform": "meituan",
            "platform_rider_id": "MT-1", "plate": "", **change}
    with site.app.app_context():
        before = dump_database(get_engine())
    page = client.post("/pass/register", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and message in html and 'class="field-error"' in html
    assert 'name="platform_rider_id"' in html  # the form again, with what was typed
    as_json = client.post("/pass/register", data=form, headers={"Accept": "application/json"})
    assert as_json.get_json()["details"]["field"] == field and as_json.get_json()["message_en"]
    with site.app.app_context():
        assert dump_database(get_engine()) == before
    assert "sms_outbox" not in site.app.extensions or not site.app.extensions["sms_outbox"]


def test_wrong_codes_run_out(site: Site) -> None:
    client = site.app.test_client()
    token = csrf_token(client, "/pass/register")
    client.post("/pass/register", data={"csrf_token": token, "name": "张三", "phone": PHONE,
                                        "platform": "jd", "platform_rider_id": "JD-1"})
    code = texted_code(site.app, PHONE)
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    for _ in range(5):
        page = client.post("/pass/verify", data={"csrf_token": token, "code": wrong})
        assert page.status_code == 400 and "验证码不正确" in page.get_data(as_text=True)
    page = client.post("/pass/verify", data={"csrf_token": token, "code": code})
    assert page.status_code == 400 and "错误次数过多" in page.get_data(as_text=True)
    assert "youlu_device" not in page.headers.get("Set-Cookie", "")
    with site.app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Rider)) == 0


def test_codes_expire_are_used_once_and_wait_before_resending(site: Site) -> None:
    with site.app.app_context():
        db = get_session()
        send_code(db, PHONE, now=NOW)
        code = texted_code(site.app, PHONE)
        with pytest.raises(InvalidInput, match="秒后再重新获取"):
            send_code(db, PHONE, now=NOW + timedelta(seconds=30))
        with pytest.raises(InvalidInput, match="已过期"):
            confirm_code(db, PHONE, code, now=NOW + timedelta(minutes=11))
        send_code(db, PHONE, now=NOW + timedelta(minutes=12))
        fresh = texted_code(site.app, PHONE)
        confirm_code(db, PHONE, fresh, now=NOW + timedelta(minutes=13))
        with pytest.raises(InvalidInput, match="已过期或未获取"):
            confirm_code(db, PHONE, fresh, now=NOW + timedelta(minutes=13))


def test_registering_again_updates_the_same_rider(site: Site) -> None:
    phone_one, phone_two = site.app.test_client(), site.app.test_client()
    register_rider(phone_one, site.app, name="张三")
    with site.app.app_context():
        get_session().execute(update(PhoneVerification).values(
            created_at=datetime.now(UTC) - timedelta(minutes=5)))
        get_session().commit()
    register_rider(phone_two, site.app, name="张三丰", platform="shansong")
    with site.app.app_context():
        db = get_session()
        assert db.scalar(select(func.count()).select_from(Rider)) == 1
        assert db.scalar(select(func.count()).select_from(Device)) == 2
    assert "张三丰" in phone_one.get("/pass/").get_data(as_text=True)  # one rider, two phones


# -- passes under office policies ---------------------------------------------------------


def _rider_and_community(site: Site, db) -> tuple[Rider, Community]:
    rider = register(db, Registration("赵六", PHONE, "meituan", "MT-6"))
    db.commit()
    return rider, db.get(Community, site.community_id)


def test_approval_policy_waits_for_the_office(site: Site) -> None:
    with site.app.app_context():
        db = get_session()
        office = db.scalars(select(Office).order_by(Office.id)).first()
        set_policy(db, office, approval="approval", validity_days=30, scope="community",
                   actor="editor")
        rider, community = _rider_and_community(site, db)
        asked = request_pass(db, rider, community, now=NOW)
        assert asked.status == "pending" and asked.valid_until is None
        assert asked.office_id == office.id
        assert passes.refusal(passes.state(asked.status, asked.valid_until, NOW)) is not None
        decided = decide_pass(db, asked, "approve", actor="editor", user_id=None, note=None,
                              now=NOW)
        assert decided.status == "active"
        assert decided.valid_until == NOW + timedelta(days=30)
        entry = db.scalars(select(AuditEntry).where(AuditEntry.table_name == "rider_passes")).one()
        assert entry.action == "pass_approve" and entry.after["status"] == "active"
        assert PHONE not in json.dumps(entry.after) and "赵六" not in json.dumps(entry.after)


def test_street_scope_covers_every_compound_of_the_street(site: Site) -> None:
    with site.app.app_context():
        db = get_session()
        office = db.scalars(select(Office).order_by(Office.id)).first()
        set_policy(db, office, approval="auto", validity_days=7, scope="street", actor="editor")
        rider, community = _rider_and_community(site, db)
        street_pass = request_pass(db, rider, community, now=NOW)
        other = db.get(Community, site.other_community_id)
        assert (street_pass.scope, street_pass.scope_value) == ("street", "110108008")
        assert covering_pass(db, rider.id, other.id, other.division_code,
                             now=NOW).id == street_pass.id
        # the same request again is the same pass, not a second one
        assert request_pass(db, rider, other, now=NOW).id == street_pass.id


def test_reject_then_apply_again(site: Site) -> None:
    with site.app.app_context():
        db = get_session()
        office = db.scalars(select(Office).order_by(Office.id)).first()
        set_policy(db, office, approval="approval", validity_days=30, scope="community",
                   actor="editor")
        rider, community = _rider_and_community(site, db)
        asked = request_pass(db, rider, community, now=NOW)
        decide_pass(db, asked, "reject", actor="editor", user_id=None, note="编号不符", now=NOW)
        with pytest.raises(InvalidInput, match="不能吊销|不能暂停"):
            decide_pass(db, asked, "suspend", actor="editor", user_id=None, note=None, now=NOW)
        again = request_pass(db, rider, community, now=NOW + timedelta(days=1))
        assert again.id == asked.id and again.status == "pending" and again.note is None


@pytest.mark.parametrize("approval", ["auto", "approval"])
def test_renew_before_expiry(site: Site, approval: str) -> None:
    with site.app.app_context():
        db = get_session()
        office = db.scalars(select(Office).order_by(Office.id)).first()
        set_policy(db, office, approval="auto", validity_days=30, scope="community",
                   actor="editor")
        rider, community = _rider_and_community(site, db)
        held = request_pass(db, rider, community, now=NOW)
        end = held.valid_until
        with pytest.raises(InvalidInput, match="到期前14天内"):
            renew_pass(db, held, now=NOW + timedelta(days=1))
        set_policy(db, office, approval=approval, validity_days=30, scope="community",
                   actor="editor")
        renew_pass(db, held, now=end - timedelta(days=3))
        if approval == "approval":
            assert held.valid_until == end and held.renewal_requested_at is not None
            assert "approve" in passes.available_actions(held.status, renewal_requested=True)
            decide_pass(db, held, "approve", actor="editor", user_id=None, note=None,
                        now=end - timedelta(days=2))
        assert held.valid_until == end + timedelta(days=30)  # no days lost by renewing early
        assert passes.state(held.status, held.valid_until, end + timedelta(days=1)) == "active"


def test_renew_from_the_pages(site: Site) -> None:
    client = site.app.test_client()
    register_rider(client, site.app, next_url=site.gate_url(site.gate_ids[0]))
    with site.app.app_context():
        db = get_session()
        soon = datetime.now(UTC) + timedelta(days=2)
        db.execute(update(RiderPass).values(valid_until=soon))
        db.commit()
    page = client.get("/pass/").get_data(as_text=True)
    action = re.search(r'action="(/pass/passes/\d+/renew)"', page).group(1)
    client.post(action, data={"csrf_token": csrf_token(client, "/pass/")})
    held = _one(site.app, RiderPass)
    assert held.valid_until > soon + timedelta(days=80)


def test_policy_values_are_checked() -> None:
    for bad in ({"approval": "maybe"}, {"scope": "city"}, {"validity_days": 0},
                {"validity_days": 5000}):
        values = {"approval": "auto", "validity_days": 30, "scope": "community", **bad}
        with pytest.raises(InvalidInput):
            passes.check_policy(**values)


def test_a_compound_known_only_to_its_street_keeps_passes_to_itself() -> None:
    assert passes.scope_key("committee", community_id=7, division_code="110108008") == (
        "community", "7")
    assert passes.scope_key("committee", community_id=7, division_code="110108008000") == (
        "community", "7")
    assert passes.scope_key("committee", community_id=7, division_code="110108008012") == (
        "committee", "110108008012")
    assert passes.scope_key("street", community_id=7, division_code=None) == ("community", "7")


# -- my data --------------------------------------------------------------------------------


def test_see_download_and_delete_my_data(site: Site) -> None:
    site.app.config["CHECKIN_REPEAT_WINDOW_S"] = 0
    client = site.app.test_client()
    gate = site.gate_url(site.gate_ids[0])
    register_rider(client, site.app, next_url=gate, name="陈七")
    client.post(gate, data=tap_form(client, gate))
    page = client.get("/pass/me").get_data(as_text=True)
    assert "陈七" in page and "138****5678" in page and "进出记录（1 条）" in page
    download = client.get("/pass/me.json")
    data = json.loads(download.get_data(as_text=True))
    assert "attachment" in download.headers["Content-Disposition"]
    assert data["rider"]["name"] == "陈七" and len(data["entries"]) == 1
    assert data["passes"][0]["state"] == "active"
    token = csrf_token(client, "/pass/me")
    refused = client.post("/pass/me/delete", data={"csrf_token": token})
    assert refused.status_code == 400 and "请勾选确认" in refused.get_data(as_text=True)
    gone = client.post("/pass/me/delete", data={"csrf_token": token, "confirm": "yes"})
    assert gone.status_code == 302 and "youlu_device=;" in gone.headers["Set-Cookie"]
    with site.app.app_context():
        db = get_session()
        for model in (Rider, Device, RiderPass, EntryEvent, PhoneVerification):
            assert db.scalar(select(func.count()).select_from(model)) == 0, model
    assert "登记骑手信息" in client.get("/pass/").get_data(as_text=True)


def test_remove_another_phone(site: Site) -> None:
    old_phone, new_phone = site.app.test_client(), site.app.test_client()
    register_rider(old_phone, site.app)
    with site.app.app_context():
        get_session().execute(update(PhoneVerification).values(
            created_at=datetime.now(UTC) - timedelta(minutes=5)))
        get_session().commit()
    register_rider(new_phone, site.app)
    page = new_phone.get("/pass/me").get_data(as_text=True)
    old_id = min(int(i) for i in re.findall(r"/pass/devices/(\d+)/remove", page))
    new_phone.post(f"/pass/devices/{old_id}/remove",
                   data={"csrf_token": csrf_token(new_phone, "/pass/me")})
    assert old_phone.get("/pass/me").status_code == 302  # signed out: to registration
    assert new_phone.get("/pass/me").status_code == 200


# -- retention --------------------------------------------------------------------------------


def test_purge_deletes_entries_past_retention(site: Site) -> None:
    site.app.config["CHECKIN_REPEAT_WINDOW_S"] = 0
    client = site.app.test_client()
    gate = site.gate_url(site.gate_ids[0])
    register_rider(client, site.app, next_url=gate)
    for _ in range(3):
        client.post(gate, data=tap_form(client, gate))
    with site.app.app_context():
        db = get_session()
        first = db.scalars(select(EntryEvent).order_by(EntryEvent.id)).first()
        first.at = datetime.now(UTC) - timedelta(days=91)
        db.commit()
    runner = site.app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run", "--json"])
    assert json.loads(dry.output)["entry_events"] == 1 and len(site.events()) == 3
    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0 and "已删除进出记录 1 条" in done.output
    assert [e.seq for e in site.events()] == [2, 3]
    bad = runner.invoke(args=["purge", "--days", "0"])
    assert bad.exit_code == 2 and "保留天数至少为1天" in bad.output


# -- SMS senders ------------------------------------------------------------------------------


class _Gateway(BaseHTTPRequestHandler):
    received: list[tuple[dict, str]] = []
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Gateway.received.append((body, self.headers.get("Authorization", "")))
        self.send_response(_Gateway.status)
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def gateway():
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received, _Gateway.status = [], 200
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()


def test_webhook_sender_posts_the_text(site: Site, gateway: str) -> None:
    site.app.config.update(SMS_SENDER="webhook", SMS_WEBHOOK_URL=gateway,
                           SMS_WEBHOOK_TOKEN="gw-token")
    site.app.extensions.pop("sms_sender", None)
    client = site.app.test_client()
    token = csrf_token(client, "/pass/register")
    sent = client.post("/pass/register", data={
        "csrf_token": token, "name": "张三", "phone": PHONE, "platform": "meituan",
        "platform_rider_id": "MT-1"})
    assert sent.status_code == 302
    (body, auth), = _Gateway.received
    assert body["phone"] == PHONE and re.search(r"验证码是 \d{6}", body["text"])
    assert auth == "Bearer gw-token"


def test_a_failing_gateway_stores_no_code(site: Site, gateway: str) -> None:
    _Gateway.status = 500
    with site.app.app_context():
        db = get_session()
        site.app.config.update(SMS_SENDER="webhook", SMS_WEBHOOK_URL=gateway)
        site.app.extensions.pop("sms_sender", None)
        with pytest.raises(ServiceUnavailable, match="短信发送失败"):
            send_code(db, PHONE, now=NOW)
        db.rollback()
        assert db.scalar(select(func.count()).select_from(PhoneVerification)) == 0


def test_console_sender_masks_the_number(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    site.app.config["SMS_SENDER"] = "console"
    site.app.extensions.pop("sms_sender", None)
    with site.app.app_context():
        send_code(get_session(), PHONE, now=NOW)
    assert "138****5678" in caplog.text and PHONE not in caplog.text


def test_webhook_sender_unreachable() -> None:
    with pytest.raises(ServiceUnavailable):
        WebhookSender("http://127.0.0.1:9/none").send(PHONE, "x")


# -- rate limits ------------------------------------------------------------------------------


def _limited_app(site: Site, tmp_path: Path, storage: str | None) -> Flask:
    app = create_app({
        "TESTING": True, "DATABASE_URL": site.app.config["DATABASE_URL"],
        "SECRET_KEY": "test-secret", "KEYS_DIR": site.app.config["KEYS_DIR"],
        "CACHE_DIR": str(tmp_path / "cache"), "SMS_SENDER": "outbox",
        "PUBLIC_BASE_URL": site.app.config["PUBLIC_BASE_URL"], "REDIS_URL": storage,
        "RATELIMIT_KEY_PREFIX": RUN_PREFIX})
    return app


def _forget_counters(store: redis.Redis) -> None:
    """Delete this run's rate-limit counters only: the Redis is shared with other runs
    and with the job tests, whose queued messages a flush would delete."""
    keys = store.keys(f"*LIMITER/{RUN_PREFIX}/*")
    if keys:
        store.delete(*keys)


def _counters(store: redis.Redis, endpoint: str) -> dict[str, int]:
    """This run's counters of ``endpoint``: {key: count}."""
    return {key.decode(): int(store.get(key))
            for key in store.keys(f"*LIMITER/{RUN_PREFIX}/*{endpoint}*")}


def _send_codes(app: Flask, times: int) -> list:
    client = app.test_client()
    token = csrf_token(client, "/pass/register")
    form = {"csrf_token": token, "name": "张三", "phone": PHONE, "platform": "meituan",
            "platform_rider_id": "MT-1"}
    return [client.post("/pass/register", data=form) for _ in range(times)]


def test_verification_texts_are_limited_in_memory_by_default(site: Site, tmp_path: Path) -> None:
    from app.extensions import limiter
    app = _limited_app(site, tmp_path, None)
    try:
        assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
        assert type(limiter.storage).__name__ == "MemoryStorage"
        answers = _send_codes(app, 6)  # 5 per phone per hour
        assert [a.status_code for a in answers] == [302, 400, 400, 400, 400, 429]
        assert "操作太频繁" in answers[5].get_data(as_text=True)
        assert answers[5].headers["X-RateLimit-Limit"] == "5"
    finally:
        app.extensions["db_engine"].dispose()


def test_limits_live_in_redis_when_redis_url_is_set(site: Site, tmp_path: Path) -> None:
    from app.extensions import limiter
    store = redis.Redis.from_url(REDIS_TEST_URL)
    _forget_counters(store)
    app = _limited_app(site, tmp_path, REDIS_TEST_URL)
    try:
        assert type(limiter.storage).__name__ == "RedisStorage"
        assert _send_codes(app, 6)[5].status_code == 429
        counters = _counters(store, "register_page")
        # every worker reads the same counters: per address and per (hashed) phone
        assert sorted(counters.values())[-1] >= 5 and len(counters) >= 2
        assert not any(PHONE in key for key in counters)
    finally:
        _forget_counters(store)
        app.extensions["db_engine"].dispose()


def test_every_rider_and_office_page_is_rate_limited(site: Site, tmp_path: Path) -> None:
    app = _limited_app(site, tmp_path, None)
    try:
        client = app.test_client()
        urls = ["/pass/", "/pass/register", "/pass/verify", "/pass/me", "/pass/me.json",
                site.gate_url(site.gate_ids[0]), "/office/login", "/office/passes",
                "/office/log", "/office/log.csv", "/office/inside", "/",
                "/" + site.plate(site.gate_ids[0])]
        for url in urls:
            answer = client.get(url)
            assert "X-RateLimit-Limit" in answer.headers, url
        token = csrf_token(client, "/pass/register")
        posts = ["/pass/register", "/pass/verify", "/pass/verify/resend", "/pass/me/delete",
                 site.gate_url(site.gate_ids[0]), "/office/login", "/office/logout"]  # last:
        # log-out clears the session and with it the CSRF token
        for url in posts:
            answer = client.post(url, data={"csrf_token": token})
            assert "X-RateLimit-Limit" in answer.headers, url
    finally:
        app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("storage", [REDIS_TEST_URL, REDIS_DOWN_URL])
def test_taps_are_limited_per_device_in_one_redis_round_trip(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storage: str) -> None:
    """A tap's two limits (rider pages per address, taps per device) are counted by one
    Redis command; past the tap limit the answer is 429 and nothing is stored. With Redis
    unreachable the counts go to the worker's memory and still hold."""
    monkeypatch.setattr(settings, "RATELIMIT_CHECKIN", "3 per minute")
    url = site.gate_url(site.gate_ids[0])
    phone = site.app.test_client()  # registered before the limited app binds the limiter
    register_rider(phone, site.app, next_url=url)
    token = tap_form(phone, url)["csrf_token"]
    store = redis.Redis.from_url(REDIS_TEST_URL)
    _forget_counters(store)
    app = _limited_app(site, tmp_path, storage)
    app.config["CHECKIN_REPEAT_WINDOW_S"] = 0
    try:
        client = app.test_client()
        for cookie in phone._cookies.values():
            client.set_cookie(cookie.key, cookie.value, path=cookie.path)
        sent: list[str] = []
        connection = limiter.storage.get_connection()
        real = connection.execute_command
        monkeypatch.setattr(connection, "execute_command",
                            lambda *args, **kw: sent.append(args[0]) or real(*args, **kw))
        answers = [client.post(url, data={"seq": str(seq), "csrf_token": token},
                               headers={"Accept": "application/json"}) for seq in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[3].get_json()["error"] == "too_many_requests"
        assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert answers[3].headers["X-RateLimit-Limit"] == "3"
        assert len(site.events()) == 3
        if storage == REDIS_TEST_URL:
            # one script call per tap by its digest; a Redis that has not seen the script
            # yet refuses the first, which is then sent whole once (EVAL keeps it)
            assert sent.count("EVAL") <= 1 and sent.count("EVALSHA") == 4
            assert set(sent) <= {"EVALSHA", "EVAL"}
            counters = _counters(store, "passes.gate_tap")
            assert sorted(counters.values()) == [4, 4] and len(counters) == 2
            assert any("/device:" in key for key in counters)
        else:  # Redis tried once, then left alone for RATELIMIT_STORAGE_RETRY_S
            assert sent == ["EVALSHA"] and _counters(store, "passes.gate_tap") == {}
    finally:
        _forget_counters(store)
        app.extensions["db_engine"].dispose()
        # the limiter is one per process: later apps must not find it bound to a dead Redis
        _limited_app(site, tmp_path, None).extensions["db_engine"].dispose()
