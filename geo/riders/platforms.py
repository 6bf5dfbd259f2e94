"""Delivery platforms riders register with (美团, 饿了么, …), read from data/riders/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from geo import settings
from geo.errors import InvalidInput

PLATFORMS_FILE = settings.DATA_DIR / "riders" / "platforms.json"


@dataclass(frozen=True)
class Platform:
    """One platform: the stored key and its Chinese and English names."""

    key: str
    zh: str
    en: str


@cache
def platforms() -> tuple[Platform, ...]:
    """Every platform, in the order the registration form lists them."""
    data = json.loads(PLATFORMS_FILE.read_text(encoding="utf-8"))
    return tuple(Platform(**p) for p in data["platforms"])


def platform(key: str) -> Platform:
    """The platform stored as ``key``; ``InvalidInput`` for an unknown one."""
    for item in platforms():
        if item.key == key:
            return item
    names = "、".join(p.zh for p in platforms())
    raise InvalidInput(f"平台“{key}”不在列表中（可选：{names}）",
                       f"unknown platform {key!r}", details={"field": "platform"})
