"""maps.layers: page data embedded safely in the map script."""

from __future__ import annotations

import json

import pytest

from maps.layers import script_json

NASTY = ["</script><script>alert(1)</script>", "`${alert(1)}`", "a'b\"c&d", "行\u2028分\u2029隔",
         "<!--", "]]>"]


@pytest.mark.parametrize("text", NASTY)
def test_script_json_cannot_close_the_script_or_break_out(text: str) -> None:
    encoded = script_json({"name": text})
    for bad in ("<", ">", "&", "'", "\u2028", "\u2029"):
        assert bad not in encoded
    assert json.loads(encoded) == {"name": text}


def test_script_json_keeps_chinese_readable() -> None:
    assert script_json("双泉嘉苑") == '"双泉嘉苑"'
