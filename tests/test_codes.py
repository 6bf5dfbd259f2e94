"""geo.address.codes: format, parse and validate standard address codes; labels and addresses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.address.codes import (
    AddressCode,
    building_label,
    committee_for_division,
    format_address,
    format_code,
    format_gate_code,
    gate_label,
    is_code,
    number_value,
    parse_code,
    unit_label,
)
from geo.errors import InvalidCode

COMMITTEE = "110108010000"


@pytest.mark.parametrize(("text", "kind", "parsed"), [
    ("110108010000-001", "community", AddressCode(COMMITTEE, 1)),
    ("110108010000-001-003", "building", AddressCode(COMMITTEE, 1, 3)),
    ("110108010000-001-003-02", "unit", AddressCode(COMMITTEE, 1, 3, 2)),
    ("110108010000-012-G01", "gate", AddressCode(COMMITTEE, 12, gate=1)),
    ("110108010001-999-999-99", "unit", AddressCode("110108010001", 999, 999, 99)),
])
def test_parse_valid_codes(text: str, kind: str, parsed: AddressCode) -> None:
    code = parse_code(text)
    assert code == parsed
    assert code.kind == kind
    assert str(code) == text


@pytest.mark.parametrize("typed", [
    "１１０１０８０１００００－００１－００３－０２",   # full-width digits and dash
    " 110108010000—001—003—02 ",                        # em dashes, spaces around
    "110108010000 - 001 - 003 - 02",                    # spaces inside
])
def test_parse_accepts_what_people_type(typed: str) -> None:
    assert str(parse_code(typed)) == "110108010000-001-003-02"


def test_parse_lower_case_gate() -> None:
    assert str(parse_code("110108010000-001-g03")) == "110108010000-001-G03"


@pytest.mark.parametrize(("text", "reason", "zh_fragment"), [
    ("", "empty", "为空"),
    ("   ", "empty", "为空"),
    ("110108010000-00A", "characters", "不允许的字符"),
    ("110108010000-001-3号楼", "characters", "不允许的字符"),
    ("110108010000--001", "separator", "连字符"),
    ("-110108010000-001", "separator", "连字符"),
    ("110108010000-001-", "separator", "连字符"),
    ("110108010-001", "committee_length", "9位街道代码"),
    ("11010801000-001", "committee_length", "应为12位"),
    ("1101080100001-001", "committee_length", "应为12位"),
    ("G10108010000-001", "committee_format", "应为12位数字"),
    ("001108010000-001", "committee_division", "不是有效的区划代码"),
    ("110108000000-001", "committee_division", "不是有效的区划代码"),
    ("110108010000", "missing_compound", "缺少小区编号"),
    ("110108010000-01", "compound_format", "应为3位数字"),
    ("110108010000-0001", "compound_format", "应为3位数字"),
    ("110108010000-000", "compound_zero", "不能全为0"),
    ("110108010000-001-03", "building_format", "应为3位数字"),
    ("110108010000-001-000", "building_zero", "不能全为0"),
    ("110108010000-001-003-2", "unit_format", "应为2位数字"),
    ("110108010000-001-003-002", "unit_format", "应为2位数字"),
    ("110108010000-001-003-00", "unit_zero", "不能全为0"),
    ("110108010000-001-G1", "gate_format", "应为2位数字"),
    ("110108010000-001-G001", "gate_format", "应为2位数字"),
    ("110108010000-001-G00", "gate_zero", "不能全为0"),
    ("110108010000-001-003-G01", "gate_position", "只能直接跟在小区编号之后"),
    ("110108010000-001-G01-02", "too_many_parts", "之后不能再有"),
    ("110108010000-001-003-02-01", "too_many_parts", "部分太多"),
])
def test_parse_says_what_is_wrong(text: str, reason: str, zh_fragment: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_code(text)
    error = caught.value
    assert error.details["reason"] == reason
    assert zh_fragment in error.zh
    assert error.en and error.en != error.zh
    assert error.to_dict()["error"] == "invalid_code"
    assert not is_code(text)


@pytest.mark.parametrize("value", [None, 110108010000])
def test_parse_rejects_non_strings(value: object) -> None:
    with pytest.raises(InvalidCode):
        parse_code(value)  # type: ignore[arg-type]


@given(st.integers(1, 999), st.integers(1, 999), st.integers(1, 99), st.integers(1, 99))
def test_round_trip(compound: int, building: int, unit: int, gate: int) -> None:
    for text in (format_code(COMMITTEE, compound), format_code(COMMITTEE, compound, building),
                 format_code(COMMITTEE, compound, building, unit),
                 format_gate_code(COMMITTEE, compound, gate)):
        assert str(parse_code(text)) == text


def test_parents() -> None:
    unit = parse_code("110108010000-001-003-02")
    assert str(unit.parent) == "110108010000-001-003"
    assert unit.building_code == "110108010000-001-003"
    assert str(unit.parent.parent) == unit.community_code == "110108010000-001"
    assert unit.parent.parent.parent is None
    gate = parse_code("110108010000-001-G02")
    assert str(gate.parent) == "110108010000-001" and gate.building_code is None


def test_committee_part() -> None:
    assert committee_for_division("110108010") == "110108010000"
    assert committee_for_division("110108010012") == "110108010012"
    assert not parse_code("110108010000-001").committee_set
    assert parse_code("110108010012-001").committee_set
    assert parse_code("110108010012-001").street == "110108010"
    for bad in ("110108", "", "11010801001"):
        with pytest.raises(InvalidCode):
            committee_for_division(bad)


@pytest.mark.parametrize(("args", "message"), [
    ((COMMITTEE, 0), "超出范围"),
    ((COMMITTEE, 1000), "超出范围"),
    ((COMMITTEE, 1, 1000), "超出范围"),
    ((COMMITTEE, 1, 1, 100), "超出范围"),
    ((COMMITTEE, 1, None, 2), "需要楼栋编号"),
    (("11010801000", 1), "12位数字"),
])
def test_format_rejects_out_of_range(args: tuple, message: str) -> None:
    with pytest.raises(InvalidCode, match=message):
        format_code(*args)


def test_gate_range() -> None:
    with pytest.raises(InvalidCode):
        format_gate_code(COMMITTEE, 1, 100)


@pytest.mark.parametrize(("number", "name", "label"), [
    ("3", None, "3号楼"), ("０３", None, "3号楼"), ("a", None, "A座"),
    (None, "图书馆", "图书馆"), ("3A", None, "3A"), (None, None, "楼栋"),
])
def test_building_label(number: str | None, name: str | None, label: str) -> None:
    assert building_label(number, name) == label


def test_unit_and_gate_labels() -> None:
    assert unit_label("2") == "2单元"
    assert unit_label("东", None) == "东单元"
    assert gate_label("1", "北门") == "北门(1号门)"
    assert gate_label("1", None) == "1号门"
    assert gate_label(None, "西门") == "西门"
    assert gate_label("1", "1号门") == "1号门"
    assert number_value("3A") is None and number_value("12") == 12


def test_full_address() -> None:
    assert format_address("北京市海淀区学院路街道", "双泉嘉苑", "3号楼", "2单元") == \
        "北京市海淀区学院路街道 双泉嘉苑 3号楼 2单元"
