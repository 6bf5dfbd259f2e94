"""Building and unit numbers as people write them: 10号楼, 3栋, 3幢, A座, 二单元, ３号.

Numbers are normalised to ASCII digits or upper-case Latin letters ("3", "A", "12").
"""

from __future__ import annotations

import re
import unicodedata

import cn2an

_CN_NUMERAL = "零〇一二两三四五六七八九十百"
_NUMBER = rf"(?:\d+|[A-Za-z]|[{_CN_NUMERAL}]+)"
_BUILDING_RE = re.compile(rf"第?({_NUMBER})\s*(?:号楼|号|栋|幢|座|楼)(?!院)")
_UNIT_RE = re.compile(rf"第?({_NUMBER})\s*(?:单元|门洞)")


def normalize_text(text: str) -> str:
    """Full-width characters to half-width (NFKC), surrounding white space removed."""
    return unicodedata.normalize("NFKC", text).strip()


def normalize_number(token: str) -> str:
    """``"十二"`` → ``"12"``, ``"０３"`` → ``"3"``, ``"a"`` → ``"A"``."""
    token = normalize_text(token)
    if token.isdigit():
        return str(int(token))
    if re.fullmatch(rf"[{_CN_NUMERAL}]+", token):
        return str(int(cn2an.cn2an(token.replace("〇", "零"), "smart")))
    return token.upper()


def _last_match(pattern: re.Pattern[str], text: str | None) -> str | None:
    if not text:
        return None
    matches = list(pattern.finditer(normalize_text(text)))
    if not matches:
        return None
    try:
        return normalize_number(matches[-1].group(1))
    except ValueError:
        return None


def parse_building_number(text: str | None) -> str | None:
    """The building number in a name such as ``双泉嘉苑3号楼`` (→ ``"3"``), or None.

    The last number followed by 号楼/号/栋/幢/座/楼 wins; ``3号院`` is a courtyard, not
    a building.
    """
    return _last_match(_BUILDING_RE, text)


def parse_unit_number(text: str | None) -> str | None:
    """The unit number in ``2单元`` / ``二单元`` / ``3门洞``, or None."""
    return _last_match(_UNIT_RE, text)


def bare_number(text: str | None) -> str | None:
    """A tag value that is itself a number (``ref=3``, ``addr:unit=２``), normalised."""
    if not text:
        return None
    value = normalize_text(text)
    if re.fullmatch(rf"{_NUMBER}", value):
        try:
            return normalize_number(value)
        except ValueError:
            return None
    return None
