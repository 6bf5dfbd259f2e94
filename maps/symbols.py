"""The map symbols of ``data/maps/symbols.json``: labels, glyphs and colours shared by
the web maps and the posters."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from geo import settings

SYMBOLS_FILE = settings.DATA_DIR / "maps" / "symbols.json"


@cache
def symbols() -> dict[str, Any]:
    """The symbol table (read once)."""
    data = json.loads(SYMBOLS_FILE.read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def street_rank(highway: str) -> str | None:
    """``major``, ``minor`` or ``path`` for an OSM highway class; None if not drawn."""
    for rank, spec in symbols()["streets"].items():
        if highway in spec["classes"]:
            return rank
    return None
