"""The app factory, configuration and landing page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


# Imported only by the code that draws or converts, signs or checks signatures, projects
# to metres, solves a siting problem or matches an address by likeness, never by a
# worker's start: a worker answers its first route without them (issue 12's start-up budget).
DRAWING_AND_CONVERSION_MODULES = ("matplotlib", "fontTools", "qrcode", "ndef", "folium", "pandas",
                                  "geopandas", "openpyxl", "alembic", "cn2an", "osmnx", "PIL")
ON_DEMAND_MODULES = ("cryptography", "pyproj", "pulp", "rapidfuzz")


def test_create_app_imports_no_drawing_or_conversion_library(database_url: str, tmp_path) -> None:
    """In a fresh interpreter, ``create_app`` and a first request leave out every library
    that only posters, plates, maps, exports, migrations, signatures, projections, siting
    or the address resolver use; importing the app leaves the garbage collector on, with
    what the import made frozen."""
    script = ("import gc, json, sys\n"
              "from app import create_app\n"
              "collector = {'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count() > 0}\n"
              "app = create_app({'DATABASE_URL': sys.argv[1], 'TESTING': True})\n"
              "status = app.test_client().get('/api/v1/openapi.json').status_code\n"
              "print(json.dumps({'status': status, 'collector': collector, 'loaded': sorted("
              "m for m in sys.argv[2:] if m in sys.modules)}))\n")
    done = subprocess.run([sys.executable, "-c", script, database_url, *DRAWING_AND_CONVERSION_MODULES,
                           *ON_DEMAND_MODULES],
                          capture_output=True, text=True, check=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer == {"status": 200, "collector": {"enabled": True, "frozen": True}, "loaded": []}
