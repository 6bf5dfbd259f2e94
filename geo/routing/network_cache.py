"""Access networks (compound layers, building doors, the assembled snapshot) cached on
disk beside their street graph, so that a new worker maps them in instead of building
them.

An entry is two files in the street graph's own cache entry, so it goes when that entry
goes: ``network.pickle`` (a header, then the network pickled with protocol 5) and
``network.arrays`` (every array's bytes, aligned, written out of band). On load the
arrays file is memory-mapped copy-on-write and each array is a view of it: loading
copies no array data, and pages are read when a search touches them. Shapely geometries
(compound walls, building outlines) are kept out of the pickle too: they are stored in
the header as one WKB list and parsed in one vectorised call, each geometry once however
many values share it. The cyclic garbage collector is paused while the objects are
made (with it, a city's million objects cost it seconds of scans) and they are then
frozen (``gc.freeze``): a long-lived network is not scanned by every later collection.
The street graph is not in the entry: it is memory-mapped from its
own and put back on load (a persistent id). The header records a digest of the settings
that shape layers (``geo.settings``) and the format: an entry made under other settings
is not loaded. Next to the network it keeps ``meta``, what the caller needs to know
which database state it reflects.
"""

from __future__ import annotations

import gc
import hashlib
import io
import mmap
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.routing.network import AccessNetwork
from geo.routing.street_graph import StreetGraph

FORMAT_VERSION = 2  # 2: arrays out of band (memory-mapped), geometries as one WKB list
_STREET = "street-graph"
_ALIGN = 64  # bytes: every array starts on a cache line


def settings_digest() -> str:
    """Digest of every tunable in ``geo.settings`` and of this format's version."""
    values = sorted((k, repr(getattr(settings, k))) for k in dir(settings) if k.isupper())
    return hashlib.sha256(repr((FORMAT_VERSION, values)).encode()).hexdigest()[:16]


def network_path(street: StreetGraph, *, cache_dir: str | Path) -> Path:
    """Where the network of ``street`` is cached under ``cache_dir`` (its arrays beside it,
    in ``network.arrays``)."""
    return Path(cache_dir) / street.key / "network.pickle"


class _Pickler(pickle.Pickler):
    """Pickles with the street graph and every geometry as persistent ids."""

    def __init__(self, file: io.BufferedIOBase, street: StreetGraph, buffers: list[Any]) -> None:
        super().__init__(file, protocol=5, buffer_callback=buffers.append)
        self.street = street
        self.geometries: list[BaseGeometry] = []
        self._geometry_index: dict[int, int] = {}  # id() → index (the list keeps them alive)

    def persistent_id(self, obj: Any) -> Any:
        if obj is self.street:
            return _STREET
        if isinstance(obj, BaseGeometry):
            index = self._geometry_index.get(id(obj))
            if index is None:
                index = self._geometry_index[id(obj)] = len(self.geometries)
                self.geometries.append(obj)
            return index
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, street: StreetGraph, geometries: Any,
                 buffers: list[memoryview]) -> None:
        super().__init__(file, buffers=buffers)
        self.street = street
        self.geometries = geometries

    def persistent_load(self, pid: Any) -> Any:
        if pid == _STREET:
            return self.street
        if isinstance(pid, int) and 0 <= pid < len(self.geometries):
            return self.geometries[pid]
        msg = f"unknown persistent id {pid!r} in a network cache"
        raise pickle.UnpicklingError(msg)


def save_network(network: AccessNetwork, *, cache_dir: str | Path, meta: dict[str, Any]) -> Path:
    """Write ``network`` (without its street graph) and ``meta`` to its cache entry
    (both files written aside, then renamed into place); returns the pickle's path."""
    target = network_path(network.street, cache_dir=cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    buffers: list[pickle.PickleBuffer] = []
    body = io.BytesIO()
    pickler = _Pickler(body, network.street, buffers)
    pickler.dump((meta, network))
    spans: list[tuple[int, int]] = []
    fd, arrays_tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        for buffer in buffers:
            raw = buffer.raw()
            offset = -f.tell() % _ALIGN
            f.write(b"\0" * offset)
            spans.append((f.tell(), raw.nbytes))
            f.write(raw)
    wkb = [bytes(w) for w in shapely.to_wkb(pickler.geometries)] if pickler.geometries else []
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        pickle.dump((settings_digest(), spans, wkb), f, protocol=5)
        f.write(body.getbuffer())
    os.replace(arrays_tmp, target.with_suffix(".arrays"))
    os.replace(tmp, target)
    return target


def load_network(street: StreetGraph, *, cache_dir: str | Path
                 ) -> tuple[AccessNetwork, dict[str, Any]] | None:
    """The cached network of ``street`` and its ``meta``, or None if there is none or it
    was made under other settings or another format (arrays memory-mapped, see the
    module docstring)."""
    target = network_path(street, cache_dir=cache_dir)
    arrays = target.with_suffix(".arrays")
    if not target.exists() or not arrays.exists():
        return None
    with open(target, "rb") as f:
        try:
            digest, spans, wkb = pickle.load(f)
            if digest != settings_digest():
                return None
            with open(arrays, "rb") as a:
                size = os.fstat(a.fileno()).st_size
                mapped = mmap.mmap(a.fileno(), 0, access=mmap.ACCESS_COPY) if size else b""
            view = memoryview(mapped)
            buffers = [view[start:start + length] for start, length in spans]
            geometries = shapely.from_wkb(wkb) if wkb else []
            collecting = gc.isenabled()
            gc.disable()
            try:
                meta, network = _Unpickler(f, street, geometries, buffers).load()
            finally:
                if collecting:
                    gc.enable()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            return None
        gc.freeze()
    if not isinstance(network, AccessNetwork):
        return None
    return network, meta
