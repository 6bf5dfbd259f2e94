"""Errors as a person meets them (app.errors, app.page_errors): a Chinese page with a
way forward for a followed link, JSON for the API, token holders and clients asking for
JSON; and the favicon, served by the app itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.databases import make_app


def _is_chinese_page(response, status: int) -> str:  # noqa: ANN001
    page = response.get_data(as_text=True)
    assert response.status_code == status and response.mimetype == "text/html"
    assert f'data-status="{status}"' in page and 'lang="zh-CN"' in page
    assert "返回上一页" in page and 'href="/"' in page  # a way forward
    assert "Not Found" not in page and "message_en" not in page
    return page


@pytest.mark.parametrize(("method", "url", "status", "words"), [
    ("GET", "/no-such-page", 404, "没有这个页面"),
    ("GET", "/office/no-such-page", 404, "没有这个页面"),
    ("GET", "/r/999999", 404, "找不到"),
    ("GET", "/office/logout", 405, "不能直接打开"),
    ("DELETE", "/", 405, "不能直接打开"),
])
def test_a_followed_link_gets_a_chinese_page(client: FlaskClient, method: str, url: str,
                                             status: int, words: str) -> None:
    page = _is_chinese_page(client.open(url, method=method), status)
    assert words in page


def test_office_errors_lead_to_the_office_home(client: FlaskClient) -> None:
    page = _is_chinese_page(client.get("/office/no-such-page"), 404)
    assert 'href="/office/"' in page


@pytest.mark.parametrize(("url", "headers"), [
    ("/api/v1/nothing-here", {}),
    ("/.well-known/nothing-here", {}),
    ("/no-such-page", {"Accept": "application/json"}),
    ("/r/999999", {"Authorization": "Bearer yl_not_a_real_token"}),
])
def test_machines_keep_json(client: FlaskClient, url: str, headers: dict[str, str]) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code in (401, 404) and response.is_json
    assert response.json["message"] and response.json["message_en"]


def test_too_large_an_upload_is_a_chinese_page(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = app.test_client().post("/report", data={"text": "x" * 5000})
    assert "上传的内容太大" in _is_chinese_page(response, 413)


@pytest.fixture
def failing_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    yield app


def test_a_server_error_is_a_chinese_page(failing_app: Flask) -> None:
    page = _is_chinese_page(failing_app.test_client().get("/boom"), 500)
    assert "服务器出了点问题" in page and "a bug" not in page
    as_json = failing_app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert as_json.status_code == 500 and as_json.json["message"] == "服务器内部错误"


def test_favicon_is_the_apps_own(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg")
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page and "/static/favicon.svg" in page
