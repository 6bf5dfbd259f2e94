"""HTTP errors (app.errors) on SQLite and PostGIS: JSON for the API and a Chinese page for
people, both keeping the headers the error carries (``Allow`` on a 405)."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_405_answers_with_allow(client: FlaskClient) -> None:
    api = client.delete("/api/v1/resolve?q=x")
    assert api.status_code == 405 and api.is_json
    assert api.get_json()["message"] == "不支持此方法"
    assert {"GET", "HEAD"} <= {m.strip() for m in api.headers["Allow"].split(",")}
    page = client.put("/")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    assert "不支持此方法" in page.get_data(as_text=True)


def test_an_unknown_page_is_answered_in_chinese(client: FlaskClient) -> None:
    answer = client.get("/no/such/page")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404 and 'lang="zh' in html and "找不到" in html
    assert "Not Found" not in html
