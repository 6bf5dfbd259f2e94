"""geo.address.third_party: foreign plates read for what they say, never as genuine."""

from __future__ import annotations

import pytest

from geo.address.third_party import read_third_party


@pytest.mark.parametrize(("text", "expected"), [
    ("https://e.example.sc.cn/dz?code=510104001001000123&addr=%E6%88%90%E9%83%BD%E5%B8%82",
     {"kind": "url", "host": "e.example.sc.cn", "code": "510104001001000123",
      "division_code": "510104001001", "address_text": "成都市"}),
    ("https://m.example.cn/p/510104001001000123",
     {"kind": "url", "code": "510104001001000123", "division_code": "510104001001"}),
    ("https://m.example.cn/%E7%BA%A2%E6%98%9F%E5%B0%8F%E5%8C%BA",
     {"kind": "url", "address_text": "红星小区", "code": None}),
    ("510104001001-0035-02", {"kind": "code", "division_code": "510104001001"}),
    ("５１０１０４００１００１０００３５", {"kind": "code", "code": "51010400100100035"}),
    ('{"DZ": "成都市锦江区红星路3号", "bm": "510104001001000350002"}',
     {"kind": "json", "address_text": "成都市锦江区红星路3号", "division_code": "510104001001"}),
    ("红星小区3栋2单元", {"kind": "text", "address_text": "红星小区3栋2单元"}),
])
def test_readings(text: str, expected: dict) -> None:
    reading = read_third_party(text)
    assert reading.known_format
    for key, value in expected.items():
        assert getattr(reading, key) == value, key


@pytest.mark.parametrize("text", ["", "   ", "hello world", "https://example.cn/abc",
                                  "{not json", "12345"])
def test_unknown_formats(text: str) -> None:
    reading = read_third_party(text)
    assert not reading.known_format
    assert reading.division_code is None and reading.address_text is None


def test_long_text_is_cut() -> None:
    assert len(read_third_party("地址" * 500).address_text) == 200
