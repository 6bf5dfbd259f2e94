"""Pausing Python's cyclic garbage collector around work that makes many objects.

With a large heap (an import's features, rows and geometries), every few thousand new
objects set off a collection that scans the survivors, and an import spent seconds in
them (a fifth to a quarter of a 6 × 6 city's import CPU) while freeing nothing: its
objects are freed by their reference counts. Work inside ``collector_paused()`` is not
interrupted; the collector runs again, as it did before, when the block ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, then restore it as it was (nested
    blocks and a caller that had it off already are left as they were)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


__all__ = ["collector_paused"]
