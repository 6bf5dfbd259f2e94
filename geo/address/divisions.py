"""National statistical division codes (统计用区划代码): format, hierarchy, full names.

Codes have 2 (province), 4 (city), 6 (county), 9 (street/township) or 12 (residents'
committee) digits; each level's code starts with its parent's.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from geo import settings
from geo.errors import UnknownDivision

LEVEL_BY_LENGTH = {2: 1, 4: 2, 6: 3, 9: 4, 12: 5}
LENGTH_BY_LEVEL = {level: length for length, level in LEVEL_BY_LENGTH.items()}
# Names in the national list that stand for "no city/county level here".
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
UNSET_COMMITTEE = "000"
_FILES = (("provinces.csv", None), ("cities.csv", "provinceCode"),
          ("areas.csv", "cityCode"), ("streets.csv", "areaCode"))


@dataclass(frozen=True)
class DivisionRecord:
    """One row of the national list."""

    code: str
    level: int
    name: str
    parent_code: str | None


def iter_national_divisions(directory: Path | None = None) -> Iterator[DivisionRecord]:
    """Yield levels 1–4 from the bundled CSV files, parents before children."""
    directory = directory or settings.DIVISIONS_DIR
    for filename, parent_column in _FILES:
        with open(directory / filename, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                code = row["code"].strip()
                yield DivisionRecord(code, LEVEL_BY_LENGTH[len(code)], row["name"].strip(),
                                     row[parent_column].strip() if parent_column else None)


def division_level(code: str) -> int:
    """The level (1–5) of a well-formed code; raises ``UnknownDivision`` otherwise."""
    if not isinstance(code, str) or not re.fullmatch(r"\d+", code or ""):
        msg_zh = f"区划代码“{code}”必须是数字"
        raise UnknownDivision(msg_zh, f"division code {code!r} must be digits")
    level = LEVEL_BY_LENGTH.get(len(code))
    if level is None:
        raise UnknownDivision(
            f"区划代码“{code}”位数不对：应为2、4、6、9或12位",
            f"division code {code!r} must have 2, 4, 6, 9 or 12 digits",
        )
    return level


def ancestor_codes(code: str) -> list[str]:
    """The codes of ``code``'s ancestors, province first (not including ``code``)."""
    level = division_level(code)
    return [code[: LENGTH_BY_LEVEL[lv]] for lv in range(1, level)]


def committee_part(code: str) -> str:
    """The last three digits of a 12-digit code, or ``000`` for a 9-digit street code."""
    level = division_level(code)
    if level == 4:
        return UNSET_COMMITTEE
    if level == 5:
        return code[9:]
    raise UnknownDivision(
        f"区划代码“{code}”不是街道（9位）或社区（12位）代码",
        f"division code {code!r} is not a street (9-digit) or committee (12-digit) code",
    )


def compose_full_name(names: list[str]) -> str:
    """Join the names of a chain of divisions, dropping placeholders and repeats.

    ``["北京市", "市辖区", "海淀区", "学院路街道"]`` gives ``北京市海淀区学院路街道``.
    """
    kept: list[str] = []
    for name in names:
        if name in PLACEHOLDER_NAMES or (kept and kept[-1] == name):
            continue
        kept.append(name)
    return "".join(kept)
