"""Reading a door plate that is not ours (四川e码 and other cities' systems).

Their formats are not published; what such a QR holds is usually a link, an id, a small
JSON object or plain text. The adapter takes whatever the scanner read and reports what it
could make out: the host, a code and the division it starts with, and any address text.
It never says a plate is genuine; that only our own signature can show. The keys it looks
for are data (``data/third_party_plates.json``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from geo import settings

_CJK = re.compile(r"[\u3400-\u9fff]")
_LEADING_DIGITS = re.compile(r"\d+")
MAX_TEXT = 200


@dataclass(frozen=True)
class ThirdPartyReading:
    """What could be read from a foreign plate. ``kind``: url, json, code, text or
    unknown; ``known_format`` is false when nothing recognisable was found."""

    kind: str
    known_format: bool
    host: str | None = None
    code: str | None = None
    division_code: str | None = None
    address_text: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@cache
def _rules() -> dict[str, Any]:
    with open(settings.DATA_DIR / "third_party_plates.json", encoding="utf-8") as f:
        rules: dict[str, Any] = json.load(f)
    rules["address_keys"] = {k.lower() for k in rules["address_keys"]}
    rules["code_keys"] = {k.lower() for k in rules["code_keys"]}
    return rules


def _division_prefix(code: str) -> str | None:
    """The first 12 digits of a code that starts with at least that many digits."""
    digits = _LEADING_DIGITS.match(code)
    if digits is None or len(digits.group()) < _rules()["min_code_digits"]:
        return None
    return digits.group()[:12]


def _from_pairs(pairs: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(code, address text) from key/value pairs, by key name, else by content."""
    rules = _rules()
    code = next((v for k, v in pairs if k.lower() in rules["code_keys"] and v), None)
    address = next((v for k, v in pairs if k.lower() in rules["address_keys"]
                    and _CJK.search(v)), None)
    if address is None:
        address = max((v for _, v in pairs if _CJK.search(v)), key=len, default=None)
    if code is None:
        code = next((v for _, v in pairs if _division_prefix(v)), None)
    return code, address


def _reading(kind: str, host: str | None, code: str | None, address: str | None) -> ThirdPartyReading:
    code = code.strip()[:64] if code else None
    address = address.strip()[:MAX_TEXT] if address else None
    division = _division_prefix(code) if code else None
    return ThirdPartyReading(kind=kind, known_format=bool(division or address), host=host,
                             code=code, division_code=division, address_text=address)


def read_third_party(text: str) -> ThirdPartyReading:
    """Make out what a foreign plate says; see ``ThirdPartyReading``."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return ThirdPartyReading(kind="unknown", known_format=False)
    parts = urlsplit(text)
    if parts.scheme and parts.netloc:
        pairs = [(k, unquote(v)) for k, v in parse_qsl(parts.query + "&" + parts.fragment)]
        pairs += [("", unquote(seg)) for seg in parts.path.split("/") if seg]
        code, address = _from_pairs(pairs)
        return _reading("url", parts.netloc.lower(), code, address)
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            pairs = [(str(k), str(v)) for k, v in data.items() if isinstance(v, (str, int))]
            code, address = _from_pairs(pairs)
            return _reading("json", None, code, address)
    if re.fullmatch(r"[0-9A-Za-z_\-]{6,64}", text):
        return _reading("code", None, text, None)
    if _CJK.search(text):
        return _reading("text", None, None, text)
    return ThirdPartyReading(kind="unknown", known_format=False)
