"""Standard address codes (标准地址编码): format, parse, validate, label.

A code names one place, following the layering of GB/T 39609-2020:

- compound (小区):  ``<12-digit committee>-<compound 3>``          ``110108010000-001``
- building (楼栋):  ``…-<compound 3>-<building 3>``                ``110108010000-001-003``
- unit (单元门):    ``…-<building 3>-<unit 2>``                    ``110108010000-001-003-02``
- gate (出入口):    ``…-<compound 3>-G<2>``                        ``110108010000-001-G01``

The committee part is a 12-digit residents' committee code (统计用区划代码); a compound
known only to its 9-digit street gets ``000`` as the last three digits. Numbers start at 1.
Parsing accepts what people type (full-width digits, other dashes, lower-case ``g``,
spaces around) and says exactly what is wrong otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from geo.errors import InvalidCode

COMMITTEE_DIGITS = 12
STREET_DIGITS = 9
UNSET_COMMITTEE = "000"
COMPOUND_DIGITS = 3
BUILDING_DIGITS = 3
UNIT_DIGITS = 2
GATE_DIGITS = 2
GATE_PREFIX = "G"
KINDS = ("community", "gate", "building", "unit")
KIND_ZH = {"community": "小区", "gate": "出入口", "building": "楼栋", "unit": "单元"}

_DASHES = "‐‑‒–—―−－﹣"
_ALLOWED = re.compile(r"[0-9G\-]+")


@dataclass(frozen=True)
class AddressCode:
    """A parsed code; ``kind`` is community, gate, building or unit."""

    committee: str
    compound: int
    building: int | None = None
    unit: int | None = None
    gate: int | None = None

    @property
    def kind(self) -> str:
        if self.gate is not None:
            return "gate"
        if self.unit is not None:
            return "unit"
        return "building" if self.building is not None else "community"

    @property
    def street(self) -> str:
        """The 9-digit street (街道/乡镇) code."""
        return self.committee[:STREET_DIGITS]

    @property
    def committee_set(self) -> bool:
        """Whether the committee part is a real committee, not ``000``."""
        return self.committee[STREET_DIGITS:] != UNSET_COMMITTEE

    @property
    def community_code(self) -> str:
        """The code of the compound this place belongs to."""
        return format_code(self.committee, self.compound)

    @property
    def building_code(self) -> str | None:
        """The code of the building (for a building or unit), else None."""
        if self.building is None:
            return None
        return format_code(self.committee, self.compound, self.building)

    @property
    def parent(self) -> AddressCode | None:
        """The enclosing place: unit → building → compound; gate → compound."""
        if self.kind == "community":
            return None
        if self.kind == "unit":
            return AddressCode(self.committee, self.compound, self.building)
        return AddressCode(self.committee, self.compound)

    def __str__(self) -> str:
        if self.gate is not None:
            return format_gate_code(self.committee, self.compound, self.gate)
        return format_code(self.committee, self.compound, self.building, self.unit)


def _check_number(value: int, digits: int, what_zh: str, what_en: str) -> None:
    if not 1 <= value < 10**digits:
        raise InvalidCode(
            f"{what_zh}编号 {value} 超出范围：应为 1 到 {10**digits - 1}",
            f"{what_en} number {value} out of range 1..{10**digits - 1}",
            details={"part": what_en, "reason": "range"},
        )


def committee_for_division(division_code: str) -> str:
    """The 12-digit committee part for a compound's division: a 9-digit street gets ``000``."""
    code = division_code or ""
    if re.fullmatch(r"\d{12}", code):
        return code
    if re.fullmatch(r"\d{9}", code):
        return code + UNSET_COMMITTEE
    raise InvalidCode(
        f"区划代码“{code}”不能用于编码：需要9位街道或12位社区代码",
        f"division {code!r} cannot be used in a code: need a 9-digit street or 12-digit committee",
        details={"division": code, "reason": "division"},
    )


def format_code(committee: str, compound: int, building: int | None = None,
                unit: int | None = None) -> str:
    """The code of a compound, building (with ``building``) or unit (with both)."""
    if not re.fullmatch(r"\d{12}", committee or ""):
        raise InvalidCode(f"社区代码“{committee}”必须是12位数字",
                          f"committee code {committee!r} must be 12 digits",
                          details={"part": "committee", "reason": "committee_format"})
    _check_number(compound, COMPOUND_DIGITS, "小区", "compound")
    parts = [committee, f"{compound:0{COMPOUND_DIGITS}d}"]
    if building is not None:
        _check_number(building, BUILDING_DIGITS, "楼栋", "building")
        parts.append(f"{building:0{BUILDING_DIGITS}d}")
    if unit is not None:
        if building is None:
            raise InvalidCode("单元编码需要楼栋编号", "a unit code needs a building number",
                              details={"part": "unit", "reason": "missing_building"})
        _check_number(unit, UNIT_DIGITS, "单元", "unit")
        parts.append(f"{unit:0{UNIT_DIGITS}d}")
    return "-".join(parts)


def format_gate_code(committee: str, compound: int, gate: int) -> str:
    """The code of gate number ``gate`` of a compound: ``…-001-G01``."""
    _check_number(gate, GATE_DIGITS, "出入口", "gate")
    return f"{format_code(committee, compound)}-{GATE_PREFIX}{gate:0{GATE_DIGITS}d}"


def normalize_code_text(text: str) -> str:
    """What a person typed, made canonical: NFKC (full-width digits), one kind of dash,
    upper case, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    for dash in _DASHES:
        text = text.replace(dash, "-")
    return re.sub(r"\s+", "", text).upper()


def _bad(zh: str, en: str, code: str, reason: str, part: str | None = None) -> InvalidCode:
    details = {"code": code, "reason": reason}
    if part:
        details["part"] = part
    return InvalidCode(f"编码“{code}”有误：{zh}", f"invalid code {code!r}: {en}", details=details)


def _number_part(text: str, digits: int, code: str, part: str, zh: str) -> int:
    if not re.fullmatch(rf"\d{{{digits}}}", text):
        raise _bad(f"{zh}编号“{text}”应为{digits}位数字", f"{part} part {text!r} must be "
                   f"{digits} digits", code, f"{part}_format", part)
    value = int(text)
    if value == 0:
        raise _bad(f"{zh}编号不能全为0", f"{part} number cannot be zero", code,
                   f"{part}_zero", part)
    return value


def _committee_part(text: str, code: str) -> str:
    if not text.isdigit():
        raise _bad(f"开头的社区代码“{text}”应为12位数字", f"committee part {text!r} must be "
                   "12 digits", code, "committee_format", "committee")
    if len(text) == STREET_DIGITS:
        raise _bad(f"“{text}”是9位街道代码，社区代码要12位（未设社区时补000：{text}000）",
                   f"{text!r} is a 9-digit street code; the committee part needs 12 digits "
                   f"(append 000 while no committee is set: {text}000)", code,
                   "committee_length", "committee")
    if len(text) != COMMITTEE_DIGITS:
        raise _bad(f"社区代码“{text}”有{len(text)}位，应为12位",
                   f"committee part {text!r} has {len(text)} digits, needs 12", code,
                   "committee_length", "committee")
    if text[:2] == "00" or text[6:STREET_DIGITS] == UNSET_COMMITTEE:
        raise _bad(f"社区代码“{text}”不是有效的区划代码", f"committee part {text!r} is not "
                   "a division code", code, "committee_division", "committee")
    return text


def parse_code(text: str) -> AddressCode:
    """Parse a code; raises ``InvalidCode`` saying which part is wrong and how."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidCode("编码为空", "the code is empty",
                          details={"code": text if isinstance(text, str) else None,
                                   "reason": "empty"})
    code = normalize_code_text(text)
    if not _ALLOWED.fullmatch(code):
        bad = sorted({ch for ch in code if not _ALLOWED.fullmatch(ch)})
        raise _bad(f"含有不允许的字符“{''.join(bad)}”：只能有数字、连字符“-”和出入口的“G”",
                   f"characters {''.join(bad)!r} not allowed: only digits, '-' and the "
                   "gate's 'G'", code, "characters")
    parts = code.split("-")
    if any(part == "" for part in parts):
        raise _bad("连字符“-”位置不对（开头、结尾或连续两个）",
                   "misplaced '-' (leading, trailing or doubled)", code, "separator")
    committee = _committee_part(parts[0], code)
    if len(parts) == 1:
        raise _bad("只有社区代码，缺少小区编号（如 -001）",
                   "only a committee code: the compound number (e.g. -001) is missing",
                   code, "missing_compound", "compound")
    compound = _number_part(parts[1], COMPOUND_DIGITS, code, "compound", "小区")
    rest = parts[2:]
    for index, part in enumerate(rest):
        if part.startswith(GATE_PREFIX) and index > 0:
            raise _bad("出入口“G”编号只能直接跟在小区编号之后", "a gate 'G' number must "
                       "follow the compound number directly", code, "gate_position", "gate")
    if rest and rest[0].startswith(GATE_PREFIX):
        if len(rest) > 1:
            raise _bad("出入口编码之后不能再有其他部分", "nothing may follow a gate number",
                       code, "too_many_parts")
        gate = _number_part(rest[0][1:], GATE_DIGITS, code, "gate", "出入口")
        return AddressCode(committee, compound, gate=gate)
    if len(rest) > 2:
        raise _bad("部分太多：最多为 社区-小区-楼栋-单元",
                   "too many parts: at most committee-compound-building-unit",
                   code, "too_many_parts")
    building = (_number_part(rest[0], BUILDING_DIGITS, code, "building", "楼栋")
                if rest else None)
    unit = _number_part(rest[1], UNIT_DIGITS, code, "unit", "单元") if len(rest) > 1 else None
    return AddressCode(committee, compound, building, unit)


def is_code(text: str) -> bool:
    """Whether ``text`` parses as a code."""
    try:
        parse_code(text)
    except InvalidCode:
        return False
    return True


def number_value(number: str | None) -> int | None:
    """The integer a building, unit or gate number stands for (``"3"``, ``"０３"``), or None
    when it is not a plain number (``"A"``, ``"3A"``)."""
    if not number:
        return None
    text = unicodedata.normalize("NFKC", number).strip()
    return int(text) if text.isdigit() else None


def building_label(number: str | None, name: str | None = None) -> str:
    """How a building is written on a plate and in an address: ``3号楼``, ``A座``.

    A plain number becomes ``N号楼``; a letter becomes ``X座``; otherwise the name.
    """
    value = number_value(number)
    if value is not None:
        return f"{value}号楼"
    if number and re.fullmatch(r"[A-Za-z]", number.strip()):
        return f"{number.strip().upper()}座"
    return (name or number or "").strip() or "楼栋"


def unit_label(number: str | None, name: str | None = None) -> str:
    """How a unit is written: ``2单元``."""
    value = number_value(number)
    if value is not None:
        return f"{value}单元"
    return (name or (f"{number}单元" if number else "") or "单元").strip()


def door_label(building_number: str | None, building_name: str | None,
               unit_number: str | None, unit_name: str | None = None) -> str:
    """How the unit door of a building is written: ``3号楼 2单元`` (``building_label``,
    a space, ``unit_label``). A unit in no building is written ``unit_label`` alone."""
    return f"{building_label(building_number, building_name)} {unit_label(unit_number, unit_name)}"


def gate_label(number: str | None, name: str | None = None) -> str:
    """How a gate is written: ``北门(1号门)``, ``1号门`` or its name."""
    value = number_value(number)
    numbered = f"{value}号门" if value is not None else (number or "").strip()
    if name and numbered and numbered not in name:
        return f"{name}({numbered})"
    return (name or numbered or "出入口").strip()


def format_address(division_name: str, community_name: str, *parts: str) -> str:
    """The full human address: ``北京市海淀区学院路街道 双泉嘉苑 3号楼 2单元``."""
    return " ".join(p for p in (division_name, community_name, *parts) if p)
