"""HTTP errors (app.errors, app.db) on SQLite and PostGIS: JSON for the API and a Chinese
page for people, both keeping the headers the error carries (``Allow`` on a 405); a locked
SQLite answers 503 with ``Retry-After``; a PostgreSQL connection closed by the server is
replaced without the request noticing."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from app import create_app
from tests.support.accounts import make_accounts
from tests.support.databases import POSTGRES_ADMIN_URL


def test_405_answers_with_allow(client: FlaskClient) -> None:
    api = client.delete("/api/v1/resolve?q=x")
    assert api.status_code == 405 and api.is_json
    assert api.get_json()["message"] == "不支持此方法"
    assert {"GET", "HEAD"} <= {m.strip() for m in api.headers["Allow"].split(",")}
    page = client.put("/")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    html = page.get_data(as_text=True)
    assert "这个链接不能直接打开" in html and "Method Not Allowed" not in html  # a Chinese page


def test_an_unknown_page_is_answered_in_chinese(client: FlaskClient) -> None:
    answer = client.get("/no/such/page")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404 and 'lang="zh' in html and "找不到" in html
    assert "Not Found" not in html


def _fresh(app: Flask, tmp_path: Path, **config: object) -> Flask:
    return create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                       "SECRET_KEY": "test-secret", "CACHE_DIR": str(tmp_path),
                       "KEYS_DIR": str(tmp_path / "keys"), "RATELIMIT_ENABLED": False, **config})


def test_a_locked_sqlite_answers_503_with_retry_after(app: Flask, tmp_path: Path) -> None:
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite's database lock")
    accounts = make_accounts(app)
    busy = _fresh(app, tmp_path, SQLITE_BUSY_TIMEOUT_MS=50)
    holder = sqlite3.connect(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        client = busy.test_client()
        api = client.post("/api/v1/facilities", headers=accounts.headers("admin"), json={
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [116.3547, 39.9612]},
            "properties": {"kind": "toilet"}})
        page = client.post("/office/login", data={"username": "editor", "password": "x"},
                           headers={"Accept": "text/html"})
    finally:
        holder.rollback()
        holder.close()
        busy.extensions["db_engine"].dispose()
    assert api.status_code == 503 and api.headers["Retry-After"] == "5", api.get_data(as_text=True)
    assert api.get_json()["message"] == "数据库正忙，请稍后重试"
    assert page.status_code in (400, 503)


def test_a_stale_postgresql_connection_is_replaced(app: Flask, tmp_path: Path) -> None:
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL's server-side disconnect")
    fresh = _fresh(app, tmp_path)
    client = fresh.test_client()
    assert client.get("/api/v1/communities").status_code == 200  # a pooled connection now
    name = make_url(app.config["DATABASE_URL"]).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        pids = list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name "
                                      "AND pid <> pg_backend_pid()"), {"name": name}).scalars())
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM "
                                   "unnest(CAST(:pids AS int[])) AS pid"), {"pids": pids}).scalar()
        for _ in range(100):  # a restart is over once the old backends have gone (and said so)
            if not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                                {"pids": pids}).scalar():
                break
            time.sleep(0.05)
    admin.dispose()
    assert killed >= 1  # as after a server restart
    answer = client.get("/api/v1/communities")
    fresh.extensions["db_engine"].dispose()
    assert answer.status_code == 200, answer.get_data(as_text=True)
