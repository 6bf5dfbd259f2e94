"""The sources of the map: each imported OSM file recorded once, its street graph built
and cached at import time (never in a request), listed and removed by the office.

A source is ``ready`` when its graph is in the cache, ``failed`` (with the reason) when it
cannot be built; a failed source is not tried again until it is imported again. Ready
sources that overlap or touch are served as one graph, joined by OSM node id, built here
too, and so is each graph's access network (compound layers, building doors), cached
beside it for new workers to load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ids import get_row, parse_id
from app.imports.importer import ImportReport
from app.models import Source
from app.models.base import utcnow
from app.routing.service import build_network_caches, served_groups
from geo.errors import NotFound, YouluError
from geo.hours.opening_hours import local_text
from geo.osm.extract import OsmExtract
from geo.osm.reader import file_sha256
from geo.routing.cache import load_joined_street_graph, load_street_graph

# Entrances by how they became known: a gate's source → the count it goes to.
ENTRANCE_KINDS = {"osm": "found", "office": "found", "inferred": "inferred", "proposed": "proposed"}


def entrance_counts(extract: OsmExtract) -> dict[str, int]:
    """Entrances of ``extract`` found (mapped in OSM), inferred and proposed."""
    counts = dict.fromkeys(("found", "inferred", "proposed"), 0)
    for gate in extract.features["gate"]:
        counts[ENTRANCE_KINDS.get(gate.source, "found")] += 1
    return counts


def record_source(session: Session, extract: OsmExtract, report: ImportReport, *,
                  cache_dir: Path) -> Source:
    """Record the file ``extract`` was read from (or update it, keyed by absolute path)
    with its hash, size, bounds and what ``report`` says the import did, then build and
    cache its street graph (and the joined graph of the sources it overlaps or touches):
    ``ready`` if that works, ``failed`` with the reason if not."""
    path = Path(extract.path).resolve()
    source = session.scalar(select(Source).where(Source.path == str(path)))
    if source is None:
        source = Source(path=str(path))
        session.add(source)
    source.sha256 = file_sha256(path)
    source.size = path.stat().st_size
    source.imported_at = utcnow()
    source.counts = {**{k: v for k, v in report.as_dict().items() if k in ("created", "updated",
                                                                          "unchanged", "skipped")},
                     "conflicts": len(report.conflicts), "entrances": entrance_counts(extract)}
    bounds = extract.bounds
    try:
        graph = load_street_graph(path, cache_dir=cache_dir)
    except YouluError as error:
        source.status, source.error = "failed", f"{error.zh} / {error.en}"
    else:
        source.status, source.error = "ready", None
        bounds = bounds or graph.bounds
    source.west, source.south, source.east, source.north = bounds or _feature_bounds(extract)
    session.flush()
    if source.status == "ready":
        build_joined_graphs(session, cache_dir=cache_dir)
    build_network_caches(session, directory=cache_dir)
    return source


def build_joined_graphs(session: Session, *, cache_dir: Path) -> None:
    """Build and cache the joined street graph of every group of ready sources that
    overlap or touch (the routing service serves one graph per group)."""
    for group in served_groups(session):
        if len(group) > 1:
            load_joined_street_graph([path for path, _ in group], cache_dir=cache_dir)


def _feature_bounds(extract: OsmExtract) -> tuple[float | None, ...]:
    """(west, south, east, north) of every feature read, for a file without ``<bounds>``
    and without streets; Nones if it holds nothing."""
    geoms = [f.geom for features in extract.features.values() for f in features]
    if not geoms:
        return (None, None, None, None)
    return tuple(float(v) for v in shapely.total_bounds(geoms))


def all_sources(session: Session) -> list[Source]:
    """Every recorded source, oldest first."""
    return list(session.scalars(select(Source).order_by(Source.id)))


def source_paths(session: Session) -> list[Path]:
    """The files of every recorded source (the map's street layer reads them)."""
    return [Path(p) for p in session.scalars(select(Source.path).order_by(Source.id))]


def find_source(session: Session, path_or_id: str) -> Source:
    """The source with id ``path_or_id`` or at that path; ``NotFound`` otherwise."""
    text = path_or_id.strip()
    number = parse_id(text)
    source = get_row(session, Source, number) if number is not None else None
    if source is None and text:
        source = session.scalar(select(Source).where(Source.path == str(Path(text).resolve())))
    if source is None:
        raise NotFound(f"没有来源“{text}”（用 sources 列出）",
                       f"no source {text!r} (list them with `sources`)")
    return source


def remove_source(session: Session, source: Source, *, cache_dir: Path) -> None:
    """Drop ``source``: its features stay, its street graph is no longer served (the
    sources it joined are joined again without it)."""
    session.delete(source)
    session.flush()
    build_joined_graphs(session, cache_dir=cache_dir)
    build_network_caches(session, directory=cache_dir)


def source_view(source: Source) -> dict[str, Any]:
    """A source as JSON: path, status, error, imported_at (UTC ISO 8601) and
    imported_local (Beijing time), bounds, counts."""
    return {"id": source.id, "path": source.path, "sha256": source.sha256, "size": source.size,
            "status": source.status, "error": source.error,
            "imported_at": source.imported_at.isoformat(),
            "imported_local": local_text(source.imported_at), "bounds": source.bounds,
            "counts": source.counts}
