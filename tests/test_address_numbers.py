"""geo.address.numbering, the address end: counted numerals as digits, building/unit/room numbers
split off the end of a written address, building names without their number (used by
the address resolver)."""

from __future__ import annotations

import pytest

from geo.address.numbering import AddressTail, building_stem, numerals_to_digits, split_address_tail


@pytest.mark.parametrize(("text", "digits"), [
    ("十二号楼二单元", "12号楼2单元"),
    ("清华东路二十七号院", "清华东路27号院"),
    ("五〇一室", "501室"),
    ("两单元", "2单元"),
    ("教二楼", "教2楼"),
    ("五道口 三里屯", "五道口 三里屯"),   # numerals that count nothing stay
])
def test_numerals_to_digits(text: str, digits: str) -> None:
    assert numerals_to_digits(text) == digits


@pytest.mark.parametrize(("text", "tail"), [
    ("双泉嘉苑3号楼2单元501", AddressTail("双泉嘉苑", "3", "2", "501")),
    ("双泉嘉苑3号楼2单元501室", AddressTail("双泉嘉苑", "3", "2", "501")),
    ("双泉嘉苑 3-2", AddressTail("双泉嘉苑", "3", "2")),
    ("双泉嘉苑3-2-501", AddressTail("双泉嘉苑", "3", "2", "501")),
    ("双泉嘉苑3栋", AddressTail("双泉嘉苑", "3")),
    ("双泉嘉苑3幢2门洞", AddressTail("双泉嘉苑", "3", "2")),
    ("双泉嘉苑03#楼", AddressTail("双泉嘉苑", "3")),
    ("双泉嘉苑 3#", AddressTail("双泉嘉苑", "3")),
    ("石科院A座2单元", AddressTail("石科院", "A", "2")),
    ("学生10号公寓2单元", AddressTail("学生10号公寓", None, "2")),
    ("清华东路27号院", AddressTail("清华东路27号院")),
    ("路27 3-2", AddressTail("路27", "3", "2")),   # the space keeps 27 out of the number
    ("3-2", AddressTail("", "3", "2")),
    ("", AddressTail("")),
])
def test_split_address_tail(text: str, tail: AddressTail) -> None:
    assert split_address_tail(text) == tail


def test_split_address_tail_without_building() -> None:
    """The building part may belong to a name: only the unit splits off."""
    assert split_address_tail("学院路20号2单元", with_building=False) == AddressTail(
        "学院路20号", None, "2")
    assert split_address_tail("学院路20号", with_building=False) == AddressTail("学院路20号")


@pytest.mark.parametrize(("name", "stem"), [
    ("学生10号公寓", ("学生公寓", "10")),
    ("紫荆学生公寓3号楼", ("紫荆学生公寓", "3")),
    ("3号楼", ("", "3")),
    ("教2楼", ("教", "2")),
    ("科学会堂", ("科学会堂", None)),
    ("清华东路27号院", ("清华东路27号院", None)),
    (None, ("", None)),
])
def test_building_stem(name: str | None, stem: tuple[str, str | None]) -> None:
    assert building_stem(name) == stem
