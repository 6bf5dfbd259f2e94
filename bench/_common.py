"""What the benchmarks share: the bundled extracts imported into a scratch database, an app
on it, and headless Chromium with the app on a real server thread.

The benchmarks import the installed project (``pip install -e .``, as scripts/test.sh
does) and nothing from tests/; a script's own directory is on ``sys.path`` when it is run
as ``.venv/bin/python bench/<name>.py``, so they import this module as ``_common``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The labelled address set the resolver is scored on (geo.address.labelled_set).
LABELLED_CASES = ROOT / "tests" / "data" / "address_set.tsv"
LABELLED_ALIASES = ROOT / "tests" / "data" / "address_aliases.tsv"
# The bundled extracts (settings.OSM_DIR) and the street (街道) each is imported into.
EXTRACTS = {"beijing_haidian_qinghuadonglu.osm.bz2": "110108010",
            "beijing_haidian_bupt.osm.bz2": "110108008",
            "beijing_haidian_wudaokou_2017.osm.bz2": "110108014"}

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def app_for(url: str, directory: Path, **config: Any) -> Any:
    """A Youlu app on the database at ``url`` (instance files under ``directory``, the
    routing cache in ``directory``/cache/routing), with ``config`` on top."""
    from app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                       "KEYS_DIR": str(directory / "keys"), "CACHE_DIR": str(directory / "cache"),
                       "RATELIMIT_ENABLED": False, **config})


def import_bundled(directory: Path) -> str:
    """Import the three bundled extracts into a new SQLite database in ``directory``, each
    into its street (``EXTRACTS``); returns the database URL."""
    from app.addresses.divisions import load_national_divisions
    from app.db import get_session, upgrade_schema
    from app.imports.importer import import_osm
    from geo import settings

    url = f"sqlite:///{directory / 'imported.sqlite3'}"
    app = app_for(url, directory)
    upgrade_schema(app.extensions["db_engine"])
    with app.app_context():   # the app's sessions allocate codes on flush
        load_national_divisions(get_session())
        get_session().commit()
        for filename, division in EXTRACTS.items():
            import_osm(get_session(), settings.OSM_DIR / filename, division=division)
    app.extensions["db_engine"].dispose()
    return url


@contextmanager
def chromium() -> Iterator[tuple[Any, Any]]:
    """Playwright and Debian's Chromium (never a downloaded browser), headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield playwright, browser
        finally:
            browser.close()


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` on a real HTTP server thread at 127.0.0.1 on a free port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
