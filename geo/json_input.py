"""JSON from outside (request bodies, uploaded and imported files), parsed with a depth
limit: a body nested 100,000 deep is a clear ``InvalidInput``, not a ``RecursionError``."""

from __future__ import annotations

import json
from typing import Any

from geo import settings
from geo.errors import InvalidInput


def parse_json(text: str | bytes, *, what: tuple[str, str] = ("请求体", "the body"),
               error: type[InvalidInput] = InvalidInput,
               max_depth: int = settings.JSON_MAX_DEPTH) -> Any:
    """The value of the JSON ``text``; ``error`` when it is not JSON or nests arrays and
    objects deeper than ``max_depth`` levels. ``what`` names the input (Chinese, English)."""
    zh, en = what
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        value = None
        too_deep = True
    except (UnicodeDecodeError, ValueError) as problem:
        raise error(f"{zh}不是有效的 JSON：{problem}", f"{en} is not valid JSON: {problem}") from None
    else:
        too_deep = _depth_over(value, max_depth)
    if too_deep:
        raise error(f"{zh}的 JSON 嵌套太深：最多 {max_depth} 层",
                    f"{en} nests JSON deeper than {max_depth} levels",
                    details={"max_depth": max_depth})
    return value


def _refuse_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON: refused."""
    msg = f"{name} is not a JSON value"
    raise ValueError(msg)


def _depth_over(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and dicts deeper than ``limit`` (iterative, no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return False
