"""Access networks (compound layers, building doors, the assembled snapshot) cached on
disk beside their street graph, so that a new worker loads instead of building them.

An entry is one pickle file in the street graph's own cache entry
(``<street key>/network.pickle``), so it goes when that entry goes. The street graph is
not in it: it is memory-mapped from its own entry and put back on load (pickle's
persistent ids), so loading costs about a copy of the layer arrays. The entry records a
digest of the settings that shape layers (``geo.settings``) and the format: an entry
made under other settings is not loaded. Next to the network it keeps ``meta``, what
the caller needs to know which database state it reflects.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from geo import settings
from geo.routing.network import AccessNetwork
from geo.routing.street_graph import StreetGraph

FORMAT_VERSION = 1
_STREET = "street-graph"


def settings_digest() -> str:
    """Digest of every tunable in ``geo.settings`` and of this format's version."""
    values = sorted((k, repr(getattr(settings, k))) for k in dir(settings) if k.isupper())
    return hashlib.sha256(repr((FORMAT_VERSION, values)).encode()).hexdigest()[:16]


def network_path(street: StreetGraph, *, cache_dir: str | Path) -> Path:
    """Where the network of ``street`` is cached under ``cache_dir``."""
    return Path(cache_dir) / street.key / "network.pickle"


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BufferedIOBase, street: StreetGraph) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.street = street

    def persistent_id(self, obj: Any) -> str | None:
        return _STREET if obj is self.street else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, street: StreetGraph) -> None:
        super().__init__(file)
        self.street = street

    def persistent_load(self, pid: Any) -> StreetGraph:
        if pid != _STREET:
            msg = f"unknown persistent id {pid!r} in a network cache"
            raise pickle.UnpicklingError(msg)
        return self.street


def save_network(network: AccessNetwork, *, cache_dir: str | Path, meta: dict[str, Any]) -> Path:
    """Write ``network`` (without its street graph) and ``meta`` to its cache entry
    (written aside, then renamed into place); returns the entry's path."""
    target = network_path(network.street, cache_dir=cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        _Pickler(f, network.street).dump((settings_digest(), meta, network))
    os.replace(tmp, target)
    return target


def load_network(street: StreetGraph, *, cache_dir: str | Path
                 ) -> tuple[AccessNetwork, dict[str, Any]] | None:
    """The cached network of ``street`` and its ``meta``, or None if there is none or it
    was made under other settings or another format."""
    target = network_path(street, cache_dir=cache_dir)
    if not target.exists():
        return None
    with open(target, "rb") as f:
        try:
            digest, meta, network = _Unpickler(f, street).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
    if digest != settings_digest() or not isinstance(network, AccessNetwork):
        return None
    return network, meta
