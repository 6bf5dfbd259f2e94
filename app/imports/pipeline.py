"""An OSM import in its phases, the same for ``import-osm`` and for its job: read the
extract, build its street graph into the cache, import the features and record the
source. The graph is built before any write, so a job can report that phase (SQLite
lets one writer at a time, and the import holds the write until it commits)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from app.addresses.divisions import validate_division
from app.imports.importer import ImportReport, import_osm
from app.imports.sources import record_source
from app.models import Source
from app.routing.service import cache_dir
from geo.errors import YouluError
from geo.osm.extract import OsmExtract, read_osm_extract
from geo.osm.reader import file_format, read_osm
from geo.routing.cache import load_street_graph

PHASES = ("读取 reading", "路网与缓存 graph and cache", "要素 features")


def check_import(session: Session, path: str | Path, division: str | None) -> None:
    """Refuse (``YouluError``) a file that is missing or not OSM, or an unknown division."""
    file_format(path)
    if division is not None:
        validate_division(session, division)


def run_import(session: Session, path: str | Path, *, division: str | None,
               actor: str = "import-osm", phase: Callable[[int, str], None],
               on_kind: Callable[[str], None] | None = None,
               on_read: Callable[[OsmExtract], None] | None = None) -> tuple[ImportReport, Source]:
    """Import ``path`` (flushed, for the caller to commit), calling ``phase(i, name)``
    as each of ``PHASES`` begins, ``on_read(extract)`` once the file is read (its
    features per kind) and ``on_kind(kind)`` as each kind of feature is written (inside
    the write: SQLite's job row cannot take it, see ``app.jobs.kind_progress``); its
    features are audited as ``actor``. The report and the source. Its callers run it
    and their commit inside ``geo.collector.collector_paused()``: an import's objects
    are freed by reference counts, and collections would only scan them."""
    check_import(session, path, division)
    phase(0, PHASES[0])
    data = read_osm(path)  # read once, for the features and the street graph
    extract = read_osm_extract(path, data=data)
    if on_read is not None:
        on_read(extract)
    phase(1, PHASES[1])
    with contextlib.suppress(YouluError):  # record_source meets it again and records it
        load_street_graph(path, cache_dir=cache_dir(), data=data)
    del data  # the features and the graph hold what they need: free it before the writes
    phase(2, PHASES[2])
    report = import_osm(session, path, division=division, actor=actor, extract=extract,
                        on_kind=on_kind)
    return report, record_source(session, extract, report, cache_dir=cache_dir())
