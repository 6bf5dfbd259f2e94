"""What an import did, per kind or layer: the counts both the OSM import and the file
import report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportCounts:
    """Per kind or layer: how many features an import created, updated, left unchanged."""

    file: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "created": dict(self.created), "updated": dict(self.updated),
                "unchanged": dict(self.unchanged)}
