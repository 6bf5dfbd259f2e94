"""The app factory, configuration and landing page."""

from __future__ import annotations

from app import create_app
from app.db import engine_key, make_engine


def test_config_override(database_url: str, tmp_path) -> None:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    assert app.testing
    assert app.config["DATABASE_URL"] == database_url


def test_default_database_is_sqlite_under_instance(monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/youlu.sqlite3")


def test_landing_page_in_chinese(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "小区" in page and "© OpenStreetMap contributors" in page


def test_unknown_api_path_is_json(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["message"] and response.json["message_en"]


def test_engine_keys_are_never_reused() -> None:
    """Engines made one after another, each dropped before the next, get distinct cache
    keys, also once Python hands a later one the ``id()`` of an earlier one (what the
    planner's per-engine caches were keyed on)."""
    keys, ids = set(), set()
    for _ in range(500):
        engine = make_engine("sqlite://")
        reused = id(engine) in ids
        keys.add(engine_key(engine))
        ids.add(id(engine))
        engine.dispose()
        del engine
        if reused:
            break
    assert reused, "no id() was reused: the hazard did not show"
    assert len(keys) == len(ids) + 1
