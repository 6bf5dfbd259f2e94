"""Pausing Python's cyclic garbage collector around work that makes many objects.

With a large heap (an import's features, rows and geometries, a city's network loaded
from its cache, the app's own modules), every few thousand new objects set off a
collection that scans the survivors, and an import spent seconds in them (a fifth to a
quarter of a 6 × 6 city's import CPU) while freeing nothing: its objects are freed by
their reference counts.

The collector is one per process, and the server's threads share it: pauses are
counted under a lock, so the collector runs again only when the last pause still open
in any thread ends, and then only if it was on when the first began. Objects that live
as long as the process (the app's modules, a loaded network) are frozen when their pause
ends (``gc.freeze``), so that no later collection scans them again; that happens only
when no other pause is open, so another thread's import in progress is never frozen with
them (its cycles would then never be collected).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_open = 0  # pauses begun and not yet ended, in every thread
_resume = False  # whether the collector was on when the first open pause began


def pause() -> None:
    """Begin a pause (the collector is off until every pause has ended)."""
    global _open, _resume
    with _lock:
        if _open == 0:
            _resume = gc.isenabled()
            gc.disable()
        _open += 1


def end_pause(*, freeze: bool = False) -> None:
    """End a pause begun with ``pause``; with ``freeze``, first freeze every object made so
    far if no other pause is open. The collector runs again when the last pause ends."""
    global _open
    with _lock:
        if freeze and _open == 1:
            gc.freeze()
        _open -= 1
        if _open == 0 and _resume:
            gc.enable()


@contextlib.contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """Run the block within a pause (see the module docstring); with ``freeze``, what it
    made lives as long as the process and is frozen when it ends."""
    pause()
    try:
        yield
    finally:
        end_pause(freeze=freeze)


__all__ = ["collector_paused", "end_pause", "pause"]
