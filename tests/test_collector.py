"""The collector pause (geo.collector): counted across threads, restored as it was,
and freezing only what no other open pause is still making."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from geo.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_runs_again_after_a_block_that_raised() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("an import that failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads_end_with_the_last() -> None:
    """Thread A begins, thread B begins, A ends: the collector stays off for B's work,
    and comes back on only when B ends."""
    gc.enable()
    b_began, a_ended, seen = threading.Event(), threading.Event(), {}

    def b() -> None:
        with collector_paused():
            b_began.set()
            a_ended.wait(10)
            seen["during_b_after_a"] = gc.isenabled()

    thread = threading.Thread(target=b)
    with collector_paused():
        thread.start()
        b_began.wait(10)
    a_ended.set()
    thread.join(10)
    assert seen == {"during_b_after_a": False} and gc.isenabled()


def test_freeze_waits_while_another_pause_is_open() -> None:
    """A network loaded (freeze) while an import is open in another pause freezes
    nothing, so the import's objects stay collectable; alone, it freezes."""
    gc.enable()
    gc.unfreeze()
    with collector_paused():  # the import
        with collector_paused(freeze=True):  # a network loaded meanwhile
            made = [[] for _ in range(1000)]
        assert gc.get_freeze_count() == 0
    with collector_paused(freeze=True):
        made.append([])
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
