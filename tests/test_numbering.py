"""Building and unit numbers as written in OSM names and by people."""

from __future__ import annotations

import pytest

from geo.address.numbering import bare_number, parse_building_number, parse_unit_number


@pytest.mark.parametrize(("text", "number"), [
    ("10号楼", "10"), ("3栋", "3"), ("3幢", "3"), ("A座", "A"), ("双泉嘉苑3号楼", "3"),
    ("第十二栋", "12"), ("３号楼", "3"), ("学生10号公寓", "10"), ("清华东路27号院", None),
    ("游泳馆", None), (None, None),
])
def test_building_numbers(text: str | None, number: str | None) -> None:
    assert parse_building_number(text) == number


@pytest.mark.parametrize(("text", "number"), [
    ("2单元", "2"), ("二单元", "2"), ("3号楼2单元", "2"), ("3门洞", "3"), ("大堂", None)])
def test_unit_numbers(text: str, number: str | None) -> None:
    assert parse_unit_number(text) == number


@pytest.mark.parametrize(("text", "number"), [("２", "2"), ("03", "3"), ("b", "B"), ("x1", None)])
def test_bare_numbers(text: str, number: str | None) -> None:
    assert bare_number(text) == number
