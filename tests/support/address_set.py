"""The labelled address set (tests/data/address_set.tsv) and how a resolver is scored on it.

Each case is a query as a rider or platform writes it, the expected status and the
place(s) it means, named by kind and OSM reference (``building:way/123``) because ids
and codes depend on import order and allocation, OSM references do not:

- ``matched``: exactly one place is meant (``targets`` has it);
- ``ambiguous``: no compound named, or a name or number shared by several places
  (``targets`` lists every place that fits; all must be among the candidates);
- ``not_found``: the place, building or unit does not exist.

The aliases offices would add are in tests/data/address_aliases.tsv (compound OSM
reference, alias). The file format and the scoring are ``geo.address.labelled_set``
(bench/resolver.py scores on it too); this module names the files and imports the
bundled extracts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geo.address import labelled_set
from geo.address.labelled_set import (
    GOAL_TOP1,
    Case,
    Score,
    candidate_ref,
    score,
    variant_table,
    with_aliases,
)
from geo.address.resolver import PlaceRecord

__all__ = ["ALIASES_FILE", "CASES_FILE", "GOAL_TOP1", "Case", "Score", "app_for", "candidate_ref",
           "import_beijing", "imported_records", "read_aliases", "read_cases", "score",
           "variant_table", "with_aliases", "write_cases"]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
CASES_FILE = DATA_DIR / "address_set.tsv"
ALIASES_FILE = DATA_DIR / "address_aliases.tsv"


def read_cases(path: Path = CASES_FILE) -> list[Case]:
    return labelled_set.read_cases(path)


def write_cases(cases: Iterable[Case], path: Path = CASES_FILE, *, header: str = "") -> None:
    labelled_set.write_cases(cases, path, header=header)


def read_aliases(path: Path = ALIASES_FILE) -> dict[str, list[str]]:
    """Compound OSM reference (``way/123``) → the aliases an office would add."""
    return labelled_set.read_aliases(path)


def import_beijing(directory: Path) -> str:
    """Import the three bundled extracts into a new SQLite database in ``directory``, into
    the streets the test fixtures use; returns its URL."""
    from app.addresses.divisions import load_national_divisions
    from app.db import get_session, upgrade_schema
    from app.imports.importer import import_osm
    from tests.support.extracts import EXTRACTS, OSM_DIR

    url = f"sqlite:///{directory / 'imported.sqlite3'}"
    app = app_for(url, directory)
    upgrade_schema(app.extensions["db_engine"])
    with app.app_context():   # the app's sessions allocate codes on flush
        load_national_divisions(get_session())
        get_session().commit()
        for filename, division in EXTRACTS.values():
            import_osm(get_session(), OSM_DIR / filename, division=division)
    app.extensions["db_engine"].dispose()
    return url


def app_for(url: str, directory: Path) -> Any:
    """A Youlu app on the database at ``url`` (instance files under ``directory``)."""
    from app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "address-set",
                       "KEYS_DIR": str(directory / "keys"), "CACHE_DIR": str(directory / "cache"),
                       "RATELIMIT_ENABLED": False})


def imported_records(directory: Path) -> tuple[list[PlaceRecord], dict[str, tuple[str, int]]]:
    """The three bundled extracts imported into a database in ``directory`` and read as
    resolver records (``app.addresses.resolve.load_records``) with the retired codes."""
    from app.addresses.resolve import load_records
    from app.db import get_session

    app = app_for(import_beijing(directory), directory)
    with app.app_context():
        loaded = load_records(get_session())
    app.extensions["db_engine"].dispose()
    return loaded
