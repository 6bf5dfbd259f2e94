"""Webhooks through real HTTP on SQLite and PostGIS: a receiver on 127.0.0.1 gets every
change of a scripted office session once per event id, in order, signed; a receiver
that is down gets them after it comes back; a worker killed mid-delivery leaves the
delivery to be sent again with the same id; the delivery log and replay; bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.models import Delivery, Webhook
from geo import settings
from geo.platforms.signatures import verify
from tests.support.accounts import Accounts
from tests.support.platforms import Receiver, office_session

SECRET = "s3cret-of-the-platform-0123"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def _register(client, accounts: Accounts, url: str, **extra) -> dict:
    response = client.post("/api/v1/webhooks", json={"url": url, "secret": SECRET, **extra},
                           headers=accounts.headers("platform"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _feed(client, accounts: Accounts) -> list[dict]:
    return client.get("/api/v1/changes?since=0&limit=1000",
                      headers=accounts.headers("platform")).get_json()["changes"]


def test_every_change_once_in_order_and_signed(app: Flask, client, accounts: Accounts,
                                               receiver: Receiver) -> None:
    hook = _register(client, accounts, receiver.url)
    assert "secret" in hook and hook["kinds"] == []
    office_session(app, client, accounts)
    feed = _feed(client, accounts)
    got = [r["body"] for r in receiver.received]
    assert [b["event_id"] for b in got] == [c["event_id"] for c in feed]
    assert got == feed
    for r in receiver.received:
        headers = r["headers"]
        assert headers["X-Youlu-Event-Id"] == r["body"]["event_id"]
        ts = int(headers["X-Youlu-Timestamp"])
        assert verify(SECRET, ts, r["raw"], headers["X-Youlu-Signature"], now=int(time.time()))
        assert not verify("another-secret-0000000", ts, r["raw"], headers["X-Youlu-Signature"],
                          now=int(time.time()))
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                     headers=accounts.headers("platform")).get_json()["deliveries"]
    assert {d["status"] for d in log} == {"delivered"} and len(log) == len(feed)
    assert log[0]["delivered_at"].endswith("+08:00")
    # replay: the same event id again
    replayed = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{log[-1]['id']}/replay",
                           headers=accounts.headers("platform"))
    assert replayed.status_code == 200, replayed.get_json()
    assert receiver.received[-1]["body"]["event_id"] == log[-1]["event_id"]


def test_kinds_and_divisions_filter(app: Flask, client, accounts: Accounts,
                                    receiver: Receiver) -> None:
    _register(client, accounts, receiver.url, kinds=["gates"], divisions=["110108010"])
    office_session(app, client, accounts)
    got = [(r["body"]["kind"], r["body"]["op"]) for r in receiver.received]
    assert got == [("gates", "created"), ("gates", "created"), ("gate_rules", "updated"),
                   ("gates", "deleted")]


def test_receiver_down_then_back(app: Flask, client, accounts: Accounts, receiver: Receiver,
                                 runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "WEBHOOK_RETRY_BASE_S", 0.0)
    hook = _register(client, accounts, receiver.url)
    receiver.status = 503
    office_session(app, client, accounts)
    assert receiver.received == []
    with app.app_context():
        rows = list(get_session().scalars(select(Delivery).order_by(Delivery.seq)))
        assert rows and all(d.status == "pending" for d in rows)
        # only the oldest was tried (each write retried it): the rest wait their turn
        assert rows[0].attempts >= 1 and rows[0].last_status == 503
        assert all(d.attempts == 0 for d in rows[1:])
    receiver.status = 200
    result = runner.invoke(args=["deliver-webhooks", "--once"])
    assert result.exit_code == 0, result.output
    assert [r["body"]["event_id"] for r in receiver.received] == [
        c["event_id"] for c in _feed(client, accounts)]
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                     headers=accounts.headers("platform")).get_json()["deliveries"]
    assert log[-1]["attempts"] >= 2 and log[-1]["last_status"] == 200


def test_worker_killed_mid_delivery_redelivers_the_same_id(app: Flask, client,
                                                          accounts: Accounts,
                                                          receiver: Receiver) -> None:
    receiver.status = 503
    _register(client, accounts, receiver.url)
    office_session(app, client, accounts)
    receiver.status = 200
    receiver.delay_s = 30.0  # the receiver takes its time: the worker is killed meanwhile
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
           "YOULU_KEYS_DIR": app.config["KEYS_DIR"], "YOULU_WEBHOOK_RETRY_BASE_S": "0"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "deliver-webhooks"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not receiver.started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert receiver.started, "the worker never reached the receiver"
        first = receiver.started[0]
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    receiver.delay_s = 0.0
    with app.app_context():
        head = get_session().scalar(select(Delivery).order_by(Delivery.seq).limit(1))
        assert head.status == "pending" and head.event_id == first
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "deliver-webhooks",
                             "--once"], env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr
    ids = [r["body"]["event_id"] for r in receiver.received]
    assert ids[0] == first and ids == [c["event_id"] for c in _feed(client, accounts)]


@pytest.mark.parametrize(("body", "message"), [
    ({"url": "ftp://example.com/hook", "secret": SECRET}, "只接受 http:// 或 https://"),
    ({"url": "javascript:alert(1)", "secret": SECRET}, "只接受 http:// 或 https://"),
    ({"url": "http://127.0.0.1/h", "secret": "short"}, "secret 至少 16 个字符"),
    ({"url": "http://127.0.0.1/h", "kinds": ["people"]}, "未知的变更类型"),
    ({"url": "http://127.0.0.1/h", "divisions": ["北京"]}, "区划代码"),
])
def test_bad_webhooks_are_refused(app: Flask, client, accounts: Accounts, body: dict,
                                  message: str) -> None:
    response = client.post("/api/v1/webhooks", json=body, headers=accounts.headers("platform"))
    assert response.status_code == 400
    assert message in response.get_json()["message"] and response.get_json()["message_en"]
    with app.app_context():
        assert get_session().scalars(select(Webhook)).all() == []


def test_another_tokens_webhook_is_not_found(app: Flask, client, accounts: Accounts,
                                             receiver: Receiver) -> None:
    hook = _register(client, accounts, receiver.url)
    response = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                          headers=accounts.headers("editor"))
    assert response.status_code == 404
    assert client.post("/api/v1/webhooks", json={"url": receiver.url}).status_code == 401
