"""Compiled street graphs cached on disk, keyed by the source file and the settings.

A cache entry is a folder of ``.npy`` arrays (memory-mapped on load: loading costs
milliseconds, not an osmnx rebuild) and a ``meta.json``. Its name carries a digest of
the OSM file's bytes and of everything that shapes the graph (data/routing/modes.json,
the format version), so a changed file or rule set builds a new entry. A small index
maps (path, size, mtime) to the file digest so that a load does not re-read the file.
Several files that overlap or touch compile into one joined entry, named by the digests of
all of them; ``cached_street_graph`` finds an entry from recorded digests without reading
any OSM file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from geo import settings
from geo.osm.reader import OsmData, file_format, file_sha256, read_osm
from geo.routing.street_graph import (
    StreetGraph,
    compile_network,
    compile_street_network,
    read_osm_network,
    street_network,
)

FORMAT_VERSION = 3  # 3: read by geo.osm.reader (bounds rule, clipped ways cut)
_SCALARS = ("source", "key", "bounds", "lon0", "lat0", "way_name", "way_highway")


def rules_digest() -> str:
    """Digest of what shapes a compiled graph besides the OSM file."""
    rules = Path(settings.ROUTING_MODES_FILE).read_bytes()
    return hashlib.sha256(rules + f"format={FORMAT_VERSION}".encode()).hexdigest()[:12]


def cache_key(path: Path, cache_dir: Path) -> str:
    """The cache entry name of ``path``: file stem, file digest, rules digest."""
    stat = path.stat()
    index_file = cache_dir / "index.json"
    index = json.loads(index_file.read_text()) if index_file.exists() else {}
    stamp = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    if stamp not in index:
        index[stamp] = file_sha256(path)[:16]
        _atomic_write(index_file, json.dumps(index, indent=0).encode())
    return entry_name(path, index[stamp])


def entry_name(path: Path, digest: str) -> str:
    """The cache entry name of the file ``path`` whose sha256 (hex) is ``digest``."""
    stem = path.name.split(".")[0]
    return f"{stem}-{digest[:16]}-{rules_digest()}"


def joined_entry_name(digests: Sequence[str]) -> str:
    """The cache entry name of the files with sha256 ``digests`` joined into one graph (one
    file: its own entry is used instead); order does not matter."""
    joined = hashlib.sha256("|".join(sorted(digests)).encode()).hexdigest()[:16]
    return f"joined{len(digests)}-{joined}-{rules_digest()}"


def cached_street_graph(paths: Sequence[str | Path], digests: Sequence[str], *,
                        cache_dir: str | Path) -> StreetGraph | None:
    """The street graph cached for the OSM ``paths`` (one, or several joined) whose sha256
    are ``digests``, or None if it is not cached; never reads the OSM files, never builds."""
    name = (entry_name(Path(paths[0]), digests[0]) if len(paths) == 1
            else joined_entry_name(digests))
    entry = Path(cache_dir) / name
    return read_street_graph(entry) if (entry / "meta.json").exists() else None


def load_joined_street_graph(paths: Sequence[str | Path], *,
                             cache_dir: str | Path | None = None) -> StreetGraph:
    """One compiled street graph of several OSM files that overlap or touch, joined where
    they share OSM nodes (a way in two files becomes one), from the cache or built and
    cached; one file is ``load_street_graph``."""
    files = [Path(p) for p in paths]
    if len(files) == 1:
        return load_street_graph(files[0], cache_dir=cache_dir)
    cache_dir = Path(cache_dir or settings.ROUTING_CACHE_DIR)
    cache_dir.mkdir(parents=True, exist_ok=True)
    entry = cache_dir / joined_entry_name([file_sha256(p) for p in files])
    if not (entry / "meta.json").exists():
        import networkx as nx
        networks = [read_osm_network(p) for p in files]
        joined = nx.compose_all(networks)
        boxes = [n.graph.get("bounds") for n in networks]
        joined.graph["bounds"] = None if None in boxes else (
            min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))
        names = "+".join(sorted(p.name for p in files))
        save_street_graph(compile_network(joined, source=names, key=entry.name), entry)
    return read_street_graph(entry)


def load_street_graph(path: str | Path, *, cache_dir: str | Path | None = None,
                      data: OsmData | None = None) -> StreetGraph:
    """The compiled street graph of an OSM file, from the cache or built and cached (from
    ``data``, the file already read by ``read_osm``, if given).

    Arrays come back memory-mapped read-only (as plain ndarray views).
    """
    path = Path(path)
    file_format(path)
    cache_dir = Path(cache_dir or settings.ROUTING_CACHE_DIR)
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = cache_key(path, cache_dir)
    entry = cache_dir / key
    if not (entry / "meta.json").exists():
        graph = compile_street_network(street_network(data if data is not None else read_osm(path)),
                                       source=path.name, key=key)
        save_street_graph(graph, entry)
    return read_street_graph(entry)


def save_street_graph(graph: StreetGraph, entry: Path) -> None:
    """Write ``graph`` to the folder ``entry`` (written aside, then renamed into place)."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".tmp-"))
    meta = {}
    for f in fields(StreetGraph):
        value = getattr(graph, f.name)
        if f.name in _SCALARS:
            meta[f.name] = list(value) if isinstance(value, tuple) else value
        else:
            np.save(tmp / f"{f.name}.npy", np.ascontiguousarray(value))
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    try:
        os.rename(tmp, entry)
    except OSError:  # another process cached it first
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()


def read_street_graph(entry: Path) -> StreetGraph:
    """Load a cache folder written by ``save_street_graph`` (arrays memory-mapped)."""
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    values: dict[str, Any] = {}  # field values: JSON scalars and arrays
    for f in fields(StreetGraph):
        if f.name in _SCALARS:
            value = meta[f.name]
            values[f.name] = tuple(value) if isinstance(value, list) else value
        else:
            # A plain ndarray view of the map: indexing a np.memmap runs Python code.
            values[f.name] = np.load(entry / f"{f.name}.npy", mmap_mode="r").view(np.ndarray)
    return StreetGraph(**values)


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, target)
