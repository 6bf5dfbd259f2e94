"""Browser protection (app.security) on SQLite and PostGIS: security headers on every kind
of answer, ``Secure`` cookies behind https, and ``PROXY_FIX`` for the client's address."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, request

from app import create_app
from app.security import HEADERS
from tests.support.accounts import PASSWORD
from tests.support.riders import Site, csrf_token, register_rider


def _app(site: Site, tmp_path: Path, **config: object) -> Flask:
    return create_app({**{k: site.app.config[k] for k in ("DATABASE_URL", "SECRET_KEY",
                                                          "KEYS_DIR", "SMS_SENDER")},
                       "TESTING": True, "CACHE_DIR": str(tmp_path), "RATELIMIT_ENABLED": False,
                       **config})


def test_every_answer_carries_the_security_headers(site: Site) -> None:
    client = site.app.test_client()
    answers = [client.get("/"), client.get("/office/login"), client.get(f"/r/{site.community_id}"),
               client.get("/pass/register"), client.get("/api/v1/communities"),
               client.get("/no/such/page"), client.get("/api/v1/communities/999999"),
               client.get(site.gate_url(site.gate_ids[0]))]
    for answer in answers:
        for name, value in HEADERS.items():
            assert answer.headers.get(name) == value, (answer.request.path, name)
    assert "frame-ancestors 'none'" in HEADERS["Content-Security-Policy"]


@pytest.mark.parametrize(("public", "secure"), [("https://youlu.example.cn", True),
                                                ("http://127.0.0.1:5000", False)])
def test_cookies_are_secure_when_the_public_address_is_https(site: Site, tmp_path: Path,
                                                             public: str, secure: bool) -> None:
    app = _app(site, tmp_path, PUBLIC_BASE_URL=public)
    client = app.test_client()
    token = csrf_token(client, "/office/login")
    login = client.post("/office/login", data={"csrf_token": token, "username": "editor",
                                               "password": PASSWORD})
    assert login.status_code == 302
    assert ("; Secure" in login.headers["Set-Cookie"]) is secure
    rider = app.test_client()
    device = register_rider(rider, app)
    cookies = [c for c in device.headers.getlist("Set-Cookie") if "Path=/pass" in c]
    assert cookies and all(("; Secure" in c) is secure for c in cookies)
    app.extensions["db_engine"].dispose()


def test_proxy_fix_trusts_the_configured_proxy(site: Site, tmp_path: Path) -> None:
    seen: list[tuple[str | None, str]] = []
    for proxies in (0, 1):
        app = _app(site, tmp_path, PROXY_FIX=proxies)

        @app.get("/_whoami")
        def whoami() -> str:
            seen.append((request.remote_addr, request.scheme))
            return "ok"
        app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7",
                                                   "X-Forwarded-Proto": "https"})
        app.extensions["db_engine"].dispose()
    assert seen == [("127.0.0.1", "http"), ("203.0.113.7", "https")]
