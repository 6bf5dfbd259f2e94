"""Access networks (compound layers, building doors, the assembled snapshot) cached on
disk beside their street graph, so that a new worker maps them in instead of building
them.

An entry is two files in the street graph's own cache entry, so it goes when that entry
goes: ``network.pickle`` (a header, then two pickles with protocol 5 and one memo: first
what a route needs, the network without its ``EDIT_STATE``, and ``meta``; then the edit
state and the deferred meta, read only when an edit or a caller first asks for them, so
that a new worker's first route does not pay for them) and ``network.arrays`` (every
array's bytes, aligned, written out of band). On load the
arrays file is memory-mapped copy-on-write and each array is a view of it: loading
copies no array data, and pages are read when a search touches them. Shapely geometries
(compound walls, building outlines) are kept out of the pickle too: they are stored in
the header as one WKB list and parsed in one vectorised call, each geometry once however
many values share it. The cyclic garbage collector is paused while the objects are
made (with it, a city's million objects cost it seconds of scans) and they are frozen
(``gc.freeze``) before it runs again: a long-lived network is not scanned by the first
collection nor by any later one.
The street graph is not in the entry: it is memory-mapped from its
own and put back on load (a persistent id). The header records a digest of the settings
that shape layers (``geo.settings``) and the format: an entry made under other settings
is not loaded, and so is one whose files are not the sizes the header states (cut
short). If the deferred half cannot be read when it is asked for (the file was damaged
after the first half was read), ``UnreadableCache`` says so and the entry is removed:
the caller builds the network again from its data.
Next to the network it keeps ``meta``, what the caller needs to know which database
state it reflects, and ``deferred``, what it needs only later.
"""

from __future__ import annotations

import copy
import hashlib
import io
import mmap
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.collector import collector_paused
from geo.routing.network import EDIT_STATE, AccessNetwork
from geo.routing.street_graph import StreetGraph

FORMAT_VERSION = 5  # 2: arrays out of band (memory-mapped), geometries as one WKB list;
# 3, 4: the edit state and deferred meta in a second pickle, and the geometries only it
# refers to after the others, read on first use; 5: the files' sizes in the header
_STREET = "street-graph"
_ALIGN = 64  # bytes: every array starts on a cache line
_UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError,
               TypeError, IndexError, KeyError, OSError)  # what a damaged pickle raises


class UnreadableCache(Exception):
    """The deferred half of a network cache entry could not be read; the entry is gone."""


def settings_digest() -> str:
    """Digest of every tunable in ``geo.settings`` and of this format's version. Folders
    (``Path`` settings) are left out: a checkout moved elsewhere loads the same caches."""
    values = sorted((k, repr(value)) for k in dir(settings)
                    if k.isupper() and not isinstance(value := getattr(settings, k), Path))
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
                 buffers: Iterator[memoryview]) -> None:
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


def save_network(network: AccessNetwork, *, cache_dir: str | Path, meta: dict[str, Any],
                 deferred: dict[str, Any] | None = None) -> Path:
    """Write ``network`` (without its street graph), ``meta`` and ``deferred`` (meta read
    only when asked for) to its cache entry (both files written aside, then renamed into
    place); returns the pickle's path."""
    target = network_path(network.street, cache_dir=cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    buffers: list[pickle.PickleBuffer] = []
    body = io.BytesIO()
    pickler = _Pickler(body, network.street, buffers)
    edit_state = {name: getattr(network, name) for name in EDIT_STATE}
    routing = copy.copy(network)
    for name in EDIT_STATE:
        delattr(routing, name)
    pickler.dump((meta, routing))  # what a route needs
    first = len(pickler.geometries)  # the geometries it refers to come first
    pickler.dump((edit_state, deferred or {}))  # one memo: shared values stay shared
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
    arrays_size = spans[-1][0] + spans[-1][1] if spans else 0
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        pickle.dump((settings_digest(), spans, wkb, first, body.tell(), arrays_size), f,
                    protocol=5)
        f.write(body.getbuffer())
    os.replace(arrays_tmp, target.with_suffix(".arrays"))
    os.replace(tmp, target)
    return target


class _Deferred:
    """The second half of an entry (the network's edit state and the deferred meta),
    read once, when first asked for, by the unpickler that read the first half."""

    def __init__(self, unpickler: _Unpickler, file: io.BufferedReader, wkb: list[bytes],
                 entry: Path) -> None:
        self._unpickler, self._file, self._wkb, self._entry = unpickler, file, wkb, entry
        self._lock = threading.Lock()
        self._value: tuple[dict[str, Any], dict[str, Any]] | None = None

    def __call__(self) -> tuple[dict[str, Any], dict[str, Any]]:
        with self._lock:
            if self._value is None:
                unpickler = self._unpickler
                if self._wkb:
                    unpickler.geometries = np.concatenate([unpickler.geometries,
                                                           shapely.from_wkb(self._wkb)])
                try:
                    with self._file, collector_paused(freeze=True):
                        self._value = unpickler.load()
                except _UNREADABLE as error:
                    self._entry.unlink(missing_ok=True)  # no other worker loads it again
                    msg = f"network cache {self._entry} is damaged: {error!r}"
                    raise UnreadableCache(msg) from error
                del self._unpickler, self._wkb
            return self._value


def load_network(street: StreetGraph, *, cache_dir: str | Path
                 ) -> tuple[AccessNetwork, dict[str, Any], Callable[[], dict[str, Any]]] | None:
    """The cached network of ``street``, its ``meta`` and a function that returns its
    deferred meta, or None if there is none or it was made under other settings or
    another format (arrays memory-mapped, see the module docstring). The network's edit
    state and the deferred meta are read from the file only when first asked for."""
    target = network_path(street, cache_dir=cache_dir)
    arrays = target.with_suffix(".arrays")
    if not target.exists() or not arrays.exists():
        return None
    f = open(target, "rb")  # noqa: SIM115 (kept open for the deferred half)
    try:
        digest, spans, wkb, first, body_size, arrays_size = pickle.load(f)
        if digest != settings_digest() or os.fstat(f.fileno()).st_size - f.tell() != body_size:
            f.close()
            return None
        with open(arrays, "rb") as a:
            size = os.fstat(a.fileno()).st_size
            if size != arrays_size:
                f.close()
                return None
            mapped = mmap.mmap(a.fileno(), 0, access=mmap.ACCESS_COPY) if size else b""
        view = memoryview(mapped)
        buffers = (view[start:start + length] for start, length in spans)  # taken as read
        geometries = shapely.from_wkb(wkb[:first]) if first else np.empty(0, dtype=object)
        unpickler = _Unpickler(f, street, geometries, buffers)
        with collector_paused(freeze=True):
            meta, network = unpickler.load()
    except _UNREADABLE:
        f.close()
        return None
    if not isinstance(network, AccessNetwork):
        f.close()
        return None
    deferred = _Deferred(unpickler, f, wkb[first:], target)
    network.defer_edit_state(lambda: deferred()[0])
    return network, meta, lambda: deferred()[1]
