"""Building and unit numbers as people write them: 10号楼, 3栋, 3幢, A座, 二单元, ３号.

Numbers are normalised to ASCII digits or upper-case Latin letters ("3", "A", "12").
Besides single names, the end of a written address splits into its numbers:
``…3号楼2单元501`` and ``…3-2-501`` both give building 3, unit 2, room 501.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CN_NUMERAL = "零〇一二两三四五六七八九十百"
_NUMBER = rf"(?:\d+|[A-Za-z]|[{_CN_NUMERAL}]+)"
_BUILDING_RE = re.compile(rf"第?({_NUMBER})\s*(?:号楼|号|栋|幢|座|楼)(?!院)")
_UNIT_RE = re.compile(rf"第?({_NUMBER})\s*(?:单元|门洞)")
# A run of Chinese numerals that counts something: 十二号楼, 二单元, 五〇一室.
_COUNTED_NUMERAL_RE = re.compile(rf"[{_CN_NUMERAL}]+(?=号|栋|幢|座|楼|单元|门洞|室|户|#)")
# The numbers at the end of an address, in ASCII digits (see ``split_address_tail``).
_B = r"(?P<b>\d+|[A-Z])"
_ROOM = r"(?:-?\s?(?P<r>\d{3,4})(?:室|号|户)?)?"
_TAIL_RES = (
    # 3号楼2单元501室, 3栋, A座2门洞, 3#楼
    re.compile(rf"(?<![\dA-Z]){_B}\s?(?:号楼|号|栋|幢|座|楼|#楼|#)\s?-?\s?"
               rf"(?:(?P<u>\d+)\s?(?:单元|门洞))?\s?{_ROOM}\s*$"),
    # 3-2, 3-2-501
    re.compile(r"(?<![\dA-Z])(?P<b>\d+|[A-Z])\s?-\s?(?P<u>\d+)(?:\s?-\s?(?P<r>\d+))?\s*$"),
    # 2单元501 after a building name
    re.compile(rf"(?<!\d)(?P<u>\d+)\s?(?:单元|门洞)\s?{_ROOM}\s*$"),
)


def normalize_text(text: str) -> str:
    """Full-width characters to half-width (NFKC), surrounding white space removed."""
    return unicodedata.normalize("NFKC", text).strip()


def normalize_number(token: str) -> str:
    """``"十二"`` → ``"12"``, ``"０３"`` → ``"3"``, ``"a"`` → ``"A"``."""
    token = normalize_text(token)
    if token.isdigit():
        return str(int(token))
    if re.fullmatch(rf"[{_CN_NUMERAL}]+", token):
        import cn2an  # a fifth of a second to import: only when a numeral needs it

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


def numerals_to_digits(text: str) -> str:
    """Chinese numerals that count something written as digits: ``十二号楼二单元`` →
    ``12号楼2单元``; other numerals (``五道口``, ``三里屯``) stay."""

    def digits(match: re.Match[str]) -> str:
        try:
            return normalize_number(match.group(0))
        except ValueError:
            return match.group(0)

    return _COUNTED_NUMERAL_RE.sub(digits, text)


@dataclass(frozen=True)
class AddressTail:
    """A written address split at its numbers: ``head`` is the place name before them."""

    head: str
    building: str | None = None
    unit: str | None = None
    room: str | None = None


def split_address_tail(text: str, *, with_building: bool = True) -> AddressTail:
    """Split the building, unit and room numbers off the end of ``text``.

    ``text`` is in ASCII digits and upper case (``numerals_to_digits`` after
    ``normalize_text``); single spaces may separate the parts. ``双泉嘉苑3号楼2单元501``,
    ``双泉嘉苑 3-2-501`` and ``学生10号公寓 2单元`` (unit only: the building is in the
    name) all split; a text with no numbers at its end comes back whole as ``head``.
    With ``with_building=False`` only a unit and room split off (``学院路20号2单元``:
    the building part may belong to the place name).
    """
    for pattern in _TAIL_RES if with_building else _TAIL_RES[-1:]:
        match = pattern.search(text)
        if match:
            parts = match.groupdict()
            return AddressTail(
                head=text[:match.start()].strip(),
                building=normalize_number(parts["b"]) if parts.get("b") else None,
                unit=normalize_number(parts["u"]) if parts.get("u") else None,
                room=parts.get("r"),
            )
    return AddressTail(head=text.strip())


def building_stem(name: str | None) -> tuple[str, str | None]:
    """A building name without its number, and the number: ``学生10号公寓`` →
    ``("学生公寓", "10")``, ``紫荆学生公寓3号楼`` → ``("紫荆学生公寓", "3")``,
    ``3号楼`` → ``("", "3")``, ``科学会堂`` → ``("科学会堂", None)``."""
    text = normalize_text(name or "")
    matches = list(_BUILDING_RE.finditer(text))
    if not matches:
        return text, None
    last = matches[-1]
    try:
        number = normalize_number(last.group(1))
    except ValueError:
        return text, None
    return (text[:last.start()] + text[last.end():]).strip(), number
