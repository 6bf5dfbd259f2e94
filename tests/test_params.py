"""The one redirect-target check (app.params.safe_next): paths on this site pass, anything
a browser or Werkzeug could turn into another host falls back to the default."""

from __future__ import annotations

import pytest

from app.params import safe_next

OFF_SITE = ["//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
            "/ /evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/",
            "javascript:alert(1)", "evil.example", "/\x00/evil.example", "/\u2028/evil.example",
            "", None]


@pytest.mark.parametrize("value", OFF_SITE)
def test_targets_off_site_fall_back(value: str | None) -> None:
    assert safe_next(value, "/office/passes") == "/office/passes"


@pytest.mark.parametrize("value", ["/office/log?day=2026-05-06", "/pass/gate/A/x?event=3",
                                   "/r/12#map", "/r/%E5%8F%8C"])
def test_paths_on_this_site_are_kept(value: str) -> None:
    assert safe_next(value, "/office/passes") == value
