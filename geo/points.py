"""Points (积分): checking amounts typed by offices and making redemption codes, without
Flask. Amounts are whole points; a spend is a negative entry."""

from __future__ import annotations

import re
import secrets

from geo import settings
from geo.errors import InvalidInput

# Letters and digits a person reads aloud without confusion (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REWARD_KINDS = {"meal": "餐食", "goods": "物品", "service": "服务"}
_WHOLE = re.compile(r"[0-9]+")


def check_amount(text: str | int, *, field: str = "points") -> int:
    """A positive whole number of points from ``text``, at most
    ``settings.POINTS_MAX_ENTRY``; ``InvalidInput`` for negative, fractional, zero or
    non-numeric input."""
    raw = str(text).strip()
    if not _WHOLE.fullmatch(raw):
        if re.fullmatch(r"-?[0-9]*[.,][0-9]+|-?[0-9]+[.,][0-9]*", raw):
            zh, en = f"积分必须是整数，不能是“{raw}”", f"points must be whole, got {raw!r}"
        elif raw.startswith("-"):
            zh, en = f"积分必须是正数，不能是“{raw}”", f"points must be positive, got {raw!r}"
        else:
            zh, en = f"积分“{raw}”不是数字", f"points {raw!r} is not a number"
        raise InvalidInput(zh, en, details={"field": field})
    amount = int(raw)
    if not 0 < amount <= settings.POINTS_MAX_ENTRY:
        raise InvalidInput(f"积分须在 1 到 {settings.POINTS_MAX_ENTRY} 之间",
                           f"points must be 1..{settings.POINTS_MAX_ENTRY}, got {amount}",
                           details={"field": field})
    return amount


def check_rider_number(text: str) -> int:
    """A rider's number (a positive whole number) typed by an office."""
    raw = text.strip()
    if not _WHOLE.fullmatch(raw) or int(raw) == 0:
        raise InvalidInput(f"骑手编号“{raw}”无效", f"rider number {raw!r} is not valid",
                           details={"field": "rider_id"})
    return int(raw)


def check_reward_kind(kind: str) -> str:
    """``kind`` when it is one of ``REWARD_KINDS``; else ``InvalidInput``."""
    if kind not in REWARD_KINDS:
        raise InvalidInput(f"奖品类型“{kind}”无效", f"unknown reward kind {kind!r}",
                           details={"field": "kind"})
    return kind


def new_code() -> str:
    """A random redemption code of ``settings.REDEMPTION_CODE_CHARS`` characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(settings.REDEMPTION_CODE_CHARS))


def normalise_code(text: str) -> str:
    """A typed code in upper case without spaces or dashes."""
    return re.sub(r"[\s-]", "", text).upper()
