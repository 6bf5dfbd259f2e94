"""Per-kind progress of an import job (compounds, gates, buildings, units, paths,
facilities: done of total, then created/updated/unchanged), kept as JSON in the job's
folder: an import holds SQLite's one write lock until it commits, so the job row cannot
take it meanwhile. The job's page and status read it back (``read_kinds``)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FILE = "kinds.json"
KIND_ZH = {"community": "小区", "building": "楼栋", "gate": "出入口", "unit": "单元",
           "path": "道路", "facility": "设施"}
# The file import's layers (``geo.places.exchange.LAYERS``) by the OSM import's kinds.
KIND_OF_LAYER = {"communities": "community", "buildings": "building", "gates": "gate",
                 "units": "unit", "paths": "path", "facilities": "facility"}
SAVE_EVERY_S = 0.5  # least seconds between two writes of the file within a kind


class KindProgress:
    """Where an import stands per kind, written to ``folder/kinds.json`` as it moves."""

    def __init__(self, folder: Path, totals: dict[str, int]) -> None:
        self.path = folder / FILE
        self.kinds: dict[str, dict[str, Any]] = {kind: {"kind": kind, "kind_zh": KIND_ZH[kind], "done": 0,
                             "total": totals.get(kind, 0)} for kind in KIND_ZH}
        self.current: str | None = None
        self._saved_at = 0.0
        self._save()

    def begin(self, kind: str, total: int) -> None:
        """``kind``'s ``total`` features are written next."""
        self.kinds[kind]["total"] = total
        self.current = None
        self.advance(kind, 0)

    def advance(self, kind: str, done: int) -> None:
        """``done`` features of ``kind`` written (saved at most every ``SAVE_EVERY_S``)."""
        changed = kind != self.current
        self.current = kind
        self.kinds[kind]["done"] = done
        if changed or time.monotonic() - self._saved_at >= SAVE_EVERY_S:
            self._save()

    def finish(self, kind: str, *, next_kind: str | None = None) -> None:
        """Every feature of ``kind`` written; ``next_kind`` is written next (None: last)."""
        self.kinds[kind]["done"] = self.kinds[kind]["total"]
        self.current = next_kind
        self._save()

    def counts(self, **outcomes: Mapping[str, int]) -> None:
        """The import committed: how many it ``created``, ``updated`` and left
        ``unchanged`` (Counters keyed by kind or by file layer)."""
        for key, kind in {**KIND_OF_LAYER, **{k: k for k in KIND_ZH}}.items():
            entry = self.kinds[kind]
            for outcome, counts in outcomes.items():
                entry[outcome] = entry.get(outcome, 0) + counts.get(key, 0)
            entry["done"] = entry["total"]
        self.current = None
        self._save()

    def _save(self) -> None:
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps({"current": self.current, "kinds": list(self.kinds.values())},
                                      ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)  # a reader never sees half a file
        self._saved_at = time.monotonic()


def read_kinds(folder: Path) -> dict[str, Any] | None:
    """The per-kind progress saved in ``folder``: ``current`` kind and ``kinds`` in
    order, each ``done`` of ``total`` (and, once committed, its counts); None if none."""
    path = folder / FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
