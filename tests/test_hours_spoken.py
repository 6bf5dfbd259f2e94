"""Opening hours as people write them → OSM syntax (geo.hours.spoken), and back to the
Chinese riders read (geo.hours.text)."""

from __future__ import annotations

import pytest

from geo.errors import InvalidInput
from geo.hours.spoken import osm_days, spoken_to_osm
from geo.hours.text import describe_hours, hours_zh


@pytest.mark.parametrize(("spoken", "osm"), [
    ("每天6点到22点", "Mo-Su 06:00-22:00"),
    ("每天 6:00-22:00", "Mo-Su 06:00-22:00"),
    ("6点到22点", "Mo-Su 06:00-22:00"),
    ("工作日7:00-21:00", "Mo-Fr 07:00-21:00"),
    ("工作日7:00-21:00，周末关闭", "Mo-Fr 07:00-21:00; Sa,Su off"),
    ("周末关闭", "Mo-Su 00:00-24:00; Sa,Su off"),
    ("24小时", "24/7"),
    ("全天开放", "24/7"),
    ("每天24小时", "24/7"),
    ("早6点半至晚10点", "Mo-Su 06:30-22:00"),
    ("上午8点到下午5点", "Mo-Su 08:00-17:00"),
    ("六点到二十二点", "Mo-Su 06:00-22:00"),
    ("周一到周六 6点-22点", "Mo-Sa 06:00-22:00"),
    ("星期一、星期三 9点到17点", "Mo,We 09:00-17:00"),
    ("周一至周五 8:00-12:00、14:00-18:00；周六,周日 关闭",
     "Mo-Fr 08:00-12:00,14:00-18:00; Sa,Su off"),
    ("每天 22点到次日6点", "Mo-Su 22:00-06:00"),
    ("每天6点到0点", "Mo-Su 06:00-24:00"),
    ("Mo-Su 06:00-22:00", "Mo-Su 06:00-22:00"),
    ("  24/7 ", "24/7"),
])
def test_spoken_hours_become_osm(spoken: str, osm: str) -> None:
    assert spoken_to_osm(spoken) == osm


@pytest.mark.parametrize("spoken", ["每天早上", "每天六点", "周一", "25点到26点", "随便", "6点到22点半夜",
                                    "每天6点到22点，周二"])
def test_unreadable_hours_are_refused_in_chinese(spoken: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        spoken_to_osm(spoken)
    assert raised.value.zh.startswith("看不懂开放时间")
    assert "每天6点到22点" in raised.value.zh


@pytest.mark.parametrize(("spoken", "rider_text"), [
    ("每天6点到22点", "每天 06:00–22:00"),
    ("工作日7:00-21:00，周末关闭", "周一至周五 07:00–21:00；周六、周日 关闭"),
    ("周末关闭", "周一至周五 24 小时；周六、周日 关闭"),
    ("24小时", "每天 24 小时开放"),
])
def test_round_trip_to_the_text_riders_read(spoken: str, rider_text: str) -> None:
    assert describe_hours(spoken_to_osm(spoken), year=2025) == rider_text


@pytest.mark.parametrize(("days", "osm"), [
    (frozenset(range(7)), "Mo-Su"), (frozenset({5, 6}), "Sa,Su"), (frozenset({0, 2, 4}), "Mo,We,Fr"),
    (frozenset({0, 1, 2, 6}), "Mo-We,Su"),
])
def test_osm_days(days: frozenset[int], osm: str) -> None:
    assert osm_days(days) == osm


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), ("", ""), ("Mo-Su 06:00-22:00", "每天 06:00–22:00"), ("每天早上", "开放时间无法识别"),
])
def test_riders_never_read_the_raw_expression(value: str | None, text: str) -> None:
    assert hours_zh(value, year=2025) == text
