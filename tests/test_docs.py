"""Every setting of geo/settings.py (each UPPER_CASE module-level name) is named in the
documentation (README.md or docs/*.md), as ``NAME`` or ``YOULU_NAME``."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from geo import settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = sorted(name for name in vars(settings) if name.isupper() and not name.startswith("_"))


@cache
def documentation() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def test_settings_are_found() -> None:
    assert len(SETTINGS) > 50 and "ROUTE_SNAP_MAX_M" in SETTINGS


@pytest.mark.parametrize("name", SETTINGS)
def test_setting_is_documented(name: str) -> None:
    assert re.search(rf"(?<!\w)(?:YOULU_)?{name}(?!\w)", documentation()), (
        f"{name} (geo/settings.py) is not named in README.md or docs/*.md")
